"""Values written to CSV and XLSX exports that a spreadsheet program opens as text, never as a formula.

Following OWASP's CSV-injection guidance: a user-supplied cell starting with = + - @, a tab or a
carriage return is written as text (a string cell in XLSX, a leading apostrophe in CSV).
"""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_cell(value: Any) -> Any:
    return "'" + value if looks_like_formula(value) else value


def file_slug(text: str) -> str:
    """'Angkatan I 2026' → 'angkatan-i-2026': safe in a file name on every system."""
    words = "".join(ch if ch.isalnum() else " " for ch in text.casefold()).split()
    return "-".join(words)[:60] or "x"
