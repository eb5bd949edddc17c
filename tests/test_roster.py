"""The class list: every row checked before anything is stored, and each personal link used once, by
one person, into an open cohort, with what the list knows about her filled in."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from db.cohorts import CohortError, create_cohort, set_closed
from db.models import Person, RosterEntry
from db.roster import Participant, import_roster
from tests.support.bots import InProcessBot
from tests.support.inprocess import make_cohort, say, tap
from web.roster import RosterUnreadable, check_roster, read_table


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_each_bad_row_says_what_is_wrong_and_good_rows_pass() -> None:
    table = read_table(
        "kelas.xlsx",
        xlsx(
            [
                ["NAMA LENGKAP", "N.I.P.", "Instansi", "Unit Kerja", "E-mail", "No. HP"],
                ["Sari 🌸 <b>Wulandari</b>", "19850312 201001 2 004", "Dinas A", "Bidang B", "sari@contoh.go.id", "0812"],
                ["Rina", 198503122010012005, "Dinas A", None, None, None],  # Excel kept the NIP as a number
                ["Maya", "1985", "Dinas A", None, "bukan-email", None],
                [None, "198503122010012006", None, None, None, None],
                ["Dewi", "19850312 201001 2 004", None, None, None, None],
                ["Ayu", "198503122010012007", None, None, None, None],
                ["x" * 201, None, None, None, None, None],
                [None, None, None, None, None, None],  # an empty row: skipped, not an error
            ]
        ),
    )
    rows = check_roster(table, on_roster={"198503122010012007"})
    assert [(row.line, row.errors) for row in rows] == [
        (2, []),
        (3, ["web.roster_error_nip_number"]),
        (4, ["web.roster_error_bad_nip", "web.roster_error_email"]),
        (5, ["web.roster_error_no_name"]),
        (6, ["web.roster_error_duplicate_nip"]),
        (7, ["web.roster_error_nip_on_roster"]),
        (8, ["web.roster_error_too_long"]),
    ]
    sari = rows[0].participant
    assert sari == Participant("Sari 🌸 <b>Wulandari</b>", "198503122010012004", "Dinas A", "Bidang B", "sari@contoh.go.id", "0812")
    assert all(row.participant is None for row in rows[1:])


@pytest.mark.parametrize(
    ("name", "data", "problem"),
    [
        ("kelas.pdf", b"%PDF-1.4", "web.roster_wrong_type"),
        ("kelas.xlsx", b"not a workbook", "web.roster_unreadable"),
        ("kelas.csv", b"", "web.roster_empty"),
        ("kelas.csv", b"NIP;Instansi\n198503122010012004;Dinas A\n", "web.roster_no_name"),
        ("kelas.csv", b"Nama\n" + b"x" * 600_000, "web.roster_too_big"),
        ("kelas.csv", ("Nama\n" + "".join(f"P{n}\n" for n in range(2001))).encode(), "web.roster_too_many"),
    ],
)
def test_a_file_that_is_no_class_list_is_refused_with_its_reason(name: str, data: bytes, problem: str) -> None:
    with pytest.raises(RosterUnreadable) as refused:
        check_roster(read_table(name, data), on_roster=set())
    assert str(refused.value) == problem


def test_a_csv_from_excel_in_windows_1252_with_semicolons_is_read() -> None:
    data = "Nama;NIP;Unit kerja\r\nFrançoise Siahaan;198503122010012004;Subbagian Umum\r\n".encode("cp1252")
    [row] = check_roster(read_table("KELAS.CSV", data), on_roster=set())
    assert row.participant == Participant("Françoise Siahaan", "198503122010012004", None, "Subbagian Umum")


async def test_a_duplicate_cohort_name_is_refused(bot: InProcessBot) -> None:
    await make_cohort(bot, "Angkatan I 2026")
    async with bot.app.runtime.open_session() as session:
        with pytest.raises(CohortError, match="exists already"):
            await create_cohort(
                session=session, name="  angkatan  i 2026 ", training_end=bot.clock.now().date(), months=6, now=bot.clock.now()
            )


async def test_a_personal_link_fills_in_her_profile_and_works_for_one_person_only(bot: InProcessBot) -> None:
    cohort = await make_cohort(bot)
    async with bot.app.runtime.open_session() as session:
        participant = Participant("Dr. Sari Wulandari, M.Si.", "198503122010012004", "Dinas Kependudukan", "Bidang Pelayanan")
        [entry] = await import_roster(session=session, cohort=cohort, participants=[participant], now=bot.clock.now())
        await session.commit()
    sari = bot.double.user(5001, "Sari")
    welcome = await say(bot, sari, f"/start {entry.code}")
    assert "Selamat datang, Dr. Sari Wulandari, M.Si.!" in welcome.text
    assert "UU 27/2022" in sari.next_message().text
    asked = await tap(bot, sari, "Saya setuju")
    assert "Panggil saya Sari" in str(asked.buttons)  # her name came from the list: the nickname is next
    asked = await tap(bot, sari, "Panggil saya Sari")
    assert "Pengawas" in str(asked.buttons)  # agency, work unit and NIP too: her position is next
    other = bot.double.user(5002, "Rina")
    taken = await say(bot, other, f"/start {entry.code}")
    assert "sudah dipakai" in taken.text
    async with bot.app.runtime.open_session() as session:
        stored = await session.scalar(select(RosterEntry))
        assert stored is not None and stored.telegram_id == 5001
        assert await session.scalar(select(Person).where(Person.telegram_id == 5002)) is None  # nothing kept of her


async def test_a_closed_cohort_takes_nobody_new_by_either_link(bot: InProcessBot) -> None:
    cohort = await make_cohort(bot)
    async with bot.app.runtime.open_session() as session:
        [entry] = await import_roster(session=session, cohort=cohort, participants=[Participant("Sari")], now=bot.clock.now())
        stored = await session.get(type(cohort), cohort.id)
        assert stored is not None
        set_closed(stored, True, bot.clock.now())
        await session.commit()
    sari, rina = bot.double.user(5001, "Sari"), bot.double.user(5002, "Rina")
    assert "sudah ditutup" in (await say(bot, sari, f"/start {entry.code}")).text
    assert "sudah ditutup" in (await say(bot, rina, f"/start {cohort.alumni_code}")).text
