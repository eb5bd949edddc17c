"""/angkatan_baru (/newcohort): organizers create a cohort from the chat."""

from __future__ import annotations

from telegram import Update

from bot.kernel.context import EcoachContext
from bot.kernel.guards import requires_admin
from conversations import new_cohort


@requires_admin
async def start_new_cohort(update: Update, context: EcoachContext) -> None:
    await new_cohort.begin(context, update)
