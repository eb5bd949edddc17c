"""Every text exists in every locale, renders, and escapes what users typed."""

from __future__ import annotations

import re

import pytest
from jinja2 import UndefinedError

from bot.i18n import Texts, load_catalog
from bot.settings import LOCALES


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
