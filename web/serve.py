"""Serving the dashboard with uvicorn: on its own (`ecoach web`), or inside `ecoach run`'s event loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator

import uvicorn
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.kernel.clock import Clock, SystemClock
from bot.kernel.i18n import Texts
from bot.kernel.settings import Settings, SettingsError
from db.engine import create_engine, session_factory
from web.app import Web, build_web

log = logging.getLogger(__name__)
DEFAULT_PORT = 8090


@contextlib.asynccontextmanager
async def serving(settings: Settings, sessions: async_sessionmaker[AsyncSession], clock: Clock, port: int) -> AsyncIterator[None]:
    """The dashboard listens while the block runs. Access logs stay off (a login link's token is in its
    URL), and uvicorn keeps no logging of its own: its records pass through ours, which withholds values."""
    app = build_web(Web(settings=settings, texts=Texts(settings.default_locale), clock=clock, sessions=sessions))
    config = uvicorn.Config(
        app, host=settings.web_listen, port=port, log_level="warning", access_log=False, lifespan="off", log_config=None
    )
    config.load()
    server = uvicorn.Server(config)
    server.lifespan = config.lifespan_class(config)
    await server.startup()
    if not server.started:
        raise SettingsError(f"the dashboard cannot listen on {settings.web_listen}:{port} (ECOACH_WEB_LISTEN, ECOACH_WEB_PORT)")
    task = asyncio.create_task(server.main_loop())
    warming = asyncio.create_task(app.state.warm())
    log.info("Dashboard listening on %s:%d", settings.web_listen, port)
    try:
        yield
    finally:
        server.should_exit = True
        warming.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):  # a count cut short by the stop changes nothing
            await warming
        await task
        await server.shutdown()


async def run_web(settings: Settings) -> int:
    """`ecoach web`: serve the dashboard until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    engine = create_engine(settings.database_url)
    try:
        async with serving(settings, session_factory(engine), SystemClock(), settings.web_port or DEFAULT_PORT):
            log.info("Application started (dashboard)")
            await stop.wait()
    finally:
        await engine.dispose()
    return 0
