"""The logbook end to end: evidence downloaded over HTTP to disk, big files, feedback, SIGKILL."""

from __future__ import annotations

import asyncio
import stat
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.kernel.clock import SystemClock
from db.engine import create_engine, session_factory
from db.enrolment import enrol_coach
from db.models import Evidence, EvidenceKind, Feedback, LogEntry
from devtools.double import BotApiDouble, FakeUser
from devtools.process import BotProcess
from tests.support import factories
from tests.support.live import query, say, tap

pytestmark = pytest.mark.slow  # the real process over HTTP: `pytest -m "not slow"` leaves it out

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40


def seed(database_url: str, double: BotApiDouble) -> tuple[FakeUser, FakeUser]:
    async def run() -> None:
        engine = create_engine(database_url)
        async with session_factory(engine)() as session:
            now = SystemClock().now()
            cohort = await factories.cohort(session, now)
            await factories.alumna(session, now, cohort, 9501, name="Sari")
            await enrol_coach(
                session=session, telegram_id=9601, cohort=cohort, name="Coach Budi", locale="id", timezone="Asia/Jakarta", now=now
            )
            await session.commit()
        await engine.dispose()

    asyncio.run(run())
    return double.user(9501, "Sari"), double.user(9601, "Budi")


def open_entry(sari: FakeUser) -> None:
    say(sari, "/logbook")
    tap(sari, "Tahap 1")
    say(sari, "Sosialisasi layanan ke 3 kelurahan")
    tap(sari, "75%")
    say(sari, "Jadwal kelurahan padat")
    assert "Bukti implementasi" in tap(sari, "Lewati").text


def test_entry_with_two_photos_a_pdf_and_a_link_lands_on_disk(
    live_bot: BotProcess, double: BotApiDouble, database_url: str, tmp_path: Path
) -> None:
    sari, budi = seed(database_url, double)
    open_entry(sari)
    photos = [b"\xff\xd8\xff\xe0 first photo bytes", b"\xff\xd8\xff\xe0 second photo bytes"]
    for photo in photos:
        sari.send_photo(photo)
        assert "Foto diterima" in sari.next_message().text
    sari.send_document(PDF, "undangan.pdf", "application/pdf")
    assert "undangan.pdf diterima" in sari.next_message().text
    assert "Tautan diterima" in say(sari, "https://jdih.example.go.id/perwal-12").text
    assert "4 bukti" in tap(sari, "Selesai").text

    rows = query(database_url, select(Evidence.kind, Evidence.local_path, Evidence.size, Evidence.url).order_by(Evidence.id))
    assert [row[0] for row in rows] == [EvidenceKind.PHOTO, EvidenceKind.PHOTO, EvidenceKind.DOCUMENT, EvidenceKind.LINK]
    data_dir = tmp_path / "data"
    assert [(data_dir / row[1]).read_bytes() for row in rows[:3]] == [*photos, PDF]
    assert rows[2][2] == len(PDF) and rows[3][3] == "https://jdih.example.go.id/perwal-12"
    assert "Sosialisasi layanan" in budi.next_message().text
    assert_private(data_dir)

    (data_dir / "evidence").chmod(0o755)  # as an older version left them
    (data_dir / "left-readable.txt").write_text("x")
    (data_dir / "left-readable.txt").chmod(0o644)
    live_bot.stop()
    live_bot.start()
    assert_private(data_dir)


def assert_private(data_dir: Path) -> None:
    """Every folder under the data dir 0700 and every file 0600: for the bot's own user only."""
    modes = {path: stat.S_IMODE(path.stat().st_mode) for path in [data_dir, *data_dir.rglob("*")]}
    assert len(modes) >= 5
    assert {str(p): m for p, m in modes.items() if m != (0o700 if p.is_dir() else 0o600)} == {}


def test_big_document_by_reference_and_voice_refused(live_bot: BotProcess, double: BotApiDouble, database_url: str, tmp_path: Path) -> None:
    sari, _ = seed(database_url, double)
    open_entry(sari)
    sari.send_document(
        b"\x50\x4b" + b"\0" * (25 * 1024 * 1024),
        "paparan.pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    )
    assert "referensi saja, tidak diunduh" in sari.next_message(timeout=30).text
    sari.send_voice()
    assert "tidak bisa dijadikan bukti" in sari.next_message().text
    tap(sari, "Selesai")
    [(path, size, name)] = query(database_url, select(Evidence.local_path, Evidence.size, Evidence.name))
    assert (path, size, name) == (None, 25 * 1024 * 1024 + 2, "paparan.pptx")
    assert not list((tmp_path / "data").rglob("*.pptx"))


def test_coach_feedback_from_button_to_the_alumnas_chat(live_bot: BotProcess, double: BotApiDouble, database_url: str) -> None:
    sari, budi = seed(database_url, double)
    open_entry(sari)
    tap(sari, "Selesai")
    notice = budi.next_message()
    budi.press("Beri umpan balik", notice)
    assert "Tuliskan umpan balik" in budi.next_message().text
    assert "terkirim" in say(budi, "Luar biasa. Ajak lurah jadi narasumber.").text
    delivered = sari.next_message()
    assert "Umpan balik dari Coach Budi" in delivered.text and "Ajak lurah jadi narasumber." in delivered.text
    assert query(database_url, select(Feedback.text)) == [("Luar biasa. Ajak lurah jadi narasumber.",)]


def test_sigkill_after_one_photo_keeps_it_attached(live_bot: BotProcess, double: BotApiDouble, database_url: str, tmp_path: Path) -> None:
    sari, _ = seed(database_url, double)
    open_entry(sari)
    sari.send_photo(b"\xff\xd8\xff\xe0 the only photo")
    assert "Foto diterima" in sari.next_message().text
    live_bot.kill()
    live_bot.start()
    assert "1 bukti" in tap(sari, "Selesai").text
    [(path,)] = query(database_url, select(Evidence.local_path))
    assert (tmp_path / "data" / path).read_bytes() == b"\xff\xd8\xff\xe0 the only photo"
    assert len(query(database_url, select(LogEntry.id))) == 1
