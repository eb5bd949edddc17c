"""/start and /bantuan through the real Application, in-process."""

from __future__ import annotations

import pytest
from telegram import Update

from bot.kernel.context import EcoachContext
from tests.support.bots import InProcessBot


async def test_start_greets_in_indonesian(bot: InProcessBot) -> None:
    sari = bot.double.user(1001, "Sari", language_code="id")
    sari.send("/start")
    await bot.run_pending()
    reply = sari.next_message()
    assert reply.text.startswith("Selamat datang, Sari!")
    assert "tautan undangan" in reply.text


async def test_start_greets_in_english_when_telegram_is_english(bot: InProcessBot) -> None:
    maya = bot.double.user(1002, "Maya", language_code="en")
    maya.send("/start")
    await bot.run_pending()
    reply = maya.next_message()
    assert reply.text.startswith("Welcome, Maya!")
    assert "invite link" in reply.text


async def test_a_name_with_markup_is_shown_as_typed(bot: InProcessBot) -> None:
    odd = bot.double.user(1003, "<b>Rina</b> & Co", language_code="id")
    odd.send("/start")
    await bot.run_pending()
    reply = odd.next_message()
    assert reply.text.startswith("Selamat datang, <b>Rina</b> & Co!")
    assert "&lt;b&gt;Rina" in (reply.raw_text or "")


async def test_help_answers_both_names_in_her_language(bot: InProcessBot) -> None:
    sari = bot.double.user(1001, "Sari", language_code="id")
    maya = bot.double.user(1002, "Maya", language_code="en")
    sari.send("/bantuan")
    sari.send("/help")
    maya.send("/help")
    await bot.run_pending()
    for reply in (sari.next_message(), sari.next_message()):
        assert reply.text.startswith("Bantuan ecoach")
        assert "/bantuan — Daftar perintah" in reply.text
    english = maya.next_message()
    assert english.text.startswith("ecoach help")
    assert "/help — List of commands" in english.text


async def test_command_menus_are_registered_in_both_languages(bot: InProcessBot) -> None:
    default = bot.double.commands[('{"type": "default"}', "")]
    english = bot.double.commands[('{"type": "default"}', "en")]
    assert {"command": "bantuan", "description": "Daftar perintah dan cara memakai bot"} in default
    assert {"command": "help", "description": "List of commands and how to use the bot"} in english


async def test_group_command_with_bot_suffix_is_answered(bot: InProcessBot) -> None:
    group = bot.double.group(-100500, "Coach group")
    sari = bot.double.user(1001, "Sari", language_code="id")
    sari.send("/bantuan", chat=group, mention=True)
    await bot.run_pending()
    [reply] = bot.double.sent(group.id)
    assert reply.text.startswith("Bantuan ecoach")


async def test_a_failing_handler_apologises_in_her_language(bot: InProcessBot, caplog: pytest.LogCaptureFixture) -> None:
    from telegram.ext import CommandHandler

    async def broken(update: Update, context: EcoachContext) -> None:
        raise RuntimeError("boom")

    bot.app.add_handler(CommandHandler("rusak", broken), group=-1)
    maya = bot.double.user(1002, "Maya", language_code="en")
    update = maya.send("/rusak")
    await bot.run_pending()
    assert maya.next_message().text.startswith("Sorry, something went wrong")
    assert any(f"update {update['update_id']} failed" in r.getMessage() for r in caplog.records)


async def test_my_id_is_told_in_private_only(bot: InProcessBot) -> None:
    organizer = bot.double.user(5550123, "Rina")
    organizer.send("/id_saya")
    await bot.run_pending()
    assert "ID Telegram Bapak/Ibu: 5550123" in organizer.next_message().text
    group = bot.double.group(-100555, "Grup")
    organizer.send("/my_id", chat=group, mention=True)
    await bot.run_pending()
    [reply] = bot.double.sent(-100555)
    assert "5550123" not in reply.text and "chat pribadi" in reply.text
