"""Telegram output: its rules for text, and sending HTML within them.

HTML parse mode is turned into what she reads as strictly as the real server does (markup it would
refuse raises EntityParseError, a 400 there), and lengths are counted as Telegram counts them: in
UTF-16 code units of the visible text."""

from __future__ import annotations

import asyncio
import html
import logging
import re
from datetime import timedelta

from telegram import Bot, InlineKeyboardMarkup, Message
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.kernel.sending import Verdict, classify

log = logging.getLogger(__name__)
PATIENCE = 10.0  # seconds a reply may wait out 429s and 5xx before the error handler takes over

ALLOWED = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
    "a", "code", "pre", "blockquote", "tg-emoji",
}  # fmt: skip
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*)?)\s*(/?)>")
_ENTITY = re.compile(r"&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


class EntityParseError(ValueError):
    """The text would make Telegram answer "can't parse entities"."""


# The entity type each tag becomes in the message Telegram stores.
_ENTITY_TYPES = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline", "ins": "underline",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough", "tg-spoiler": "spoiler", "span": "spoiler",
    "a": "text_link", "code": "code", "pre": "pre", "blockquote": "blockquote", "tg-emoji": "custom_emoji",
}  # fmt: skip
_HREF = re.compile(r"""\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)


def parse_html(text: str) -> tuple[str, list[dict[str, object]]]:
    """What Telegram makes of an HTML text: the plain text she reads and its entities, with offsets
    and lengths in UTF-16 code units. Raises EntityParseError where Telegram would answer 400."""
    out: list[str] = []
    units = 0  # UTF-16 length of `out` so far
    stack: list[tuple[str, int, str | None]] = []  # (tag, offset where it opened, href)
    entities: list[dict[str, object]] = []
    pos = 0
    while pos < len(text):
        char = text[pos]
        if char == "<":
            match = _TAG.match(text, pos)
            if match is None:
                raise EntityParseError(f"Unexpected character '<' at byte offset {pos}")
            closing, name, attrs, _self = match.groups()
            name = name.lower()
            if name not in ALLOWED:
                raise EntityParseError(f'Unsupported start tag "{name}" at byte offset {pos}')
            if closing:
                if not stack or stack[-1][0] != name:
                    expected = stack[-1][0] if stack else ""
                    raise EntityParseError(f'Unmatched end tag at byte offset {pos}, expected "</{expected}>", found "</{name}>"')
                _, start, href = stack.pop()
                if units > start:  # Telegram drops empty entities
                    entity: dict[str, object] = {"type": _ENTITY_TYPES[name], "offset": start, "length": units - start}
                    if name == "a":
                        entity["url"] = href or ""
                    entities.append(entity)
            else:
                found = _HREF.search(attrs or "") if name == "a" else None
                href = next((g for g in found.groups() if g is not None), None) if found else None
                stack.append((name, units, html.unescape(href) if href else None))
            pos = match.end()
            continue
        piece = char
        if char == "&":
            match = _ENTITY.match(text, pos)
            if match is not None:
                body = match.group(1)
                if body.startswith("#"):
                    piece = html.unescape(match.group(0))
                elif body in _NAMED:
                    piece = _NAMED[body]
                else:
                    raise EntityParseError(f'Unsupported HTML entity "&{body};" at byte offset {pos}')
                pos = match.end()
            else:
                pos += 1  # a bare ampersand is kept as it is
        else:
            pos += 1
        out.append(piece)
        units += utf16_len(piece)
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -int(str(e["length"]))))
    return "".join(out), entities


def html_to_plain(text: str) -> str:
    """The text a user would see, or EntityParseError like Telegram's 400."""
    return parse_html(text)[0]


def utf16_len(text: str) -> int:
    """Telegram counts message length in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


# ----- limits and sending --------------------------------------------------------------------------

MAX_MESSAGE = 4096  # UTF-16 code units of the visible text, after the markup is parsed
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64  # bytes
_TOKEN = re.compile(r"<[^<>]*>|&(?:#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);|.", re.DOTALL)


def visible_length(body: str) -> int:
    """How long Telegram counts an HTML text: its visible characters, in UTF-16 code units."""
    return utf16_len(html_to_plain(body))


def split_message(body: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Parts of at most `limit` visible UTF-16 units, each valid HTML: split between paragraphs,
    then between lines, and one enormous line between characters."""
    if utf16_len(body) <= limit or visible_length(body) <= limit:  # markup only adds length: the short way first
        return [body]
    return _pack([chunk for paragraph in body.split("\n\n") for chunk in _fit(paragraph, limit)], "\n\n", limit)


def _fit(paragraph: str, limit: int) -> list[str]:
    if visible_length(paragraph) <= limit:
        return [paragraph]
    lines = paragraph.split("\n")
    return _pack(
        [chunk for line in lines for chunk in ([line] if visible_length(line) <= limit else _hard_split(line, limit))], "\n", limit
    )


def _pack(chunks: list[str], separator: str, limit: int) -> list[str]:
    """Join chunks greedily into parts that fit."""
    parts: list[str] = []
    current = ""
    for chunk in chunks:
        candidate = f"{current}{separator}{chunk}" if current else chunk
        if current and visible_length(candidate) > limit:
            parts.append(current)
            current = chunk
        else:
            current = candidate
    if current:
        parts.append(current)
    return parts


def _hard_split(line: str, limit: int) -> list[str]:
    """Cut one line between characters, never inside a tag or an entity; open tags are closed at
    the cut and opened again after it."""
    pieces: list[str] = []
    current: list[str] = []
    length = 0
    open_tags: list[tuple[str, str]] = []  # (name, the opening tag as written)
    for token in _TOKEN.findall(line):
        if token.startswith("<") and token.endswith(">") and len(token) > 1:
            name = token.strip("</>").split()[0].lower() if token.strip("</>") else ""
            if token.startswith("</"):
                if open_tags and open_tags[-1][0] == name:
                    open_tags.pop()
            elif not token.endswith("/>"):
                open_tags.append((name, token))
            current.append(token)
            continue
        units = utf16_len(html_to_plain(token) if token.startswith("&") else token)
        if length + units > limit:
            closing = "".join(f"</{name}>" for name, _ in reversed(open_tags))
            pieces.append("".join(current) + closing)
            current = [opening for _, opening in open_tags]
            length = 0
        current.append(token)
        length += units
    if current:
        pieces.append("".join(current))
    return pieces


def escape(text: str) -> str:
    """Her words, safe inside Telegram HTML."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


async def send_html(
    bot: Bot, chat_id: int, body: str, markup: InlineKeyboardMarkup | None = None, *, patient: bool = False
) -> Message | None:
    """Send HTML in the chat; a text over Telegram's limit goes in parts, the buttons under the last.

    `patient` (her own conversation) waits out a short 429 or a 5xx and tries that part again, and
    takes a part that timed out after Telegram may have accepted it as sent: a question she may
    already have is never sent twice. Returns the last part's message, or None when it is unknown.
    """
    parts = split_message(body)
    message = None
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        message = await _send_part(bot, chat_id, part, markup if last else None, patient=patient)
    return message


async def _send_part(bot: Bot, chat_id: int, text: str, markup: InlineKeyboardMarkup | None, *, patient: bool) -> Message | None:
    waited = 0.0
    while True:
        try:
            return await bot.send_message(chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup)
        except TelegramError as exc:
            if not patient:
                raise
            failure = classify(exc)
            if failure.may_have_arrived:
                log.info("a reply timed out after it may have arrived; not sent again")
                return None
            wait = (failure.wait or timedelta(seconds=1)).total_seconds()
            if failure.verdict is not Verdict.RETRY or waited + wait > PATIENCE:
                raise
            await asyncio.sleep(wait)
            waited += wait


async def mark_chosen(message: object, data: str | None) -> None:
    """Drop the buttons of an answered question and show which one she tapped.

    Cosmetic and best effort: the answer is stored before this runs, so no failure here (an old
    message, a 429, a 502) may stop the flow that follows.
    """
    if not isinstance(message, Message) or data is None:
        return
    rows = message.reply_markup.inline_keyboard if message.reply_markup else ()
    label = next((button.text for row in rows for button in row if button.callback_data == data), None)
    try:
        if label and message.text:
            mark = label if label.startswith("✅") else f"✅ {label}"
            await message.edit_text(f"{message.text_html}\n\n{escape(mark)}", parse_mode=ParseMode.HTML)
        else:
            await message.edit_reply_markup(None)
    except Exception as exc:  # noqa: BLE001 - any failure of a cosmetic edit is logged, never raised
        log.info("marking a chosen button failed (%s); the flow goes on", type(exc).__name__)
