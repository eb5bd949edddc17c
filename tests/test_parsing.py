"""Dates, times and NIPs as people type them."""

from __future__ import annotations

from datetime import date, time

import pytest

from bot.kernel.parsing import DateFormatError, ImpossibleDateError, Invalid, parse_date, parse_time, read_nip
from db.schedule import add_months


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15-01-2027", date(2027, 1, 15)),
        ("15/01/2027", date(2027, 1, 15)),
        ("5/1/2027", date(2027, 1, 5)),
        ("2027-01-15", date(2027, 1, 15)),
        ("15 Januari 2027", date(2027, 1, 15)),
        ("15 januari   2027", date(2027, 1, 15)),
        ("1 Agustus 2027", date(2027, 8, 1)),
        ("3 Des 2027", date(2027, 12, 3)),
        ("17 August 2027", date(2027, 8, 17)),
        ("29-02-2028", date(2028, 2, 29)),
    ],
)
def test_accepted_dates(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["31-02-2027", "29-02-2027", "2027-13-01", "0 Januari 2027", "32/01/2027"])
def test_impossible_dates(text: str) -> None:
    with pytest.raises(ImpossibleDateError):
        parse_date(text)


@pytest.mark.parametrize("text", ["besok", "15 Janu 2027", "01-2027", "2027/01/15", "", "15 Januari", "🗓️"])
def test_unrecognised_dates(text: str) -> None:
    with pytest.raises(DateFormatError):
        parse_date(text)


@pytest.mark.parametrize(
    "text",
    [
        "198503122010012004",
        "19850312 201001 2 004",
        "19850312.201001.2.004",
        " 19850312-201001-2-004 ",
        "NIP. 19850312 201001 2 004",
        "nip:198503122010012004",
    ],
)
def test_nips_as_people_write_them(text: str) -> None:
    assert read_nip(text) == "198503122010012004"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "1985031220100120",  # 16 digits
        "1985031220100120045",  # 19
        "19851312 201001 2 004",  # born in month 13
        "19850312 201013 2 004",  # appointed in month 13
        "19850312 201001 3 004",  # neither 1 nor 2
        "١٩٨٥٠٣١٢٢٠١٠٠١٢٠٠٤",  # Arabic-Indic digits are digits to Python, not in an NIP
        "NIP",
        "NIK 198503122010012004",
        "🌷",
    ],
)
def test_wrong_nips(text: str) -> None:
    with pytest.raises(Invalid) as refused:
        read_nip(text)
    assert refused.value.key == "input.bad_nip"


def test_times() -> None:
    assert parse_time("15:00") == time(15, 0)
    assert parse_time("7.30") == time(7, 30)
    for bad in ("24:00", "15:60", "jam 3", "1500"):
        with pytest.raises(ValueError):
            parse_time(bad)


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2026, 10, 15), 3) == date(2027, 1, 15)
