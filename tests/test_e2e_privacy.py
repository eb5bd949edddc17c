"""Portfolio, report and deletion end to end through the real process."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from db.engine import create_engine, session_factory
from db.enrolment import enrol_coach
from db.models import Cohort, Person
from devtools.double import BotApiDouble
from devtools.process import BotProcess
from tests.support.live import query, say, tap
from tests.support.seeds import REPORT_NOW, report_cohort

pytestmark = pytest.mark.slow  # the real process over HTTP: `pytest -m "not slow"` leaves it out


def seed(database_url: str, data_dir: Path) -> None:
    async def run() -> None:
        engine = create_engine(database_url)
        async with session_factory(engine)() as session:
            cohort = await report_cohort(session, data_dir)
            await enrol_coach(
                session=session,
                telegram_id=6199,
                cohort=await session.get(Cohort, cohort.id),
                name="Coach",
                locale="id",
                timezone="Asia/Jakarta",
                now=REPORT_NOW,
            )
            await session.commit()
        await engine.dispose()

    asyncio.run(run())


def test_portfolio_report_and_deletion_over_http(live_bot: BotProcess, double: BotApiDouble, database_url: str, tmp_path: Path) -> None:
    seed(database_url, tmp_path / "data")
    alumna, coach = double.user(6100, "A"), double.user(6199, "Coach")
    say(alumna, "/portfolio")
    tap(alumna, "Sertakan refleksi pribadi")  # her reflections there are private: included only on her word
    pdf = alumna.next_message(timeout=30)
    content = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.file.data)).pages)
    for expected in ("PAP A", "Tahap 1", "Sosialisasi layanan di kelurahan", "Refleksi minggu 20"):
        assert expected in content
    report = say(coach, "/laporan")
    summary = {row[0].value: row[1].value for row in load_workbook(io.BytesIO(report.file.data))["Ringkasan"].iter_rows()}
    assert summary["Jumlah alumni"] == 4 and summary["PAP terlaksana (selesai atau ≥75%)"] == 0.75
    say(alumna, "/deletedata")
    assert "telah dihapus" in tap(alumna, "Ya, hapus").text
    assert query(database_url, select(func.count()).select_from(Person).where(Person.telegram_id == 6100)) == [(0,)]
    assert not [p for p in (tmp_path / "data").rglob("*") if p.is_file() and "evidence" in p.parts]
