"""E-portfolio, the organizers' report, and her data rights, in-process."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import inspect, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from db.broadcasts import create_broadcast
from db.logbook import EvidenceItem, create_entry
from db.models import (
    BroadcastKind,
    CareerEvent,
    CareerEventKind,
    CheckIn,
    CheckInStatus,
    Cohort,
    CompetencyDomain,
    EvidenceKind,
    MilestoneStatus,
    Pap,
    Person,
    QuizAnswer,
    QuizPoll,
    RaterLink,
    RaterResponse,
    RaterRole,
)
from db.reflections import ReflectionAnswers, save_reflection
from db.report import cohort_report
from handlers.checkins import sweep_checkins
from handlers.community import sweep_broadcasts
from handlers.report import to_xlsx
from tests import factories
from tests.conftest import InProcessBot
from tests.test_onboarding import say, tap

NOW = datetime(2026, 8, 1, 3, 0, tzinfo=UTC)


async def seed(bot: InProcessBot) -> Cohort:
    bot.clock.set(NOW)
    async with bot.app.runtime.open_session() as session:
        cohort = await seed_data(session, bot.app.runtime.settings.data_dir)
    for n in range(4):
        bot.double.user(6100 + n, "ABCD"[n])
    return cohort


async def seed_data(session: AsyncSession, data_dir: Path) -> Cohort:
    """Four alumnae whose indicators are known (see test_report_indicators), and A's evidence photo."""
    cohort = await factories.cohort(session, NOW, training_end=date(2026, 1, 1), months=6)
    people = {
        name: await factories.alumna(session, datetime(2026, 1, 2, tzinfo=UTC), cohort, 6100 + n, name=name)
        for n, name in enumerate("ABCD")
    }

    def checkin(
        person: Person,
        sequence: int,
        status: CheckInStatus,
        implementation: int | None = None,
        forums: list[str] | None = None,
        answered: datetime | None = None,
    ) -> None:
        session.add(
            CheckIn(
                person_id=person.id,
                cohort_id=cohort.id,
                sequence=sequence,
                kind="regular",
                month=sequence,
                due_at=NOW - timedelta(days=90 - sequence),
                status=status,
                implementation=implementation,
                forums=forums,
                answered_at=answered,
                pap_status="on_track" if implementation else None,
            )
        )

    a, b, c, d = people["A"], people["B"], people["C"], people["D"]
    checkin(a, 1, CheckInStatus.ANSWERED, 80, ["cop"], datetime(2026, 6, 1, tzinfo=UTC))
    checkin(b, 1, CheckInStatus.ANSWERED, 50, [], datetime(2026, 4, 1, tzinfo=UTC))
    checkin(b, 2, CheckInStatus.MISSED)
    checkin(c, 1, CheckInStatus.MISSED)
    checkin(d, 1, CheckInStatus.ANSWERED, 75, [], datetime(2026, 7, 20, tzinfo=UTC))
    checkin(d, 2, CheckInStatus.SENT)
    session.add(CareerEvent(person_id=a.id, kind=CareerEventKind.PROMOTED, event_date=date(2026, 5, 1), created_at=NOW))
    session.add(CareerEvent(person_id=b.id, kind=CareerEventKind.STRATEGIC_ASSIGNMENT, event_date=date(2025, 12, 1), created_at=NOW))
    pap_c = await session.scalar(select(Pap).where(Pap.person_id == c.id))
    await session.refresh(pap_c, ["milestones"])
    for milestone in pap_c.milestones:
        milestone.status, milestone.progress = MilestoneStatus.DONE, 100
    pap_a = await session.scalar(select(Pap).where(Pap.person_id == a.id))
    await session.refresh(pap_a, ["milestones"])
    evidence = EvidenceItem(EvidenceKind.PHOTO, "f1", "u1", None, "image/jpeg", 10, local_path=f"evidence/{a.id}/u1.jpg")
    await create_entry(
        session=session,
        pap=pap_a,
        milestone_id=pap_a.milestones[0].id,
        text="Sosialisasi layanan di kelurahan",
        progress=60,
        milestone_done=False,
        obstacles=None,
        support=None,
        evidence=[evidence],
        now=datetime(2026, 7, 25, tzinfo=UTC),
    )
    for week, confidence in ((20, 3), (21, 4)):
        await save_reflection(
            session=session,
            person=a,
            week_year=2026,
            week=week,
            now=NOW,
            answers=ReflectionAnswers(f"Refleksi minggu {week}", None, None, CompetencyDomain.SOFT_SKILLS, confidence, None, False),
        )
    session.add(QuizPoll(poll_id="p1", person_id=a.id, tip_slug="x", correct_option=1, sent_at=NOW))
    await session.flush()
    session.add(QuizAnswer(poll_id="p1", person_id=a.id, option=1, correct=True, answered_at=NOW))
    link = RaterLink(person_id=a.id, role=RaterRole.PEER, code="r_test", created_at=NOW, expires_at=NOW + timedelta(days=30))
    session.add(link)
    await session.flush()
    for rater, overall in ((1, 4), (2, 5), (3, 3)):
        session.add(
            RaterResponse(
                link_id=link.id,
                rater_telegram_id=7700 + rater,
                communication=4,
                collaboration=4,
                initiative=5,
                service_effect=3,
                overall=overall,
                created_at=NOW,
            )
        )
    await session.commit()
    photo = data_dir / f"evidence/{a.id}/u1.jpg"
    photo.parent.mkdir(parents=True, exist_ok=True)
    from PIL import Image

    Image.new("RGB", (40, 30), (142, 59, 138)).save(photo, "JPEG")
    return cohort


async def test_report_indicators(bot: InProcessBot) -> None:
    cohort = await seed(bot)
    async with bot.app.runtime.open_session() as session:
        cohort = await session.get(Cohort, cohort.id)
        indicators, rows = await cohort_report(session=session, cohort=cohort, now=NOW)
    assert (indicators.alumnae, indicators.promoted_or_assigned, indicators.pap_implementation) == (4, 0.25, 0.75)
    assert (indicators.checkin_response, indicators.forum_participation, indicators.cop_engagement, indicators.active_30_days) == (
        0.5,
        0.25,
        0.25,
        0.5,
    )
    assert indicators.perception == {"communication": 4.0, "collaboration": 4.0, "initiative": 5.0, "service_effect": 3.0, "overall": 4.0}
    book = load_workbook(io.BytesIO(to_xlsx(bot.app.runtime.texts, "id", cohort, indicators, rows)))
    summary = book["Ringkasan"]
    values = {row[0].value: row[1].value for row in summary.iter_rows(min_row=2) if row[0].value}
    assert values["Jumlah alumni"] == 4
    assert values["Promosi atau penugasan strategis dalam 6–12 bulan"] == 0.25
    assert values["PAP terlaksana (selesai atau ≥75%)"] == 0.75
    assert values["Tingkat respons check-in"] == 0.5
    assert values["Aktif dalam 30 hari terakhir"] == 0.5
    assert values["Kepuasan keseluruhan"] == 4.0
    assert [row[2].value for row in summary.iter_rows(min_row=5, max_row=5)] == ["25–30%"]
    assert len(summary._charts) == 1
    alumnae = list(book["Alumni"].iter_rows(values_only=True))
    assert alumnae[0][0] == "Nama" and [r[0] for r in alumnae[1:]] == ["A", "B", "C", "D"]


async def test_report_command_sends_xlsx_to_a_coach(bot: InProcessBot) -> None:
    cohort = await seed(bot)
    from db.enrolment import enrol_coach

    async with bot.app.runtime.open_session() as session:
        await enrol_coach(
            session=session,
            telegram_id=6199,
            cohort=await session.get(Cohort, cohort.id),
            name="Coach",
            locale="id",
            timezone="Asia/Jakarta",
            now=NOW,
        )
        await session.commit()
    coach = bot.double.user(6199, "Coach")
    document = await say(bot, coach, "/laporan")
    assert document.method == "sendDocument" and document.file is not None
    assert load_workbook(io.BytesIO(document.file.data))["Ringkasan"]["B2"].value == 4
    stranger = bot.double.user(6198, "Tamu")
    assert "hanya untuk coach" in (await say(bot, stranger, "/report")).text


async def test_portfolio_pdf_contains_her_work(bot: InProcessBot) -> None:
    await seed(bot)
    alumna = bot.double.user(6100, "A")
    assert "Menyiapkan" in (await say(bot, alumna, "/portofolio")).text
    pdf = alumna.next_message()
    assert pdf.method == "sendDocument" and pdf.file is not None and pdf.file.name == "e-portofolio.pdf"
    reader = PdfReader(io.BytesIO(pdf.file.data))
    content = "\n".join(page.extract_text() for page in reader.pages)
    for expected in ("PAP A", "Tahap 1", "Sosialisasi layanan di kelurahan", "Refleksi minggu 21", "Promosi ke jabatan lebih tinggi"):
        assert expected in content
    assert any(page.images for page in reader.pages)  # the evidence photo and the confidence chart


async def test_my_data_zip_holds_json_and_evidence(bot: InProcessBot) -> None:
    await seed(bot)
    alumna = bot.double.user(6100, "A")
    document = await say(bot, alumna, "/data_saya")
    archive = zipfile.ZipFile(io.BytesIO(document.file.data))
    data = json.loads(archive.read("data.json"))
    assert data["person"]["telegram_id"] == 6100 and data["logbook"][0]["text"] == "Sosialisasi layanan di kelurahan"
    assert [r["went_well"] for r in data["reflections"]] == ["Refleksi minggu 20", "Refleksi minggu 21"]
    assert any(name.endswith("u1.jpg") for name in archive.namelist())


async def test_deletion_leaves_no_row_with_her_id_and_no_file(bot: InProcessBot) -> None:
    cohort = await seed(bot)
    alumna = bot.double.user(6100, "A")
    confirm = await say(bot, alumna, "/hapus_data")
    assert "1 entri logbook dengan 1 bukti, 2 refleksi" in confirm.text
    reply = await tap(bot, alumna, "Ya, hapus")
    assert "telah dihapus" in reply.text
    data_dir = bot.app.runtime.settings.data_dir
    assert not any(path.is_file() for path in (data_dir / "evidence").rglob("*"))
    async with bot.app.runtime.open_session() as session:
        connection = await session.connection()
        tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
        for table in tables:
            columns = await connection.run_sync(lambda sync, t=table: [c["name"] for c in inspect(sync).get_columns(t)])
            for column in columns:
                hits = await session.scalar(text(f'SELECT COUNT(*) FROM "{table}" WHERE CAST("{column}" AS TEXT) = :id'), {"id": "6100"})
                assert hits == 0, f"{table}.{column} still holds her Telegram id"
        indicators, _ = await cohort_report(session=session, cohort=await session.get(Cohort, cohort.id), now=NOW)
    assert (indicators.alumnae, indicators.promoted_or_assigned) == (4, 0.25)  # kept as anonymous counts


async def test_after_withdrawing_consent_nothing_reaches_her(bot: InProcessBot) -> None:
    await seed(bot)
    alumna = bot.double.user(6100, "A")
    await say(bot, alumna, "/privasi")
    reply = await tap(bot, alumna, "Tarik persetujuan")
    assert "Persetujuan ditarik" in reply.text
    async with bot.app.runtime.open_session() as session:
        person = await session.scalar(select(Person).where(Person.telegram_id == 6100))
        session.add(
            CheckIn(
                person_id=person.id,
                cohort_id=(await session.scalar(select(Cohort.id))),
                sequence=9,
                kind="regular",
                month=7,
                due_at=NOW,
                status=CheckInStatus.PLANNED,
            )
        )
        await create_broadcast(session=session, kind=BroadcastKind.GENERAL, cohort_id=None, title="Info", body="Isi", now=NOW)
        await session.commit()
    before = len(alumna.messages())
    await sweep_checkins(bot.app.runtime, bot.app.bot)
    await sweep_broadcasts(bot.app.runtime, bot.app.bot)
    assert len(alumna.messages()) == before
    assert any("Isi" in m.text for m in bot.double.user(6101, "B").messages())  # others still get it


async def test_report_from_the_command_line(bot: InProcessBot, database_url: str, tmp_path: Path) -> None:
    import asyncio
    import csv
    import os
    import sys
    from pathlib import Path

    cohort = await seed(bot)
    ecoach = str(Path(sys.executable).parent / "ecoach")
    env = {**os.environ, "DATABASE_URL": database_url}

    async def run(*args: str) -> asyncio.subprocess.Process:
        process = await asyncio.create_subprocess_exec(
            ecoach, "report", "--cohort", cohort.alumni_code, *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        await process.wait()
        return process

    json_run = await run("--format", "json")
    data = json.loads(await json_run.stdout.read())
    assert data["indicators"]["pap_implementation"] == 0.75 and len(data["alumnae"]) == 4
    csv_run = await run("--format", "csv")
    rows = list(csv.DictReader(io.StringIO((await csv_run.stdout.read()).decode("utf-8-sig"))))
    assert [r["name"] for r in rows] == ["A", "B", "C", "D"] and rows[0]["stalled"] in ("True", "False")
    out = tmp_path / "laporan.xlsx"
    assert (await run("--format", "xlsx", "--out", str(out))).returncode == 0
    assert load_workbook(out)["Ringkasan"]["B2"].value == 4
    assert (await run("--format", "xlsx")).returncode == 2  # binary needs --out
