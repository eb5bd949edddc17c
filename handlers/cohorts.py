"""/angkatan_baru (/newcohort): organizers create a cohort from the chat."""

from __future__ import annotations

from telegram import Update

from bot.kernel.context import EcoachContext
from conversations import new_cohort


async def start_new_cohort(update: Update, context: EcoachContext) -> None:
    """Only organizers (ECOACH_ADMIN_IDS, by numeric id) may create a cohort."""
    assert update.effective_user is not None
    if update.effective_user.id not in context.runtime.settings.admin_ids:
        await context.reply(update, "admin.only")
        return
    await new_cohort.begin(context, update)
