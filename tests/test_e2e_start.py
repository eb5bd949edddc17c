"""End to end: the real `ecoach run` process talks to the double over loopback HTTP."""

from __future__ import annotations

import pytest

from devtools.double import BotApiDouble
from devtools.process import BotProcess
from tests.support.bots import TOKEN

pytestmark = pytest.mark.slow  # the real process over HTTP: `pytest -m "not slow"` leaves it out


def test_start_in_indonesian_and_english_over_http(live_bot: BotProcess, double: BotApiDouble) -> None:
    sari = double.user(2001, "Sari", language_code="id")
    maya = double.user(2002, "Maya", language_code="en")
    sari.send("/start")
    maya.send("/start")
    assert sari.next_message().text.startswith("Selamat datang, Sari!")
    assert maya.next_message().text.startswith("Welcome, Maya!")
    menus = {language for (_scope, language) in double.commands}
    assert menus == {"", "en"}


def test_token_never_appears_in_the_log(live_bot: BotProcess, double: BotApiDouble) -> None:
    sari = double.user(2003, "Sari", language_code="id")
    sari.send("/bantuan")
    sari.next_message()
    double.fail_next("sendMessage", 400, "Bad Request: chat not found")
    sari.send("/start")  # fails on the way out, so the error handler logs a traceback
    sari.send("/start")
    sari.next_message()
    assert live_bot.stop() == 0
    log = live_bot.log()
    assert "Application started" in log  # the log really was written
    assert "update" in log and "failed" in log
    assert TOKEN not in log
    assert TOKEN.split(":", 1)[1] not in log


def test_sigterm_stops_the_bot_cleanly(live_bot: BotProcess) -> None:
    assert live_bot.stop() == 0
    assert "Traceback" not in live_bot.log()
