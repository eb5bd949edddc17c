"""Property-based bad input: every free-text step stores what she typed verbatim and echoes it safely."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update
from telegram import Update

from bot.app import EcoachApplication, build_application, post_init, post_shutdown
from bot.kernel.clock import FrozenClock
from bot.kernel.settings import Settings
from db.models import Draft
from devtools.double import BotApiDouble, DoubleRequest, FakeUser
from tests.support import factories
from tests.support.bots import TOKEN

NOW = datetime(2026, 3, 6, 8, 0, tzinfo=UTC)
NASTY = [
    "<b>",
    "</b>",
    "&",
    "&amp;",
    "&lt;",
    "<script>alert(1)</script>",
    "<i>unbalanced",
    "<b><i>x</b></i>",
    "a < b > c",
    "**bold** _it_ `code` [link](http://x)",
    "\u202eRTL override",
    "مرحبا بالعالم",
    "שלום",
    "\x00\x07\x1b[31m",
    "🙂" * 50,
    "👩🏽‍💼 ASN perempuan",
    "a" * 10_000,
    "\n\n\n",
    "   ",
    "ＡＢＣ",
    "ℌ𝔢𝔩𝔩𝔬",
    "\u200b",
    "' OR 1=1 --",
    "%s %d {0} {{ x }}",
]
TEXTS = st.one_of(st.sampled_from(NASTY), st.text(min_size=1, max_size=300), st.text(st.characters(codec="utf-8"), min_size=1, max_size=50))
STEPS = [("ob", "name", 120), ("rf", "went_well", 1000), ("lb", "text", 2000)]  # (flow, step, limit)


@dataclass
class FuzzBot:
    runner: asyncio.Runner
    app: EcoachApplication
    double: BotApiDouble
    user: FakeUser
    offset: int = 0

    def deliver_all(self) -> None:
        _, body = self.double.call(TOKEN, "getUpdates", {"offset": self.offset, "timeout": 0})
        for data in body["result"]:
            self.runner.run(self.app.process_update(Update.de_json(data, self.app.bot)))
            self.offset = data["update_id"] + 1

    def draft(self, flow: str) -> Draft:
        async def get() -> Draft:
            async with self.app.runtime.open_session() as session:
                return await session.scalar(select(Draft).where(Draft.flow == flow))

        return self.runner.run(get())

    def activate(self, flow: str, step: str) -> None:
        async def put() -> None:
            async with self.app.runtime.open_session() as session:
                await session.execute(update(Draft).where(Draft.telegram_id == self.user.id).values(paused=True))
                await session.execute(update(Draft).where(Draft.flow == flow).values(step=step, paused=False))
                await session.commit()

        self.runner.run(put())


@pytest.fixture
def fuzz_bot(settings: Settings, double: BotApiDouble) -> Iterator[FuzzBot]:
    runner = asyncio.Runner()
    app = build_application(settings, clock=FrozenClock(NOW), request=DoubleRequest(double))
    runner.run(app.initialize())
    runner.run(post_init(app))

    async def seed() -> None:
        async with app.runtime.open_session() as session:
            cohort = await factories.cohort(session, NOW)
            await factories.alumna(session, NOW, cohort, 8001, name="Sari")
            other = await factories.cohort(session, NOW, name="Angkatan Lain")
            await session.commit()
            other_code = other.alumni_code
        return other_code

    other_code = runner.run(seed())
    user = double.user(8001, "Sari")
    bot = FuzzBot(runner, app, double, user)
    for command in ("/refleksi", "/logbook"):  # open the reflection and the logbook drafts
        user.send(command)
        bot.deliver_all()
    user.press("Umum")
    bot.deliver_all()
    user.send(f"/start {other_code}")  # and an onboarding draft, through the join confirmation
    bot.deliver_all()
    user.press("Ya, bergabung")
    bot.deliver_all()
    user.press("Saya setuju")
    bot.deliver_all()
    yield bot
    runner.run(post_shutdown(app))
    runner.run(app.shutdown())
    runner.close()


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=TEXTS, which=st.sampled_from(STEPS))
def test_free_text_is_stored_verbatim_and_echoed_safely(fuzz_bot: FuzzBot, text: str, which: tuple[str, str, int]) -> None:
    flow, step, limit = which
    fuzz_bot.activate(flow, step)
    before = fuzz_bot.draft(flow).data.get(step)
    refusals = len(fuzz_bot.double.refusals)
    sent = len(fuzz_bot.user.messages())
    fuzz_bot.user.send(text)
    fuzz_bot.deliver_all()
    replies = fuzz_bot.user.messages()[sent:]
    assert replies, "every message gets an answer"
    assert fuzz_bot.double.refusals[refusals:] == []  # never "can't parse entities", never too long
    assert not any(r.text.startswith("Mohon maaf, ada kendala") for r in replies)  # no crash
    stored = fuzz_bot.draft(flow).data.get(step)
    if text.startswith("/"):
        assert stored == before  # a command is not an answer
    elif text.strip() and len(text.strip()) <= limit:
        assert stored == text.strip()
    else:
        assert stored == before  # refused with a message, nothing half-saved
        assert "karakter" in replies[-1].text or "kosong" in replies[-1].text


def test_forged_callback_data_is_refused_without_effect(fuzz_bot: FuzzBot) -> None:
    fuzz_bot.activate("ob", "level")
    anchor = fuzz_bot.user.messages()[-1]
    for data in (
        "f|ob|level|admin",
        "f|ob|level|" + "x" * 100,
        "lg|confirm_delete|999999",
        "f|pe|pick|1 OR 1=1",
        "cs|detail|1",
        "\x00",
        "rem|pause|99",
        "pv|delete_confirmed|x",
        "f|ob|level|a|b",
    ):
        fuzz_bot.user.press_data(data, anchor)
    fuzz_bot.deliver_all()
    assert fuzz_bot.double.refusals == [] or all("message is not modified" in d for _, d in fuzz_bot.double.refusals)
    assert fuzz_bot.draft("ob").data.get("level") is None
    assert fuzz_bot.draft("ob").step == "level"
