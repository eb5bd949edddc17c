"""Every template in every locale, rendered with sample data in three shapes, reads as a message Telegram accepts.

The sample values stand in for anything a template is given: names and texts she typed (ending in a full
stop, with titles, as "Dr. Ratna Kusumawati, S.E., M.A.P."), numbers, dates, lists and objects. Three
passes take the branches: values present, values empty, and every comparison true.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from jinja2 import Environment, meta

from bot.kernel.i18n import Texts, load_catalog
from bot.kernel.settings import LOCALES
from bot.kernel.telegram import parse_html, utf16_len

HER_TEXT = "Dr. Ratna Kusumawati, S.E., M.A.P."  # what people type ends as it likes: nothing may follow it
NUMERIC = re.compile(
    r"(count|total|number|page|pages|rate|limit|length|maximum|minimum|month|months|week|weeks|days|days_left|year|progress|raters"
    r"|telegram_id|update_id|evidence|documents|photos|implementation|confidence|entries_this_week|entries_last_week|career_events"
    r"|alumnae|on_track|late|stalled|done|checkins_due|checkins_answered|idle_days|overdue_days|index|id|minimum|weekday|on|letter"
    r"|sequence|score|overall|response_rate|day|hours|minutes)$"
)
# Words the bot itself supplies (labels, icons, codes turned into words, times): never typed by a person.
SYSTEM = re.compile(
    r"^(zone|time|icon|label|word|said|status|kind|domain|reasons|level|audience|role|bot|username|alias_example|intro|question|field"
    r"|obstacle|commands|next_at|when|s\.|d\.due|m\.state|m\.due|m\.icon|m\.word|c\.status|e\.date|e\.created_at|r\.|result\.|open\.|event\.when)"
)
RAW_CODE = re.compile(r"(?<![/@\w.-])[a-z]+_[a-z_]+\b")
MESSAGE, CAPTION, BUTTON, COMMAND = 4096, 1024, 64, 256
CAPTIONS = {"coach.summary", "portfolio.caption", "privacy.export_caption", "report.caption", "admin.audit_caption", "tips.message"}


class Sample:
    """Any value a template may be given: text, number, date, list or object, as the template uses it."""

    def __init__(self, path: str, *, empty: bool, equal: bool) -> None:
        self.path, self.empty, self.equal = path, empty, equal

    def _child(self, name: object) -> Sample:
        return Sample(f"{self.path}.{name}", empty=self.empty, equal=self.equal)

    def __getattr__(self, name: str) -> Sample:
        if name.startswith("__"):
            raise AttributeError(name)
        return self._child(name)

    def __getitem__(self, key: object) -> Sample:
        return self._child("item" if isinstance(key, slice) else key)

    def __call__(self, *args: object, **kwargs: object) -> Sample:
        return self._child("called")

    def __iter__(self) -> Iterator[Sample]:
        return iter([] if self.empty else [self._child("item"), self._child("item")])

    def __len__(self) -> int:
        return 0 if self.empty else 2

    def __bool__(self) -> bool:
        return not self.empty

    def __str__(self) -> str:
        if NUMERIC.search(self.path.rsplit(".", 1)[-1]):
            return "3"
        return "Teks" if SYSTEM.match(self.path) else HER_TEXT

    def __html__(self) -> str:
        return str(self).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    def __int__(self) -> int:
        return 3

    def __float__(self) -> float:
        return 3.0

    def __eq__(self, other: object) -> bool:
        return self.equal

    def __ne__(self, other: object) -> bool:
        return not self.equal

    def __lt__(self, other: object) -> bool:
        return False

    def __gt__(self, other: object) -> bool:
        return True

    __le__, __ge__ = __lt__, __gt__

    def __sub__(self, other: object) -> int:
        return 2

    __mul__ = __sub__

    def __add__(self, other: object) -> Sample:  # a date plus days is still a date
        return self

    __radd__ = __add__

    def __hash__(self) -> int:
        return hash(self.path)


def _variables() -> dict[str, set[str]]:
    environment = Environment()
    environment.filters.update(date=str, weekday=str, week=str, day_month=str, moment=str, short_moment=str, zone=str)
    return {key: meta.find_undeclared_variables(environment.parse(text)) for key, text in load_catalog("id").items()}


VARIABLES = _variables()
SHAPES = {"present": {"empty": False, "equal": False}, "empty": {"empty": True, "equal": False}, "equal": {"empty": False, "equal": True}}


def _limit(key: str) -> int:
    if key.startswith("commands."):
        return COMMAND
    if key.startswith(("choices.", "onboarding.edit_")) or ".button" in key or key.endswith(("_agree", "_decline", "_use", ".save")):
        return BUTTON
    return CAPTION if key in CAPTIONS else MESSAGE


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("shape", list(SHAPES))
def test_every_template_renders_as_a_clean_message(locale: str, shape: str) -> None:
    texts = Texts()
    # A moment needs a real datetime and zone; these stand in with what the real filters give.
    texts._env.filters.update(
        moment=lambda *_: "Kamis, 3 Desember 2026 · 09.00 WIB", short_moment=lambda *_: "Kam 3 Des · 09.00", zone=lambda _: "WIB"
    )
    problems = []
    for key, names in sorted(VARIABLES.items()):
        if key.startswith(("format.", "files.")):
            continue
        values: dict[str, Any] = {name: Sample(name, **SHAPES[shape]) for name in names}
        html = str(texts.render(locale, key, **values))
        try:
            plain, _ = parse_html(html)
        except Exception as exc:  # noqa: BLE001 - report every template at once
            problems.append(f"{key}: Telegram would refuse the HTML ({exc})")
            continue
        if ".." in plain.replace("…", "").replace("...", ""):
            problems.append(f"{key}: '..' in {plain!r}")
        if "{{" in plain or "{%" in plain:
            problems.append(f"{key}: template syntax left in {plain!r}")
        if code := RAW_CODE.search(plain):
            problems.append(f"{key}: raw code {code.group()!r} in {plain!r}")
        if not plain.strip():
            problems.append(f"{key}: renders empty")
        if utf16_len(plain) > _limit(key):
            problems.append(f"{key}: {utf16_len(plain)} units, over {_limit(key)}")
    assert not problems, "\n".join(problems)


def test_file_names_are_plain_and_follow_the_locale() -> None:
    texts = Texts()
    values = {"name": "angkatan-i-2026", "date": "2026-11-28", "extension": "xlsx"}
    names = {
        locale: [str(texts.render(locale, f"files.{k}", **values)) for k in ("portfolio", "my_data", "report", "audit")]
        for locale in LOCALES
    }
    assert names["id"] == ["e-portofolio.pdf", "data-saya.zip", "laporan-angkatan-i-2026-2026-11-28.xlsx", "log-audit.csv"]
    assert names["en"] == ["e-portfolio.pdf", "my-data.zip", "report-angkatan-i-2026-2026-11-28.xlsx", "audit-log.csv"]
