"""Every button's data, typed, in one registry: built and parsed here, nowhere else.

Telegram carries at most 64 bytes of data per inline button. Each kind of button is a frozen
dataclass with a short registered prefix; its int or str fields follow, separated by '|'. A handler
registers with `Kind.pattern()` and reads the press with `Kind.parse(query.data)`, which answers
None for stale, foreign or forged data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Any, ClassVar, Self, cast, dataclass_transform, get_type_hints

from telegram import InlineKeyboardButton

from bot.kernel.telegram import MAX_CALLBACK_DATA

SEPARATOR = "|"
_REGISTRY: dict[str, type[Button]] = {}


@dataclass_transform(frozen_default=True)
class Button:
    """Base of every button's data: `class Kind(Button, prefix="k")` registers a frozen dataclass."""

    prefix: ClassVar[str]
    _types: ClassVar[dict[str, type]]

    def __init_subclass__(cls, *, prefix: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if prefix in _REGISTRY or SEPARATOR in prefix:
            raise ValueError(f"button prefix {prefix!r} is taken or malformed")
        dataclass(frozen=True)(cls)
        cls.prefix = prefix
        hints = get_type_hints(cls)
        cls._types = {f.name: hints[f.name] for f in fields(cast(Any, cls))}  # dataclass() made it one just above
        if any(kind not in (int, str) for kind in cls._types.values()):
            raise TypeError(f"{cls.__name__}: button fields are int or str")
        _REGISTRY[prefix] = cls

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


# ----- the buttons ---------------------------------------------------------------------------------


class FlowChoice(Button, prefix="f"):
    """An answer to the current question of a conversation."""

    flow: str
    step: str
    value: str


class ReflectNow(Button, prefix="rf"):
    """Under a reminder: open this week's reflection."""


class CheckInNow(Button, prefix="ci"):
    """Under a check-in invitation: answer it."""


class PlanAction(Button, prefix="pap"):
    action: str  # edit | add | milestones


class ChooseLanguage(Button, prefix="lang"):
    locale: str


class ReminderAction(Button, prefix="rem"):
    action: str  # change | pause | resume | off | on
    weeks: int = 0


class TipsSwitch(Button, prefix="tip"):
    on: int  # 1 to receive the weekly tip, 0 to stop


class PrivacyAction(Button, prefix="pv"):
    action: str  # export | delete | delete_confirmed | cancel | withdraw | consent | forum_on | forum_off


class MyEntry(Button, prefix="lg"):
    action: str  # edit | delete | confirm_delete | keep
    entry_id: int


class CoachOnEntry(Button, prefix="lgc"):
    action: str  # evidence | feedback | verify
    entry_id: int


class CoachOnAlumna(Button, prefix="cs"):
    action: str  # nudge | detail
    person_id: int


class StalledPage(Button, prefix="cpg"):
    cohort_id: int
    days: int
    page: int


class FeedbackAction(Button, prefix="fb"):
    action: str  # open | close | close_confirmed | cancel


class CoachDecision(Button, prefix="cq"):
    """An organizer on a coach request."""

    request_id: int
    approve: int  # 1 approve, 0 decline


class CoachRevoke(Button, prefix="cr"):
    membership_id: int
    step: str  # ask | confirmed | cancel


class CoachListPage(Button, prefix="cl"):
    page: int


class CodeRotation(Button, prefix="rc"):
    cohort_id: int
    which: str  # "" (ask) | alumni | coach | both | cancel


class AskCoach(Button, prefix="ask"):
    """Under a coach's reply or a nudge: she writes to her coaches."""


class CoachReply(Button, prefix="rpl"):
    """Under her message or coaching request: a coach answers her."""

    person_id: int


class DeadlineAction(Button, prefix="dl"):
    """Under a milestone reminder: log progress on it, or move its date."""

    action: str  # log | move
    milestone_id: int


class CohortChoice(Button, prefix="coh"):
    """Under /angkatan: the cohort a coach of several works with in her private chat."""

    cohort_id: int


class PortfolioChoice(Button, prefix="pf"):
    """Under /portofolio: with (1) or without (0) her private reflections."""

    private: int


class SlotAction(Button, prefix="sl"):
    """Under /jadwal: add slots (slot 0), or cancel one of hers."""

    action: str  # add | cancel | cancel_ok
    slot_id: int


class BookSlot(Button, prefix="bk"):
    """Under /sesi_coaching: book this free slot."""

    slot_id: int


class BookingAction(Button, prefix="bs"):
    """On a booked session, from either side: move, cancel, mark a no-show, write the GROW notes."""

    action: str  # move | cancel | cancel_ok | absent | notes
    booking_id: int


class MoveBooking(Button, prefix="bm"):
    """Under the list of other free slots: move the session to this one."""

    booking_id: int
    slot_id: int


class FollowUp(Button, prefix="fu"):
    """Under an agreed action's follow-up: done, not yet, or another date."""

    action: str  # done | later | move
    action_id: int


class MentorAction(Button, prefix="mt"):
    """Under /mentor: her invite, replace or end (link 0: none yet); a mentor's Send support."""

    action: str  # invite | end | end_ok | keep | support
    link_id: int


class MentorAnswer(Button, prefix="ma"):
    """Under the monthly summary: the mentor answers this month's two questions."""

    dialogue_id: int


class GalleryFilter(Button, prefix="gf"):
    """Under /galeri's results: narrow by theme, level or region ("" clears it)."""

    field: str  # theme | level | zone
    value: str


class GalleryOpen(Button, prefix="go"):
    """Under /galeri's results: one project in full, with its evidence."""

    entry_id: int


class GalleryAction(Button, prefix="ga"):
    """Her own PAP: publish it to the library, or withdraw it."""

    action: str  # publish | withdraw


class Replicate(Button, prefix="rp"):
    """Under a library entry: "Saya ingin mereplikasi"."""

    entry_id: int


class ReplicationAnswer(Button, prefix="ra"):
    """Under a replication request, for the author: agree to be contacted, or not now."""

    replication_id: int
    agreed: int


class StartReplica(Button, prefix="rs"):
    """Under the author's yes, and under the entry for her: begin her PAP as this replication."""

    replication_id: int


class MentoringMenu(Button, prefix="mm"):
    """Under /mentoring: find a mentor, offer to mentor, or withdraw the offer."""

    action: str  # find | offer | withdraw


class MentoringAsk(Button, prefix="mk"):
    """Under the suggested mentors: ask this one."""

    mentor_id: int


class MentoringPairAction(Button, prefix="mp"):
    """On a mentoring pair: the mentor accepts or declines, either side ends it."""

    action: str  # accept | decline | end
    pair_id: int


class MentoringCheck(Button, prefix="mc"):
    """Under the 4- and 8-week check-in of a pair: still going? useful?"""

    pair_id: int
    week: int  # 4 | 8
    answer: str  # going_useful | going | stopped
