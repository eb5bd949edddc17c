"""Coach commands end to end in a group chat (negative id, /cmd@botname), with the real process."""

from __future__ import annotations

import asyncio

import pytest

from bot.kernel.callbacks import CoachOnAlumna
from db.engine import create_engine, session_factory
from devtools.double import BotApiDouble, Sent
from devtools.process import BotProcess
from tests.support.seeds import GROUP, coaching_cohort

pytestmark = pytest.mark.slow  # the real process over HTTP: `pytest -m "not slow"` leaves it out


@pytest.fixture
def ids(live_bot: BotProcess, database_url: str) -> dict[str, int]:
    async def run() -> dict[str, int]:
        engine = create_engine(database_url)
        async with session_factory(engine)() as session:
            made = await coaching_cohort(session)
            await session.commit()
        await engine.dispose()
        return made

    made = asyncio.run(run())
    live_bot.stop()
    live_bot.start(fake_time="2026-04-01 03:00:00")  # the seeded cohort's "today"
    return made


def in_group(double: BotApiDouble, user_id: int, text: str) -> Sent:
    group = double.group(GROUP, "Coaching Angkatan I")
    before = len(double.sent(GROUP))
    double.user(user_id, f"user {user_id}").send(text, chat=group, mention=True)
    return double.wait_sent(GROUP, before, 15)


def test_coaching_group_end_to_end(ids: dict[str, int], double: BotApiDouble) -> None:
    assert "hanya dapat dihubungkan" in in_group(double, 7000, f"/hubungkan {ids['cohort_code']}").text  # a non-coach
    assert "hanya dapat dihubungkan" in in_group(double, 7200, f"/hubungkan {ids['cohort_code']}").text  # another cohort's coach
    assert "terhubung ke Angkatan I 2026" in in_group(double, 7100, f"/hubungkan {ids['cohort_code']}").text
    assert "hanya untuk coach" in in_group(double, 7200, "/mandek").text

    listing = in_group(double, 7100, "/mandek")
    names = [line.split(" · ")[0] for line in listing.text.splitlines() if line[:2] in ("1.", "2.", "3.", "4.")]
    assert names == ["1. Budi", "2. Dewi"]  # Citra is late, and active: not stalled
    assert "hari tanpa aktivitas" in listing.text and "2 check-in terakhir tidak dijawab" in listing.text
    assert "Rapat rahasia" not in listing.text and "Konflik pribadi" not in listing.text

    photo = in_group(double, 7100, "/ringkasan")
    assert photo.method == "sendPhoto" and photo.file is not None and photo.file.data.startswith(b"\x89PNG")
    assert "⏳ 1 terlambat · 🧱 2 mandek" in photo.text

    coach = double.user(7100, "Rina")
    coach.press_data(CoachOnAlumna("detail", ids["Citra"]).encode(), listing)
    detail = coach.next_message()
    assert "👤 Citra" in detail.text and detail.chat_id == 7100

    budi = double.user(7001, "Budi")  # she has a private chat with the bot since she enrolled
    assert "Diingatkan: Budi" in in_group(double, 7100, "/ingatkan Budi").text
    assert "Coach Ibu, Coach Rina, menanyakan kabar PAP Ibu" in budi.next_message().text
    second = in_group(double, 7100, "/ingatkan Budi")
    assert "Dilewati" in second.text and "Diingatkan" not in second.text
    assert len(double.sent(7001)) == 1
