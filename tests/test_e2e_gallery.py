"""The alumni network end to end over HTTP: a finished PAP published with two evidence photos, found by a
word of its problem in another cohort, and a replication request its author accepts; activity in the
community group counted for the alumna who agreed, with nothing of what she wrote in the database."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text

from db.engine import create_engine, session_factory
from db.models import Evidence, EvidenceKind, ForumDay, LogEntry, MilestoneStatus, Pap, Replication, ReplicationStatus
from devtools.double import BotApiDouble, FakeUser
from devtools.process import BotProcess
from tests.support import factories
from tests.support.live import query, say, tap, wait_until

pytestmark = pytest.mark.slow  # the real process over HTTP: `pytest -m "not slow"` leaves it out

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
RATNA, WULAN, COMMUNITY = 9601, 9602, -100960


def seed(database_url: str, double: BotApiDouble) -> tuple[FakeUser, FakeUser]:
    photos = [double.upload(bytes([n]) * 64, "photo") for n in range(2)]

    async def run() -> None:
        engine = create_engine(database_url)
        async with session_factory(engine)() as session:
            first = await factories.cohort(session, NOW)
            later = await factories.cohort(session, NOW, name="Angkatan II 2026")
            ratna = await factories.alumna(session, NOW, first, RATNA, name="Ratna", reminders=False)
            await factories.alumna(session, NOW, later, WULAN, name="Wulan", reminders=False)
            pap = await session.scalar(select(Pap).where(Pap.person_id == ratna.id))
            assert pap is not None
            await session.refresh(pap, ["milestones"])
            pap.title, pap.problem = "Arsip Surat Digital", "Surat masuk masih dicatat manual; kami mendigitalkan arsip disposisi."
            for milestone in pap.milestones:
                milestone.status, milestone.progress, milestone.done_at = MilestoneStatus.DONE, 100, NOW
            entry = LogEntry(person_id=ratna.id, pap_id=pap.id, text="Pemindaian selesai", created_at=NOW, updated_at=NOW)
            entry.evidence = [
                Evidence(kind=EvidenceKind.PHOTO, file_id=p.file_id, file_unique_id=p.file_unique_id, created_at=NOW) for p in photos
            ]
            session.add(entry)
            await session.commit()
        await engine.dispose()

    asyncio.run(run())
    return double.user(RATNA, "Ratna"), double.user(WULAN, "Wulan")


def test_publish_find_replicate_and_count_activity_over_http(live_bot: BotProcess, double: BotApiDouble, database_url: str) -> None:
    live_bot.stop()
    ratna, wulan = seed(database_url, double)
    live_bot.start(fake_time="2026-12-01 02:00:00")
    say(ratna, "/galeri")
    tap(ratna, "Terbitkan PAP saya")
    tap(ratna, "Digitalisasi proses internal")
    picking = say(ratna, "Nol surat hilang sejak September")
    tap(ratna, picking.button_texts[0])
    tap(ratna, picking.button_texts[1])
    assert "📎 2 bukti terlampir" in tap(ratna, "Selesai").text
    assert "kini ada di Galeri PAP" in tap(ratna, "Terbitkan").text

    assert "1. Arsip Surat Digital" in say(wulan, "/galeri arsip").text
    wulan.press("1. Arsip Surat Digital")
    wait_until(lambda: any("🤝 Saya ingin mereplikasi" in m.button_texts for m in wulan.messages()))
    assert [m.method for m in wulan.messages()[-3:-1]] == ["sendMediaGroup", "sendMediaGroup"]
    wulan.skip_read()
    assert "sudah disampaikan" in tap(wulan, "Saya ingin mereplikasi").text
    assert "ingin mereplikasi PAP Ibu" in ratna.next_message(timeout=20).text
    assert "terhubung dengan Wulan" in tap(ratna, "Ya, bersedia dihubungi").text
    assert "terhubung dengan Ratna" in wulan.next_message(timeout=20).text
    assert query(database_url, select(Replication.status, Replication.cross_cohort)) == [(ReplicationStatus.AGREED, True)]

    # Her PAP has not begun: the replication becomes her draft, pre-filled, and survives a kill -9.
    draft = tap(wulan, "Jadikan PAP saya")
    assert "Terisi dari Arsip Surat Digital karya Ratna" in draft.text and "kami mendigitalkan arsip disposisi" in draft.text
    live_bot.kill()
    live_bot.start(fake_time="2026-12-01 02:10:00")
    assert "replikasi dari Arsip Surat Digital" in tap(wulan, "Simpan sebagai PAP saya").text
    [(linked,)] = query(database_url, select(Replication.pap_id))
    assert query(database_url, select(Pap.title).where(Pap.id == linked)) == [("Arsip Surat Digital",)]
    report = subprocess.run(
        [str(Path(sys.executable).parent / "ecoach"), "report", "--cohort", "Angkatan II 2026", "--format", "json"],
        env={**os.environ, "DATABASE_URL": database_url}, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    network = json.loads(report.stdout)["indicators"]["network"]
    assert (network["replications"], network["replications_started"]) == (1, 1)

    organizer = double.user(900001, "Penyelenggara")
    community = double.group(COMMUNITY, "Komunitas Alumni")
    organizer.send("/hubungkan_cop", chat=community)
    wait_until(lambda: bool(double.sent(COMMUNITY)))
    say(ratna, "/privasi")
    tap(ratna, "Hitung keaktifan saya")
    ratna.send("RAHASIA-GRUP selamat pagi", chat=community)
    wulan.send("RAHASIA-GRUP juga", chat=community)  # she did not agree: not counted
    wait_until(lambda: len(query(database_url, select(ForumDay.posts))) == 1)
    assert query(database_url, select(ForumDay.posts, ForumDay.replies)) == [(1, 0)]

    async def stored_anywhere() -> bool:
        engine = create_engine(database_url)
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: sync.dialect.get_table_names(sync))
            found = False
            for table in tables:
                rows = (await connection.execute(text(f'SELECT * FROM "{table}"'))).all()
                found = found or any("RAHASIA-GRUP" in repr(row) for row in rows)
        await engine.dispose()
        return found

    assert not asyncio.run(stored_anywhere())
