"""Reading what people type: dates and times in the forms Indonesians write them, percentages, and
free text within a limit. A refusal is `Invalid`, naming the text that tells her why."""

from __future__ import annotations

import re
from datetime import date, time
from typing import Any

MONTHS = {
    # Indonesian, with the usual abbreviations
    "januari": 1, "jan": 1, "februari": 2, "feb": 2, "pebruari": 2, "maret": 3, "mar": 3,
    "april": 4, "apr": 4, "mei": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7,
    "agustus": 8, "agu": 8, "agt": 8, "ags": 8, "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "okt": 10, "november": 11, "nov": 11, "nopember": 11, "desember": 12, "des": 12,
    # English names she may type when the bot speaks English
    "january": 1, "february": 2, "march": 3, "may": 5, "june": 6, "july": 7, "august": 8,
    "aug": 8, "october": 10, "oct": 10, "december": 12, "dec": 12,
}  # fmt: skip

_NUMERIC = [
    (re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$"), ("d", "m", "y")),
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), ("y", "m", "d")),
]
_WORDS = re.compile(r"^(\d{1,2})\s+([A-Za-z]+)\.?\s+(\d{4})$")
_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})$")


class Invalid(Exception):
    """The answer was not acceptable; `key` names the message that says why."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


class DateFormatError(ValueError):
    """Not a date in any accepted form."""


class ImpossibleDateError(ValueError):
    """In an accepted form, but no such day exists (31-02-2027)."""


def parse_date(text: str) -> date:
    """Accept DD-MM-YYYY, DD/MM/YYYY, YYYY-MM-DD and '15 Januari 2027'."""
    text = " ".join(text.strip().split())
    parts: dict[str, int] | None = None
    for pattern, order in _NUMERIC:
        match = pattern.match(text)
        if match:
            parts = {key: int(value) for key, value in zip(order, match.groups(), strict=True)}
            break
    if parts is None:
        match = _WORDS.match(text)
        if match and match.group(2).lower() in MONTHS:
            parts = {"d": int(match.group(1)), "m": MONTHS[match.group(2).lower()], "y": int(match.group(3))}
    if parts is None:
        raise DateFormatError(text)
    try:
        return date(parts["y"], parts["m"], parts["d"])
    except ValueError:
        raise ImpossibleDateError(text) from None


def parse_time(text: str) -> time:
    """Accept 15:00, 15.00 and 7:30; raise ValueError otherwise."""
    match = _TIME.match(text.strip())
    if not match:
        raise ValueError(text)
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise ValueError(text)
    return time(hour, minute)


def read_date(text: str, earliest: date, latest: date) -> date:
    """A typed date within [earliest, latest], or Invalid saying what was wrong."""
    try:
        day = parse_date(text)
    except DateFormatError:
        raise Invalid("input.bad_date") from None
    except ImpossibleDateError:
        raise Invalid("input.impossible_date") from None
    if not earliest <= day <= latest:
        raise Invalid("input.date_range", earliest=earliest, latest=latest)
    return day


def read_time(text: str) -> str:
    """A typed time as HH:MM, or Invalid."""
    try:
        return parse_time(text).strftime("%H:%M")
    except ValueError:
        raise Invalid("input.bad_time") from None


NIP_LABEL = re.compile(r"^\s*NIP\b\s*[:.]?", re.IGNORECASE)  # "NIP: 1985..." as copied from a letterhead
NIP_SEPARATORS = re.compile(r"[\s.\-]+")
NIP = re.compile(r"(?P<born>[0-9]{8})(?P<appointed>[0-9]{6})[12][0-9]{3}")  # birth date, appointment month, sex, number


def read_nip(text: str) -> str:
    """An NIP as its 18 digits ('19850312 201001 2 004' is fine), or Invalid. Its birth date and
    appointment month must be real dates, which catches most typos."""
    match = NIP.fullmatch(NIP_SEPARATORS.sub("", NIP_LABEL.sub("", text)))
    if match is None:
        raise Invalid("input.bad_nip")
    born, appointed = match["born"], match["appointed"]
    try:
        date(int(born[:4]), int(born[4:6]), int(born[6:]))
        date(int(appointed[:4]), int(appointed[4:]), 1)
    except ValueError:
        raise Invalid("input.bad_nip") from None
    return match.group(0)


def read_percent(text: str) -> int:
    """'60', '60%' or '60 %' as a whole number from 0 to 100."""
    number = text.strip().rstrip("%").strip()
    if not number.isdigit() or not 0 <= int(number) <= 100:
        raise Invalid("input.bad_percent")
    return int(number)


def clean_text(text: str, limit: int) -> str:
    """Her words as typed, minus surrounding blanks; refuse empty and over-long answers."""
    value = text.strip()
    if not value:
        raise Invalid("input.empty")
    if len(value) > limit:
        raise Invalid("input.too_long", limit=limit, length=len(value))
    return value


# A switch typed after a command: Indonesian and English words for on and off.
SWITCH = {"aktif": True, "on": True, "nyala": True, "nonaktif": False, "off": False, "mati": False}
