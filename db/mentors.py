"""Her direct supervisor as mentor (LAN's coach–mentor pair): a personal invitation link, the
mentor's consent, a monthly dialogue of two questions, and her right to end it at any time.

What a mentor may see is fixed here, in `MentorView`: the PAP's title, status, milestones and
progress. Nothing else of hers is ever read for a mentor.
"""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from db.models import CareerEvent, CareerEventKind, MentorDialogue, MentorLink, Milestone, Person
from db.plans import current_pap
from db.status import Standing, standing_of

CODE_PREFIX = "m_"  # /start m_<code> opens a mentor invitation; invite codes never start with it
DIALOGUE_EVERY = timedelta(days=30)
OBSTACLE_MAX, SUPPORT_MAX = 1000, 1000


class Refusal(enum.StrEnum):
    """Why an invitation did not open; each has its text `mentor.refused_<value>`."""

    UNKNOWN = "unknown"  # no such link, or she replaced or ended it
    TAKEN = "taken"  # another account consented through it first
    HERSELF = "herself"  # the alumna opened her own link


def _new_code() -> str:
    return CODE_PREFIX + secrets.token_urlsafe(16)


async def current_link(*, session: AsyncSession, alumna: Person) -> MentorLink | None:
    """Her invitation or mentor, if she has one that she has not ended."""
    return await session.scalar(
        select(MentorLink).where(MentorLink.person_id == alumna.id, MentorLink.ended_at.is_(None)).order_by(MentorLink.id.desc()).limit(1)
    )


async def invite(*, session: AsyncSession, alumna: Person, now: datetime) -> tuple[MentorLink, MentorLink | None]:
    """A new personal link; an earlier link or mentor is ended by it (returned, to tell the mentor)."""
    replaced = await current_link(session=session, alumna=alumna)
    if replaced is not None:
        replaced.ended_at = now
    link = MentorLink(person_id=alumna.id, code=_new_code(), created_at=now)
    session.add(link)
    await session.flush()
    return link, replaced


async def end(*, session: AsyncSession, link: MentorLink, now: datetime) -> None:
    link.ended_at = now


async def open_invitation(*, session: AsyncSession, code: str, telegram_id: int) -> MentorLink | Refusal:
    link = await session.scalar(
        select(MentorLink).where(MentorLink.code == code, MentorLink.ended_at.is_(None)).options(selectinload(MentorLink.person))
    )
    if link is None:
        return Refusal.UNKNOWN
    if link.person.telegram_id == telegram_id:
        return Refusal.HERSELF
    if link.mentor_telegram_id is not None and link.mentor_telegram_id != telegram_id:
        return Refusal.TAKEN
    return link


async def consent(*, session: AsyncSession, link: MentorLink, telegram_id: int, name: str, locale: str, now: datetime) -> bool:
    """Bind the link to her, once: a second account opening the same link later is refused. The first
    dialogue comes a month from now."""
    bound = await session.execute(
        update(MentorLink)
        .where(MentorLink.id == link.id, MentorLink.ended_at.is_(None), MentorLink.mentor_telegram_id.is_(None))
        .values(mentor_telegram_id=telegram_id, mentor_name=name, locale=locale, consented_at=now, next_dialogue_at=now + DIALOGUE_EVERY)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(link)
    return cast("CursorResult[Any]", bound).rowcount == 1


async def mentored_by(*, session: AsyncSession, telegram_id: int) -> list[MentorLink]:
    """The alumnae she mentors now."""
    rows = await session.scalars(
        select(MentorLink)
        .where(MentorLink.mentor_telegram_id == telegram_id, MentorLink.consented_at.is_not(None), MentorLink.ended_at.is_(None))
        .order_by(MentorLink.id)
        .options(selectinload(MentorLink.person))
    )
    return list(rows)


async def link_of_mentor(*, session: AsyncSession, link_id: int, telegram_id: int) -> MentorLink | None:
    return next((link for link in await mentored_by(session=session, telegram_id=telegram_id) if link.id == link_id), None)


@dataclass(frozen=True)
class MentorView:
    """All a mentor sees of her PAP."""

    name: str
    title: str | None
    end_date: date | None
    standing: Standing | None
    milestones: list[Milestone]


async def mentor_view(*, session: AsyncSession, alumna: Person, today: date) -> MentorView:
    pap = await current_pap(session=session, telegram_id=alumna.telegram_id)
    if pap is None:
        return MentorView(alumna.name, None, None, None, [])
    return MentorView(alumna.name, pap.title, pap.end_date, await standing_of(session=session, pap=pap, today=today), list(pap.milestones))


async def claim_due_dialogues(*, session: AsyncSession, now: datetime, limit: int = 50) -> list[MentorDialogue]:
    """This month's dialogues that are due: each asked once, its next month set in the same
    transaction (the caller queues the messages in it too)."""
    links = list(
        await session.scalars(
            select(MentorLink)
            .join(Person, Person.id == MentorLink.person_id)
            .where(
                MentorLink.consented_at.is_not(None),
                MentorLink.ended_at.is_(None),
                MentorLink.next_dialogue_at <= now,
                Person.consent_at.is_not(None),  # she withdrew her consent: nothing of hers goes out, to her mentor neither
            )
            .order_by(MentorLink.next_dialogue_at, MentorLink.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=MentorLink)
            .options(selectinload(MentorLink.person))
        )
    )
    dialogues = []
    for link in links:
        assert link.next_dialogue_at is not None
        while link.next_dialogue_at <= now:  # after downtime: one dialogue, not one per month missed
            link.next_dialogue_at += DIALOGUE_EVERY
        dialogue = MentorDialogue(link_id=link.id, person_id=link.person_id, asked_at=now)
        dialogue.link = link
        session.add(dialogue)
        dialogues.append(dialogue)
    await session.flush()
    return dialogues


async def open_dialogue(*, session: AsyncSession, dialogue_id: int, telegram_id: int) -> MentorDialogue | None:
    """Her unanswered dialogue, while she is still the mentor."""
    dialogue = await session.scalar(
        select(MentorDialogue)
        .where(MentorDialogue.id == dialogue_id, MentorDialogue.answered_at.is_(None))
        .options(selectinload(MentorDialogue.link).selectinload(MentorLink.person))
    )
    if dialogue is None or dialogue.link.mentor_telegram_id != telegram_id or dialogue.link.ended_at is not None:
        return None
    return dialogue


async def answer(
    *, session: AsyncSession, dialogue: MentorDialogue, obstacle: str | None, opportunity: bool, detail: str | None, now: datetime
) -> None:
    """Her answers; an opportunity she reports counts in the indicators as a mentor-reported assignment."""
    dialogue.obstacle, dialogue.opportunity, dialogue.opportunity_text, dialogue.answered_at = obstacle, opportunity, detail, now
    if opportunity:
        session.add(
            CareerEvent(
                person_id=dialogue.person_id,
                dialogue_id=dialogue.id,
                kind=CareerEventKind.STRATEGIC_ASSIGNMENT,
                event_date=now.date(),
                created_at=now,
            )
        )


async def dialogues_of(*, session: AsyncSession, alumna: Person, limit: int = 3) -> list[MentorDialogue]:
    """Her mentor's latest answers, newest first."""
    rows = await session.scalars(
        select(MentorDialogue)
        .where(MentorDialogue.person_id == alumna.id, MentorDialogue.answered_at.is_not(None))
        .order_by(MentorDialogue.answered_at.desc())
        .limit(limit)
        .options(selectinload(MentorDialogue.link))
    )
    return list(rows)
