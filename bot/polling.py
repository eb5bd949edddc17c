"""Long polling that confirms an update to Telegram only after it was handled.

PTB's Updater asks for the next batch, and so confirms the last one, while that batch may still be
in the handlers: a SIGKILL in between loses the update. Here the offset moves past an update only
once `process_update` has returned (its answer committed), so a killed process gets it again, and
`processed_updates` makes the second delivery a no-op. At least once, applied once.

Within a batch, updates from different people run side by side (up to ECOACH_CONCURRENT_UPDATES
at once): while one waits on Telegram or the database another proceeds. Updates that share a
user or a chat keep their order, since a conversation's next answer depends on the last.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Sequence

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TimedOut

from bot.app import EcoachApplication, post_init, post_shutdown
from bot.kernel.sending import retry_delay

log = logging.getLogger(__name__)
POLL_TIMEOUT = 25  # seconds Telegram holds a getUpdates open
MAX_BACKOFF = 30


async def poll(application: EcoachApplication, stop: asyncio.Event, concurrency: int = 1) -> None:
    """Fetch a batch, handle it, then confirm it; until `stop` is set."""
    offset: int | None = None
    backoff = 1.0
    while not stop.is_set():
        fetch = asyncio.ensure_future(
            application.bot.get_updates(
                offset=offset, timeout=POLL_TIMEOUT, allowed_updates=Update.ALL_TYPES, read_timeout=POLL_TIMEOUT + 10
            )
        )
        stopping = asyncio.ensure_future(stop.wait())
        done, _ = await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if stopping in done:
            fetch.cancel()
            break
        stopping.cancel()
        try:
            updates = fetch.result()
        except InvalidToken:
            raise
        except RetryAfter as exc:
            await asyncio.sleep(retry_delay(exc).total_seconds())
            continue
        except (NetworkError, TimedOut, Conflict) as exc:
            log.warning("getUpdates failed (%s); retrying in %.0f s", exc.__class__.__name__, backoff)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF)
            continue
        backoff = 1.0
        if updates:
            await handle_batch(application, updates, concurrency)
            offset = updates[-1].update_id + 1


async def handle_batch(application: EcoachApplication, updates: Sequence[Update], concurrency: int) -> None:
    """Handle every update of the batch; each waits for the earlier ones of its user and chat."""
    gate = asyncio.Semaphore(concurrency)
    latest: dict[tuple[str, int], asyncio.Task[None]] = {}
    tasks = []

    async def handle(update: Update, earlier: set[asyncio.Task[None]]) -> None:
        if earlier:
            await asyncio.wait(earlier)
        async with gate:
            await application.process_update(update)  # errors go to the error handler inside

    for update in updates:
        keys = _ordering_keys(update)
        task = asyncio.create_task(handle(update, {latest[key] for key in keys if key in latest}))
        latest.update(dict.fromkeys(keys, task))
        tasks.append(task)
    for outcome in await asyncio.gather(*tasks, return_exceptions=True):
        if isinstance(outcome, BaseException):
            log.error("an update failed outside its handlers", exc_info=outcome)


def _ordering_keys(update: Update) -> list[tuple[str, int]]:
    keys = []
    if update.effective_user is not None:
        keys.append(("user", update.effective_user.id))
    if update.effective_chat is not None:
        keys.append(("chat", update.effective_chat.id))
    return keys


async def run_polling(application: EcoachApplication) -> None:
    """Initialise, run the job queue and the poll loop, and shut down cleanly on SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await application.initialize()
    await application.bot.delete_webhook()
    await post_init(application)
    if application.job_queue is not None:
        await application.job_queue.start()
    log.info("Application started")
    try:
        await poll(application, stop, application.runtime.settings.concurrent_updates)
    finally:
        if application.job_queue is not None:
            await application.job_queue.stop(wait=False)
        await post_shutdown(application)
        await application.shutdown()
        log.info("Application stopped")
