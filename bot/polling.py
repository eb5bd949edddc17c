"""Long polling that confirms an update to Telegram only after it was handled.

PTB's Updater asks for the next batch, and so confirms the last one, while that batch may still be
in the handlers: a SIGKILL in between loses the update. Here the offset moves past an update only
once `process_update` has returned (its answer committed), so a killed process gets it again, and
`processed_updates` makes the second delivery a no-op. At least once, applied once.

Within a batch, updates from different people run side by side (up to ECOACH_CONCURRENT_UPDATES
at once): while one waits on Telegram or the database another proceeds. Updates that share a
user or a chat keep their order, since a conversation's next answer depends on the last.

An update that cannot be read is kept as a dead letter and passed over; a second process polling
the same bot (Telegram answers 409) makes this one give way after a short grace; SIGTERM stops it
within two seconds whatever it was waiting for.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import warnings
from collections.abc import Awaitable, Sequence
from typing import Any

from telegram import Update
from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError
from telegram.warnings import PTBUserWarning

from bot.app import EcoachApplication, post_init, post_shutdown, stop_application
from bot.kernel.incidents import keep_dead_letter, tell_organizers
from bot.kernel.sending import retry_delay
from db.poller import PollerLock
from web.serve import serving

log = logging.getLogger(__name__)
# getUpdates is asked for raw, so that one unreadable update cannot make the whole batch unreadable.
warnings.filterwarnings("ignore", message="Please use 'Bot.getUpdates'", category=PTBUserWarning)
POLL_TIMEOUT = 25  # seconds Telegram holds a getUpdates open
MAX_BACKOFF = 30
CONFLICT_GRACE = 20.0  # seconds of 409 answers before this process gives way to the other one
STOP_GRACE = 1.0  # seconds the updates in hand get to finish once stopping; unfinished ones come again
EXIT_CONFLICT = 3
LOCK_GRACE = 10.0  # seconds to wait for the poller lock a stopping process may still hold


class AnotherPoller(Exception):
    """Telegram kept answering 409: another process polls this bot."""


async def _until(stop: asyncio.Event, awaitable: Awaitable[Any], *, grace: float = 0.0) -> tuple[bool, asyncio.Task[Any]]:
    """Await `awaitable` unless `stop` is set first (then `grace` more seconds). (finished, task)."""
    task = asyncio.ensure_future(awaitable)
    stopping = asyncio.ensure_future(stop.wait())
    await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if not task.done() and grace:
        await asyncio.wait({task}, timeout=grace)
    if not task.done():
        task.cancel()
        return False, task
    return True, task


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    """Sleep, unless asked to stop."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


async def poll(application: EcoachApplication, stop: asyncio.Event, concurrency: int = 1) -> None:
    """Fetch a batch, handle it, then confirm it; until `stop` is set."""
    offset: int | None = None
    backoff = 1.0
    conflict_since: float | None = None
    answered = False  # a poller that Telegram has answered once is the incumbent: it stays, the newcomer goes
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        request = application.bot.do_api_request(
            "getUpdates",
            api_kwargs={"offset": offset, "timeout": POLL_TIMEOUT, "allowed_updates": list(Update.ALL_TYPES)},
            read_timeout=POLL_TIMEOUT + 10,
        )
        finished, fetch = await _until(stop, request)
        if not finished:
            break
        try:
            raw: list[dict[str, Any]] = fetch.result()
        except InvalidToken:
            raise
        except Conflict:
            if conflict_since is None:
                conflict_since = loop.time()
                log.error("Telegram answers 409 Conflict: another process polls this bot. Run one poller, or use webhook mode.")
                await tell_organizers(application.runtime, application.bot, "errors.another_poller")
            if not answered and loop.time() - conflict_since > CONFLICT_GRACE:
                raise AnotherPoller from None
            await _pause(stop, 2)
            continue
        except RetryAfter as exc:
            await _pause(stop, retry_delay(exc).total_seconds())
            continue
        except TelegramError as exc:  # the network, a timeout, a 5xx
            log.warning("getUpdates failed (%s); retrying in %.0f s", exc.__class__.__name__, backoff)
            await _pause(stop, backoff)
            backoff = min(backoff * 2, MAX_BACKOFF)
            continue
        backoff, conflict_since, answered = 1.0, None, True
        if not raw:
            continue
        updates = await _read(application, raw)
        if updates:
            finished, _ = await _until(stop, handle_batch(application, updates, concurrency), grace=STOP_GRACE)
            if not finished:
                break  # not confirmed: Telegram gives the unfinished ones again after the restart
        offset = max(int(item.get("update_id", 0)) for item in raw if isinstance(item, dict)) + 1


async def _read(application: EcoachApplication, raw: list[dict[str, Any]]) -> list[Update]:
    """The batch as Update objects; one that cannot be read is a dead letter, and the batch goes on."""
    updates = []
    for item in raw:
        try:
            updates.append(Update.de_json(item, application.bot))
        except Exception as exc:  # noqa: BLE001 - any malformed update is passed over, never fatal
            kind = f"unreadable update: {type(exc).__name__}"
            log.error("update %s could not be read (%s); kept as a dead letter", item.get("update_id"), type(exc).__name__)
            user = next((v.get("from") for v in item.values() if isinstance(v, dict) and isinstance(v.get("from"), dict)), None)
            telegram_id = user.get("id") if user else None
            await keep_dead_letter(
                application.runtime, application.bot.id, item, kind, update_id=item.get("update_id"),
                telegram_id=telegram_id if isinstance(telegram_id, int) else None,
            )  # fmt: skip
            await tell_organizers(application.runtime, application.bot, "errors.admin_notice", update_id=item.get("update_id"), kind=kind)
    return updates


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
    try:
        outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    except asyncio.CancelledError:
        for task in tasks:
            task.cancel()
        raise
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            log.error("an update failed outside its handlers: %s", type(outcome).__name__)


def _ordering_keys(update: Update) -> list[tuple[str, int]]:
    keys = []
    if update.effective_user is not None:
        keys.append(("user", update.effective_user.id))
    if update.effective_chat is not None:
        keys.append(("chat", update.effective_chat.id))
    return keys


async def _acquire(lock: PollerLock, stop: asyncio.Event) -> bool:
    """The poller lock, waiting a little for a process that is still shutting down to let it go."""
    for _ in range(int(LOCK_GRACE)):
        if await lock.acquire():
            return True
        await _pause(stop, 1)
        if stop.is_set():
            return False
    return await lock.acquire()


async def run_polling(application: EcoachApplication) -> int:
    """Initialise, run the job queue and the poll loop, and shut down cleanly on SIGINT or SIGTERM.
    The exit code: 0, or EXIT_CONFLICT when another process polls this bot."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await application.initialize()
    try:
        await application.bot.delete_webhook()
    except TelegramError as exc:  # getUpdates will say if a webhook is still set (409), and the 409 path handles it
        log.warning("deleteWebhook failed (%s)", type(exc).__name__)
    await post_init(application)
    runtime = application.runtime
    assert runtime.engine is not None
    lock = PollerLock(runtime.engine, runtime.settings.database_url, application.bot.id)
    if not await _acquire(lock, stop):
        log.error("another process is already polling this bot on this database: this one stops. Run one poller, or use webhook mode.")
        await tell_organizers(runtime, application.bot, "errors.another_poller")
        await post_shutdown(application)
        await application.shutdown()
        return EXIT_CONFLICT
    if application.job_queue is not None:
        await application.job_queue.start()
    log.info("Application started")
    code = 0
    try:
        async with contextlib.AsyncExitStack() as web:
            if runtime.settings.web_port and runtime.sessions is not None:  # the dashboard, in this process too
                await web.enter_async_context(serving(runtime.settings, runtime.sessions, runtime.clock, runtime.settings.web_port))
            await poll(application, stop, runtime.settings.concurrent_updates)
    except AnotherPoller:
        log.error("another process kept polling this bot for %.0f s: this one stops", CONFLICT_GRACE)
        code = EXIT_CONFLICT
    finally:
        await lock.release()
        await stop_application(application)
    return code
