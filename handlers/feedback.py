"""/umpan_balik (/feedback): what her supervisor, peers and unit said, as averages, and her links."""

from __future__ import annotations

from telegram import Update

from bot.kernel.context import EcoachContext
from bot.kernel.guards import requires_alumna
from conversations.rater import send_rater_links
from db.models import Person
from db.raters import MIN_RATERS, aggregate


@requires_alumna
async def feedback_command(update: Update, context: EcoachContext, person: Person) -> None:
    """Her links to forward, and the aggregate once at least three raters answered."""
    result = await aggregate(session=context.session, person_id=person.id)
    averages = None
    if result.averages:
        averages = [{"question": context.text(f"rater.label_{q}"), "score": score} for q, score in result.averages.items()]
    await context.reply(update, "rater.aggregate", raters=result.raters, minimum=MIN_RATERS, averages=averages)
    await send_rater_links(update, context, person)
