"""Every button's data, typed, in one registry: built and parsed here, nowhere else.

Telegram carries at most 64 bytes of data per inline button. Each kind of button is a frozen
dataclass with a short registered prefix; its int or str fields follow, separated by '|'. A handler
registers with `Kind.pattern()` and reads the press with `Kind.parse(query.data)`, which answers
None for stale, foreign or forged data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from collections.abc import Callable
from typing import ClassVar, Self, TypeVar, get_type_hints

from telegram import InlineKeyboardButton

from bot.kernel.telegram import MAX_CALLBACK_DATA

SEPARATOR = "|"
_REGISTRY: dict[str, type[Button]] = {}
B = TypeVar("B", bound=type["Button"])


class Button:
    """Base of every button's data; subclasses are made with @button(prefix)."""

    prefix: ClassVar[str]
    _types: ClassVar[dict[str, type]]

    def encode(self) -> str:
        values = [str(getattr(self, name)) for name in self._types]
        if any(SEPARATOR in value for value in values):
            raise ValueError(f"button data may not contain {SEPARATOR!r}: {values}")
        data = SEPARATOR.join([self.prefix, *values])
        if len(data.encode()) > MAX_CALLBACK_DATA:
            raise ValueError(f"button data over {MAX_CALLBACK_DATA} bytes: {data!r}")
        return data

    @classmethod
    def parse(cls, data: str | None) -> Self | None:
        """The button this data stands for, or None when it is not one of this kind."""
        if not data:
            return None
        prefix, *values = data.split(SEPARATOR)
        names = list(cls._types)
        if prefix != cls.prefix or len(values) != len(names):
            return None
        try:
            arguments = {name: cls._types[name](value) for name, value in zip(names, values, strict=True)}
        except ValueError:
            return None
        return cls(**arguments)

    @classmethod
    def pattern(cls) -> str:
        """A regex for PTB's CallbackQueryHandler: this prefix and the right number of fields."""
        return rf"^{re.escape(cls.prefix)}(\{SEPARATOR}[^{SEPARATOR}]*){{{len(cls._types)}}}$"

    def key(self, label: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(label, callback_data=self.encode())


def button(prefix: str) -> Callable[[B], B]:
    """Register a button kind under `prefix` (unique) and make it a frozen dataclass."""

    def register(cls: B) -> B:
        if prefix in _REGISTRY or SEPARATOR in prefix:
            raise ValueError(f"button prefix {prefix!r} is taken or malformed")
        made = dataclass(frozen=True)(cls)
        made.prefix = prefix
        hints = get_type_hints(made)
        made._types = {f.name: hints[f.name] for f in fields(made)}
        if any(kind not in (int, str) for kind in made._types.values()):
            raise TypeError(f"{cls.__name__}: button fields are int or str")
        _REGISTRY[prefix] = made
        return made

    return register


# ----- the buttons ---------------------------------------------------------------------------------


@button("f")
class FlowChoice(Button):
    """An answer to the current question of a conversation."""

    flow: str
    step: str
    value: str


@button("rf")
class ReflectNow(Button):
    """Under a reminder: open this week's reflection."""


@button("ci")
class CheckInNow(Button):
    """Under a check-in invitation: answer it."""


@button("pap")
class PlanAction(Button):
    action: str  # edit | add | milestones


@button("lang")
class ChooseLanguage(Button):
    locale: str


@button("rem")
class ReminderAction(Button):
    action: str  # change | pause | resume | off | on
    weeks: int = 0


@button("tip")
class TipsSwitch(Button):
    on: int  # 1 to receive the weekly tip, 0 to stop


@button("pv")
class PrivacyAction(Button):
    action: str  # export | delete | delete_confirmed | withdraw | consent


@button("lg")
class MyEntry(Button):
    action: str  # edit | delete | confirm_delete
    entry_id: int


@button("lgc")
class CoachOnEntry(Button):
    action: str  # feedback | verify
    entry_id: int


@button("cs")
class CoachOnAlumna(Button):
    action: str  # nudge | detail
    person_id: int


@button("cpg")
class StalledPage(Button):
    cohort_id: int
    days: int
    page: int
