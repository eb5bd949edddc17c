"""The organizers' dashboard in this process, for tests that read its pages."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import datetime

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.kernel.clock import FrozenClock
from bot.kernel.i18n import Texts
from bot.kernel.settings import Settings
from db.engine import create_engine, session_factory
from db.models import Person
from db.web import issue_link, redeem_link
from tests.support.bots import InProcessBot
from web.app import Web, build_web

ORGANIZER = 900001  # in the test settings' ECOACH_ADMIN_IDS


@contextlib.asynccontextmanager
async def organizer_client(session: AsyncSession, settings: Settings, now: datetime) -> AsyncIterator[httpx.AsyncClient]:
    """The dashboard app in this process, with an organizer's session opened by a real login link."""
    link = await issue_link(session=session, telegram_id=ORGANIZER, now=now)
    token = await redeem_link(session=session, token=link, locale="id", now=now)
    await session.commit()
    assert token is not None
    engine = create_engine(settings.database_url)
    app = build_web(Web(settings=settings, texts=Texts(), clock=FrozenClock(now), sessions=session_factory(engine)))
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://dasbor", cookies={"ecoach_session": token}) as client:
            yield client
    finally:
        await engine.dispose()


async def cohort_and_alumna_pages(bot: InProcessBot, settings: Settings, telegram_id: int) -> tuple[str, str]:
    """The first cohort's page and her page, as an organizer reads them."""
    async with bot.app.runtime.open_session() as session:
        person = await session.scalar(select(Person).where(Person.telegram_id == telegram_id))
        assert person is not None
        async with organizer_client(session, settings, bot.clock.now()) as client:
            return (await client.get("/angkatan/1")).text, (await client.get(f"/alumni/{person.id}")).text
