"""Telegram's limits as Telegram counts them: UTF-16 units of the visible text, never broken markup."""

from __future__ import annotations

from bot.kernel.telegram import MAX_MESSAGE, html_to_plain, split_message, utf16_len, visible_length


def test_emoji_count_twice_and_every_part_fits() -> None:
    body = "<b>Ringkasan</b>\n\n" + "🌱" * 3000  # 3000 code points, 6000 UTF-16 units
    parts = split_message(body)
    assert len(parts) == 3
    assert all(visible_length(part) <= MAX_MESSAGE for part in parts)
    assert "".join(html_to_plain(part) for part in parts[1:]) == "🌱" * 3000


def test_a_long_line_is_cut_outside_tags_and_entities_and_keeps_its_formatting() -> None:
    body = "<i>" + "a&amp;b " * 1200 + "</i>"  # one line of 6000 visible units inside <i>
    parts = split_message(body, limit=1000)
    assert all(visible_length(part) <= 1000 for part in parts)
    assert all(part.startswith("<i>") and part.endswith("</i>") for part in parts)
    assert "".join(html_to_plain(part) for part in parts) == html_to_plain(body)


def test_a_text_within_the_limit_is_sent_whole() -> None:
    body = "Halo <b>Ibu</b> & rekan\n\n" + "x" * 100
    assert split_message(body) == [body]
    assert utf16_len("👩🏽‍💻") == 7
