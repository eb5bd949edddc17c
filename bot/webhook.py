"""Webhook mode: every update is stored in the inbox and committed before Telegram gets its 200.

The endpoint checks the secret header (in constant time) before it reads a byte of the body, refuses
bodies over 1 MiB by their Content-Length or as they stream, and answers 200 only once the update is
in the database. Workers then take the inbox in order of arrival, one update at a time per chat, each
under a lease: a worker that dies (SIGKILL) gives its update back when the lease runs out, and the
processed-updates record keeps it from being applied twice. On PostgreSQL several processes share
the inbox: `ecoach run --webhook --receive-only` stores, and any number of `ecoach worker` processes
take, each woken by NOTIFY when an update is stored. Each runs ECOACH_CONCURRENT_UPDATES workers.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import signal
from collections import deque
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

import uvicorn
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import Update

from bot.app import EcoachApplication, post_init, stop_application
from bot.kernel.incidents import keep_dead_letter, tell_organizers
from db.engine import is_sqlite
from db.inbox import MAX_ATTEMPTS, Taken, claim_next, finish, listen, store
from db.models import InboxStatus

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1024 * 1024  # an update is a few kilobytes; Telegram's own limit for a message is far below this
IDLE_WAIT = 1.0  # seconds a worker waits unwoken before it looks again: for leases run out, or a lost NOTIFY


class TooLarge(Exception):
    """The body is over MAX_BODY."""


def endpoint(application: EcoachApplication, path: str, secret: str, on_stored: Callable[[], None]) -> Starlette:
    """The ASGI app that takes Telegram's POSTs at `path`; `on_stored` is called after each commit."""
    expected = secret.encode()

    async def receive(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "surrogateescape")
        if not hmac.compare_digest(given, expected):
            return Response(status_code=403)  # before a byte of the body is read
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            return Response(status_code=413)
        try:
            body = await _read_capped(request)
            payload = json.loads(body)
            if not isinstance(payload, dict) or not isinstance(payload.get("update_id"), int):
                raise ValueError("not an update")
        except TooLarge:
            return Response(status_code=413)
        except ValueError:
            log.warning("webhook: a body that is not an update was refused (%d bytes)", len(body) if "body" in locals() else 0)
            return Response(status_code=400)
        runtime = application.runtime
        async with runtime.open_session() as session:
            await store(session=session, bot_id=application.bot.id, payload=payload, now=runtime.clock.now())
            await session.commit()
        on_stored()
        return Response(status_code=200)

    return Starlette(routes=[Route("/" + path.lstrip("/"), receive, methods=["POST"])])


async def _read_capped(request: Request) -> bytes:
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise TooLarge
    return bytes(body)


class Doorbell:
    """Wakes one idle worker per update stored; a ring while none waits is kept for the next to wait
    (up to one per worker), so an update stored between a worker's empty claim and its wait is taken."""

    def __init__(self, workers: int) -> None:
        self._waiting: deque[asyncio.Future[None]] = deque()
        self._kept = 0
        self._most = workers

    def ring(self) -> None:
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._kept = min(self._kept + 1, self._most)

    def ring_all(self) -> None:
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_result(None)

    async def wait(self) -> None:
        """Until a ring, or IDLE_WAIT seconds."""
        if self._kept:
            self._kept -= 1
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiting.append(waiter)
        try:
            await asyncio.wait_for(waiter, IDLE_WAIT)
        except TimeoutError:
            with contextlib.suppress(ValueError):
                self._waiting.remove(waiter)


async def work(application: EcoachApplication, stop: asyncio.Event, bell: Doorbell) -> None:
    """One worker: take the next update the inbox allows, handle it, mark it; until `stop`. While
    the database is away (a restart, a failover) it looks again every idle wait: a worker that
    stopped here would leave its process up and taking nothing."""
    away = False
    while not stop.is_set():
        try:
            await _take_one(application, bell)
        except Exception as exc:  # noqa: BLE001 - an update it held comes back by its lease
            if not away:
                log.warning("inbox: could not take the next update (%s); looking again every %.0f s", type(exc).__name__, IDLE_WAIT)
            away = True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), IDLE_WAIT)
        else:
            if away:
                log.info("inbox: taking updates again")
            away = False


async def _take_one(application: EcoachApplication, bell: Doorbell) -> None:
    """Take the next update the inbox allows, handle it and mark it; or wait for the bell."""
    runtime, bot = application.runtime, application.bot
    async with runtime.open_session() as session:
        row = await claim_next(session=session, bot_id=bot.id, now=runtime.clock.now(), lease=runtime.settings.lease)
        await session.commit()
    if row is None:
        await bell.wait()
        return
    status = await _handle(application, row)
    if status is not None:
        async with runtime.open_session() as session:
            await finish(session=session, row_id=row.id, status=status, now=runtime.clock.now())
            await session.commit()


async def _handle(application: EcoachApplication, row: Taken) -> InboxStatus | None:
    """Handle one inbox update; None when its mark joined the update's own last transaction (if that
    commit failed, the lease brings the update back), else the status still to record: done when
    the throttle dropped it or a handler failed, dead when it cannot be read."""
    runtime, bot = application.runtime, application.bot
    try:
        if row.attempts > MAX_ATTEMPTS:
            raise RuntimeError(f"update took its worker down {row.attempts - 1} times")
        update = Update.de_json(row.payload, bot)
    except Exception as exc:  # noqa: BLE001 - a poison update is passed over, never fatal
        kind = f"unreadable update: {type(exc).__name__}"
        log.error("inbox update %s could not be handled (%s); kept as a dead letter", row.update_id, type(exc).__name__)
        await keep_dead_letter(runtime, bot.id, row.payload, kind, update_id=row.update_id, telegram_id=None)
        await tell_organizers(runtime, bot, "errors.admin_notice", update_id=row.update_id, kind=kind)
        return InboxStatus.DEAD
    marked = False

    async def mark_done(session: AsyncSession) -> None:
        nonlocal marked
        await finish(session=session, row_id=row.id, status=InboxStatus.DONE, now=runtime.clock.now())
        marked = True

    await application.process_update(update, before_commit=mark_done)
    return None if marked else InboxStatus.DONE


async def run_webhook(application: EcoachApplication, *, receive_only: bool = False) -> int:
    """Set the webhook, serve it, and (unless `receive_only`, when `ecoach worker` processes do it) run
    the workers and the sweeps; stop cleanly on SIGINT or SIGTERM."""
    settings = application.runtime.settings
    assert settings.webhook_url is not None and settings.webhook_secret is not None
    secret = settings.webhook_secret.get_secret_value()
    stop, bell = _stop_on_signals(), Doorbell(settings.concurrent_updates)
    await application.initialize()
    await post_init(application)
    # On PostgreSQL the workers are rung by NOTIFY, whichever process stored the update; on SQLite, here.
    on_stored = bell.ring if is_sqlite(settings.database_url) and not receive_only else _nothing
    app = endpoint(application, urlparse(settings.webhook_url).path, secret, on_stored)
    config = uvicorn.Config(
        app, host=settings.webhook_listen, port=settings.webhook_port, log_level="warning", access_log=False, lifespan="off"
    )
    config.load()
    server = uvicorn.Server(config)
    server.lifespan = config.lifespan_class(config)
    await server.startup()  # listening from here on: Telegram may post as soon as the webhook is set
    serving = asyncio.create_task(server.main_loop())
    await application.bot.set_webhook(settings.webhook_url, secret_token=secret, allowed_updates=list(Update.ALL_TYPES))
    log.info("Application started (webhook%s)", ", receiving only" if receive_only else "")
    try:
        if receive_only:
            await stop.wait()
        else:
            await _work_until(application, stop, bell)
    finally:
        server.should_exit = True
        await asyncio.wait({serving}, timeout=1)
        await server.shutdown()
        await stop_application(application)
    return 0


async def run_worker(application: EcoachApplication) -> int:
    """`ecoach worker`: take the inbox the webhook process fills, and run the sweeps, until SIGINT or
    SIGTERM. Any number of these share one PostgreSQL database."""
    stop = _stop_on_signals()
    await application.initialize()
    await post_init(application)
    log.info("Application started (worker)")
    try:
        await _work_until(application, stop, Doorbell(application.runtime.settings.concurrent_updates))
    finally:
        await stop_application(application)
    return 0


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


async def _work_until(application: EcoachApplication, stop: asyncio.Event, bell: Doorbell) -> None:
    """The sweeps and ECOACH_CONCURRENT_UPDATES workers, rung by this process's endpoint or, on
    PostgreSQL, by any process's NOTIFY; the updates in hand are finished when `stop` is set."""
    runtime = application.runtime
    assert runtime.engine is not None
    listening = await listen(runtime.engine, bell.ring)
    if application.job_queue is not None:
        await application.job_queue.start()
    workers = [asyncio.create_task(work(application, stop, bell)) for _ in range(runtime.settings.concurrent_updates)]
    try:
        await stop.wait()
    finally:
        bell.ring_all()
        await _finish(workers, grace=1.0)
        if listening is not None:
            await listening.close()


def _nothing() -> None:
    pass


async def _finish(tasks: list[asyncio.Task[Any]], grace: float) -> None:
    """Let the workers finish the update in hand; what they still hold comes back by its lease."""
    _, pending = await asyncio.wait(tasks, timeout=grace)
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.wait(pending, timeout=1)
