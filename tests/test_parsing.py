"""Dates and times as people type them."""

from __future__ import annotations

from datetime import date, time

import pytest

from bot.kernel.parsing import DateFormatError, ImpossibleDateError, parse_date, parse_time
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


def test_times() -> None:
    assert parse_time("15:00") == time(15, 0)
    assert parse_time("7.30") == time(7, 30)
    for bad in ("24:00", "15:60", "jam 3", "1500"):
        with pytest.raises(ValueError):
            parse_time(bad)


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2026, 10, 15), 3) == date(2027, 1, 15)
