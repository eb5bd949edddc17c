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
_current: asyncio.Task[None] | None = None


async def run_sweeps(context: CallbackContext[Any, Any, Any, Any]) -> None:
    """The repeating job."""
    global _current
    _current = asyncio.current_task()  # the job's own task, to stop it on shutdown
    try:
        await run_all_sweeps(runtime_of(context.application), context.bot)
    finally:
        _current = None


async def stop_sweeps(runtime: Runtime, grace: float = 1.5) -> None:
    """At shutdown: a sweep in progress claims nothing more and records what it sent, within `grace`
    seconds; then it is cancelled. What it still held comes back when its lease runs out."""
    runtime.stopping = True
    task = _current
    if task is None or task.done():
        return
    await asyncio.wait({task}, timeout=grace)
    if not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=0.5)


async def run_all_sweeps(runtime: Runtime, bot: Bot, *, wait: bool = False) -> None:
    """Run each sweep; one failing does not stop the others.

    A run still busy (a long broadcast) makes the next tick a no-op rather than a second sweep
    beside it: fewer claimed-but-unsent rows if the process is killed. `wait` queues instead.
    """
    if _running.locked() and not wait:
        return
    async with _running:
        for sweep in SWEEPS:
            if runtime.stopping:
                return
            try:
                await sweep(runtime, bot)
            except Exception:
                log.exception("sweep %s failed", sweep.__name__)


def schedule_sweeps(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    assert application.job_queue is not None, "install python-telegram-bot[job-queue]"
    application.job_queue.run_repeating(run_sweeps, interval=runtime_of(application).settings.sweep_seconds, first=1, name="sweeps")
