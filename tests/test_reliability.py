"""Reliability: admin error notices, a database outage, SIGKILL at every step, double taps, 50 at once."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from telegram import Update

from bot.kernel.context import EcoachContext
from db.models import ConsentRefusal, Draft, Person
from devtools.double import BotApiDouble, DoubleServer
from devtools.process import BotProcess
from tests.support.bots import PG_URL, TOKEN, InProcessBot, database_outage
from tests.support.live import new_cohort_code, query, say, tap


async def test_errors_reach_admins_once_a_minute_without_token_or_private_text(bot: InProcessBot) -> None:
    from telegram.ext import MessageHandler, filters

    async def broken(update: Update, context: EcoachContext) -> None:
        raise RuntimeError(f"failed near {update.message.text} with {TOKEN}")

    bot.app.add_handler(MessageHandler(filters.Regex("rahasia"), broken), group=-1)
    admin = bot.double.user(900001, "Panitia")
    sari = bot.double.user(3301, "Sari")
    sari.send("ini sangat rahasia: gaji saya")
    await bot.run_pending()
    assert sari.next_message().text.startswith("Mohon maaf")
    [notice] = admin.messages()
    assert "RuntimeError" in notice.text and "rahasia" not in notice.text and TOKEN not in notice.text
    sari.send("rahasia lagi")
    await bot.run_pending()
    assert len(admin.messages()) == 1  # within the minute: no second notice
    bot.clock.advance(timedelta(minutes=1))
    sari.send("rahasia ketiga")
    await bot.run_pending()
    assert len(admin.messages()) == 2


@pytest.mark.slow
@pytest.mark.skipif(not PG_URL, reason="a database outage is played on PostgreSQL (runs in CI's PostgreSQL pass)")
def test_a_ten_second_database_outage(database_url: str, double: BotApiDouble, api_server: DoubleServer, tmp_path: Path) -> None:
    database = make_url(database_url).database
    env = {
        "DATABASE_URL": database_url,
        "ECOACH_DATA_DIR": str(tmp_path / "data"),
        "ECOACH_SWEEP_SECONDS": "1",
        "ECOACH_WEEKLY_TIPS": "false",
    }
    process = BotProcess(double, api_server.url, env, tmp_path / "bot.log").start()
    try:
        code = new_cohort_code(database_url, "Angkatan Outage")
        sari = double.user(3401, "Sari")
        assert "UU 27/2022" in say(sari, f"/start {code}").text
        tap(sari, "Saya setuju")  # committed before the outage
        asyncio.run(database_outage(database, down=True))
        started = time.monotonic()
        reply = say(sari, "Sari Wulandari")
        assert "coba lagi dalam beberapa saat" in reply.text
        assert process.process is not None and process.process.poll() is None  # still running
        time.sleep(max(0.0, 10 - (time.monotonic() - started)))
        asyncio.run(database_outage(database, down=False))
        deadline = time.monotonic() + 30
        while True:  # the first try after the outage may still meet a dead pooled connection
            reply = say(sari, "Sari Wulandari")
            if "nama panggilan" in reply.text or time.monotonic() > deadline:
                break
            time.sleep(1)
        assert "nama panggilan" in reply.text  # recovered by itself, at the step she was at
        [(data,)] = query(database_url, select(Draft.data))
        assert data["name"] == "Sari Wulandari"
        assert query(database_url, select(func.count()).select_from(Person).where(Person.consent_at.is_not(None))) == [(1,)]
    finally:
        asyncio.run(database_outage(database, down=False))
        process.stop()


@pytest.mark.slow
def test_double_tap_on_a_button_takes_effect_once(live_bot: BotProcess, double: BotApiDouble, database_url: str) -> None:
    code = new_cohort_code(database_url, "Angkatan Tap")
    rina = double.user(3501, "Rina")
    consent = say(rina, f"/start {code}")
    rina.press("Tidak setuju", consent)
    rina.press("Tidak setuju", consent)  # the second tap arrives before the first answer
    assert "Tidak ada data Ibu" in rina.next_message().text
    time.sleep(1)
    assert query(database_url, select(func.count()).select_from(ConsentRefusal)) == [(1,)]
    assert [m.text for m in rina.messages() if "Tidak ada data Ibu" in m.text].__len__() == 1


@pytest.mark.slow
def test_fifty_alumnae_writing_at_once(live_bot: BotProcess, double: BotApiDouble, database_url: str) -> None:
    code = new_cohort_code(database_url, "Angkatan Ramai")
    people = [double.user(3600 + n, f"Alumna {n}") for n in range(50)]
    for person in people:
        person.send(f"/start {code}")
    for person in people:
        person.press("Saya setuju", person.next_message(timeout=30))
    for person in people:
        person.next_message(timeout=30)  # the name question
        person.send(f"Nama lengkap {person.id}")
    for person in people:
        assert "nama panggilan" in person.next_message(timeout=30).text
    names = {name for (name,) in query(database_url, select(Draft.data)) for name in [name["name"]]}
    assert names == {f"Nama lengkap {p.id}" for p in people}
    assert query(database_url, select(func.count()).select_from(Person)) == [(50,)]
