"""Every text exists in every locale, renders, and escapes what users typed."""

from __future__ import annotations

import re

import pytest
from jinja2 import UndefinedError

from bot.kernel.i18n import Texts, load_catalog
from bot.kernel.settings import LOCALES


def test_every_key_exists_in_every_locale() -> None:
    keys = {locale: set(load_catalog(locale)) for locale in LOCALES}
    reference = keys["id"]
    for locale, present in keys.items():
        assert present == reference, f"{locale}: missing {reference - present}, extra {present - reference}"


def test_both_locales_use_the_same_variables() -> None:
    variables = re.compile(r"{{\s*([a-z_]+)")
    catalogs = {locale: load_catalog(locale) for locale in LOCALES}
    for key, text in catalogs["id"].items():
        assert set(variables.findall(text)) == set(variables.findall(catalogs["en"][key])), key


def test_values_are_escaped_and_missing_values_fail() -> None:
    texts = Texts()
    rendered = texts.render("id", "start.welcome", name="<b>Sri</b> & co")
    assert "&lt;b&gt;Sri&lt;/b&gt; &amp; co" in rendered
    with pytest.raises(UndefinedError):
        texts.render("id", "start.welcome")


@pytest.mark.parametrize(("code", "locale"), [("en", "en"), ("en-GB", "en"), ("id", "id"), ("ms", "id"), (None, "id")])
def test_locale_follows_telegram_language(code: str | None, locale: str) -> None:
    assert Texts().locale_for(code) == locale


def test_lists_put_each_item_on_its_own_line() -> None:
    texts = Texts()
    from datetime import date
    from types import SimpleNamespace

    pap = SimpleNamespace(
        title="T", problem="P", goal="G", indicator="I", baseline="1", target="2", resources="R", relevance="Rel", end_date=date(2026, 8, 1)
    )
    milestones = [
        {"title": "Satu", "due": date(2026, 3, 1), "state": "done", "icon": "☑️", "word": "selesai", "progress": 100},
        {"title": "Dua", "due": date(2026, 4, 1), "state": "overdue", "icon": "⚠️", "word": "lewat tenggat", "progress": 0},
    ]
    view = texts.render("id", "plan.view", pap=pap, milestones=milestones, status="✅", cohort="A", origin=None)
    assert "<b>🪜 Tahapan</b>\n1. ☑️ Satu — 1 Maret 2026 (selesai)\n2. ⚠️ Dua — 1 April 2026 (lewat tenggat, 0%)" in view
    help_text = texts.render(
        "en", "help.text", commands=[{"name": "a", "description": "A"}, {"name": "b", "description": "B"}], alias_example="bantuan"
    )
    assert help_text == "<b>ecoach help</b>\n/a — A\n/b — B\n\nCommands also work in Indonesian, for example /bantuan."


def test_a_tag_closing_a_line_keeps_the_line_break() -> None:
    texts = Texts()
    saved = texts.render("id", "logbook.saved", evidence=2, milestone_done=False, milestone=None)
    assert saved.startswith("Logbook tersimpan ✅ dengan 2 bukti.\nCoach Ibu")
    reflection = texts.render("en", "reflection.saved", shared=False, next_step="Call the head")
    assert (
        reflection == "Thank you, this week's reflection is saved. 🌷 It is private.\n\n"
        "Your step for next week: <b>Call the head</b>\nYou can do it! 💪"
    )
    from datetime import datetime

    status = texts.render(
        "id",
        "reminders.status",
        saved=False,
        on=True,
        weekday=4,
        time="15.00",
        zone="WIB",
        paused_until=None,
        next_at=datetime(2026, 3, 6, 15, 0),
    )
    assert status.endswith("Status: 🔔 aktif.\nPengingat berikutnya: 6 Maret 2026, 15.00.")


def test_weeks_read_as_dates_across_months_and_the_new_year() -> None:
    from datetime import date

    texts = Texts()
    assert texts.week_range("id", date(2026, 11, 23)) == "23–29 November"
    assert texts.week_range("id", date(2026, 11, 30)) == "30 November – 6 Desember"
    assert texts.week_range("en", date(2026, 12, 28)) == "28 December 2026 – 3 January 2027"
    assert texts.week_range("id", date(2027, 1, 4), year=True) == "4–10 Januari 2027"  # never "Minggu 1"
    assert texts.render("id", "reflection.week_label", monday=date(2027, 1, 4)) == "4 Jan"
