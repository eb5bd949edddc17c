"""Telegram's rules for text: HTML parse mode turned into what she reads, and lengths in UTF-16 units.

Strict like the real server: markup it would refuse raises EntityParseError (a 400 there)."""

from __future__ import annotations

import html
import re

ALLOWED = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
    "a", "code", "pre", "blockquote", "tg-emoji",
}  # fmt: skip
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*)?)\s*(/?)>")
_ENTITY = re.compile(r"&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


class EntityParseError(ValueError):
    """The text would make Telegram answer "can't parse entities"."""


def html_to_plain(text: str) -> str:
    """Return the text a user would see, or raise EntityParseError like Telegram does."""
    out: list[str] = []
    stack: list[str] = []
    pos = 0
    while pos < len(text):
        char = text[pos]
        if char == "<":
            match = _TAG.match(text, pos)
            if match is None:
                raise EntityParseError(f"Unexpected character '<' at byte offset {pos}")
            closing, name, _attrs, _self = match.groups()
            name = name.lower()
            if name not in ALLOWED:
                raise EntityParseError(f'Unsupported start tag "{name}" at byte offset {pos}')
            if closing:
                if not stack or stack[-1] != name:
                    raise EntityParseError(
                        f'Unmatched end tag at byte offset {pos}, expected "</{stack[-1] if stack else ""}>", found "</{name}>"'
                    )
                stack.pop()
            else:
                stack.append(name)
            pos = match.end()
        elif char == "&":
            match = _ENTITY.match(text, pos)
            if match is None:
                out.append("&")  # a bare ampersand is kept as it is
                pos += 1
                continue
            body = match.group(1)
            if body.startswith("#"):
                out.append(html.unescape(match.group(0)))
            elif body in _NAMED:
                out.append(_NAMED[body])
            else:
                raise EntityParseError(f'Unsupported HTML entity "&{body};" at byte offset {pos}')
            pos = match.end()
        elif char == ">":
            out.append(">")
            pos += 1
        else:
            out.append(char)
            pos += 1
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1]}"')
    return "".join(out)


def utf16_len(text: str) -> int:
    """Telegram counts message length in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2
