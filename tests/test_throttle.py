"""Throttling: one person's flood is refused before it costs the bot anything, and others are answered."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.kernel.clock import SystemClock
from bot.kernel.throttle import Admission, Throttle
from devtools.double import BotApiDouble, DoubleServer
from devtools.process import BotProcess
from tests.support import factories
from tests.support.live import bot_env, run, say


def test_a_burst_then_one_warning_then_silence_until_half_refilled() -> None:
    throttle = Throttle(per_minute=20, burst=10)
    answers = [throttle.admit(1, now=0.0) for _ in range(15)]
    assert answers == [Admission.ADMIT] * 10 + [Admission.WARN] + [Admission.DROP] * 4
    assert throttle.admit(2, now=0.0) is Admission.ADMIT  # someone else is not touched
    assert throttle.admit(1, now=14.0) is Admission.DROP  # 4.7 tokens back: still muted
    assert throttle.admit(1, now=15.1) is Admission.ADMIT  # half the burst back: she may go on
    assert Throttle(per_minute=0, burst=0).admit(1, now=0.0) is Admission.ADMIT  # off


@pytest.fixture
def throttled_bot(api_server: DoubleServer, database_url: str, tmp_path: Path) -> Iterator[BotProcess]:
    env = bot_env(database_url, tmp_path, ECOACH_UPDATES_PER_MINUTE="20", ECOACH_UPDATE_BURST="10")
    process = BotProcess(api_server.double, api_server.url, env, tmp_path / "bot.log").start()
    try:
        yield process
    finally:
        process.stop()


@pytest.mark.slow
def test_a_flood_gets_at_most_eleven_replies_and_others_are_answered(
    throttled_bot: BotProcess, double: BotApiDouble, database_url: str
) -> None:
    async def seed(session: AsyncSession) -> None:
        now = SystemClock().now()
        await factories.alumna(session, now, await factories.cohort(session, now), 6601, name="Sari")

    run(database_url, seed)
    sari, tamu, stranger = double.user(6601, "Sari"), double.user(6602, "Tamu"), double.user(6603, "Orang Asing")
    waits = []
    for number in range(200):  # 200 messages in 10 seconds
        sari.send(f"pesan {number}")
        if number in (50, 150):
            started = time.monotonic()
            tamu.skip_read()
            assert "Selamat datang" in say(tamu, "/start").text
            waits.append(time.monotonic() - started)
        time.sleep(0.05)
    time.sleep(2)
    replies = sari.messages()
    assert len(replies) <= 11, len(replies)
    assert [m.text for m in replies].count(replies[-1].text) == 1 and "terlalu cepat" in replies[-1].text
    assert max(waits) < 2, waits

    for number in range(8):  # someone the bot does not know: three replies a minute
        stranger.send(f"halo {number}")
    time.sleep(2)
    assert len(stranger.messages()) == 3
