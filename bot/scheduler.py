"""Scheduled work: one repeating APScheduler job (PTB's JobQueue) runs every feature's sweep in turn,
every ECOACH_SWEEP_SECONDS.

Each sweep opens its own sessions, claims due rows, and records each outcome, so a restart, downtime
or a second process neither loses nor repeats a send. The sweeps themselves live with their features
(handlers.SWEEPS).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import Bot
from telegram.ext import Application, CallbackContext

from bot.kernel.context import Runtime, runtime_of
from handlers import SWEEPS

log = logging.getLogger(__name__)
_running = asyncio.Lock()


async def run_sweeps(context: CallbackContext[Any, Any, Any, Any]) -> None:
    """The repeating job."""
    await run_all_sweeps(runtime_of(context.application), context.bot)


async def run_all_sweeps(runtime: Runtime, bot: Bot, *, wait: bool = False) -> None:
    """Run each sweep; one failing does not stop the others.

    A run still busy (a long broadcast) makes the next tick a no-op rather than a second sweep
    beside it: fewer claimed-but-unsent rows if the process is killed. `wait` queues instead.
    """
    if _running.locked() and not wait:
        return
    async with _running:
        for sweep in SWEEPS:
            try:
                await sweep(runtime, bot)
            except Exception:
                log.exception("sweep %s failed", sweep.__name__)


def schedule_sweeps(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    assert application.job_queue is not None, "install python-telegram-bot[job-queue]"
    application.job_queue.run_repeating(run_sweeps, interval=runtime_of(application).settings.sweep_seconds, first=1, name="sweeps")
