"""Texts per locale: one TOML catalog of Jinja2 templates per language."""

from __future__ import annotations

import re
import tomllib
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FunctionLoader, StrictUndefined, pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from bot.kernel.settings import LOCALES
from db.schedule import ZONES

CATALOGS = Path(__file__).parent.parent / "locales"
DOCUMENTS = Path(__file__).parent.parent / "templates"  # HTML templates of documents, such as the portfolio


LEADING_ICON = re.compile(r"^[^\w(]+\s+")


def without_icon(label: str) -> str:
    """A choice's words without the icon that leads its button: for lines of text and documents."""
    return LEADING_ICON.sub("", label)


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = str(value)
    return flat


def load_catalog(locale: str, directory: Path = CATALOGS) -> dict[str, str]:
    with (directory / f"{locale}.toml").open("rb") as handle:
        return _flatten(tomllib.load(handle))


class Texts:
    """Renders `key` for a locale. Values are HTML-escaped; the catalogs hold the markup.

    Block tags keep the line break after them (no trim_blocks): a tag that closes a line of text
    must not join it to the next. Loops on lines of their own use `{%- ... %}` instead.
    """

    def __init__(self, default_locale: str = "id", directory: Path = CATALOGS) -> None:
        self.default_locale = default_locale
        self.catalogs = {locale: load_catalog(locale, directory) for locale in LOCALES}
        self._env = Environment(loader=FunctionLoader(self._source), autoescape=True, undefined=StrictUndefined, lstrip_blocks=True)
        self._env.filters["date"] = self._date_filter
        self._env.filters["weekday"] = self._weekday_filter
        self._env.filters["week"] = self._week_filter
        self._env.filters["day_month"] = self._day_month_filter
        self._env.filters["moment"] = self._moment_filter
        self._env.filters["short_moment"] = self._short_moment_filter
        self._env.filters["zone"] = self._zone_filter

    def _source(self, name: str) -> str:
        locale, _, key = name.partition(":")
        try:
            return self.catalogs[locale][key]
        except KeyError:
            raise KeyError(f"no text {key!r} for locale {locale!r}") from None

    def render(self, locale: str, key: str, **values: Any) -> Markup:
        """Rendered HTML, marked safe so that a text placed inside another is not escaped twice."""
        if locale not in self.catalogs:
            locale = self.default_locale
        return Markup(self._env.get_template(f"{locale}:{key}").render(_locale=locale, **values).strip())

    def format_date(self, locale: str, day: date) -> str:
        """15 Januari 2027 / 15 January 2027."""
        months = self.catalogs[locale]["format.months"].split()
        return f"{day.day} {months[day.month - 1]} {day.year}"

    def week_range(self, locale: str, monday: date, *, year: bool = False) -> str:
        """A week by its dates, not its ISO number: 23–29 November; 30 November – 6 Desember; across a New Year, with years."""
        months = self.catalogs[locale]["format.months"].split()
        sunday = monday + timedelta(days=6)
        if monday.year != sunday.year:
            return f"{self.format_date(locale, monday)} – {self.format_date(locale, sunday)}"
        tail = f" {sunday.year}" if year else ""
        if monday.month == sunday.month:
            return f"{monday.day}–{sunday.day} {months[sunday.month - 1]}{tail}"
        return f"{monday.day} {months[monday.month - 1]} – {sunday.day} {months[sunday.month - 1]}{tail}"

    def weekday_name(self, locale: str, weekday: int) -> str:
        return self.catalogs[locale]["format.weekdays"].split()[weekday]

    @pass_context
    def _date_filter(self, context: Context, value: date | str) -> str:
        day = date.fromisoformat(value) if isinstance(value, str) else value
        return self.format_date(context["_locale"], day)

    @pass_context
    def _week_filter(self, context: Context, monday: date | str, year: bool = False) -> str:
        return self.week_range(context["_locale"], date.fromisoformat(monday) if isinstance(monday, str) else monday, year=year)

    @pass_context
    def _day_month_filter(self, context: Context, value: date | str) -> str:
        """23 Nov: short, for a chart's axis."""
        day = date.fromisoformat(value) if isinstance(value, str) else value
        return f"{day.day} {self.catalogs[context['_locale']]['format.months'].split()[day.month - 1][:3]}"

    @pass_context
    def _moment_filter(self, context: Context, value: datetime, zone: str) -> str:
        """A moment on her clock: "Kamis, 3 Desember 2026 · 09.00 WIB"."""
        locale, here = context["_locale"], value.astimezone(ZoneInfo(zone))
        day, clock = self.format_date(locale, here.date()), here.strftime(self.catalogs[locale]["format.clock"])
        return f"{self.weekday_name(locale, here.weekday())}, {day} · {clock} {self._zone_filter(context, zone)}"

    @pass_context
    def _zone_filter(self, context: Context, zone: str) -> str:
        """WIB, WITA, WIT; another zone by its name."""
        label = {name: key for key, name in ZONES.items()}.get(zone)
        return self.catalogs[context["_locale"]][f"choices.zone.{label}"] if label else zone

    @pass_context
    def _short_moment_filter(self, context: Context, value: datetime, zone: str) -> str:
        """The same, short enough for a button: "Kam 3 Des · 09.00"."""
        locale, here = context["_locale"], value.astimezone(ZoneInfo(zone))
        month = self.catalogs[locale]["format.months"].split()[here.month - 1][:3]
        return (
            f"{self.weekday_name(locale, here.weekday())[:3]} {here.day} {month} · {here.strftime(self.catalogs[locale]['format.clock'])}"
        )

    @pass_context
    def _weekday_filter(self, context: Context, value: int | str) -> str:
        return self.weekday_name(context["_locale"], int(value))

    def locale_for(self, language_code: str | None) -> str:
        """The locale for a Telegram language code: English only when she uses English."""
        if language_code and language_code.lower().split("-")[0] == "en":
            return "en"
        return self.default_locale
