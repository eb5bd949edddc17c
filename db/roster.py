"""A cohort's class list, imported by organizers: one personal, single-use invite code per participant.

The code opens the same onboarding as the cohort's alumni link, with her name, NIP, agency and work
unit already filled in from the list. The first person to open it claims it; nobody else can.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.cohorts import new_invite_code
from db.models import Cohort, Membership, Person, Role, RosterEntry


@dataclass(frozen=True)
class Participant:
    """One valid row of a class list."""

    name: str
    nip: str | None = None
    agency: str | None = None
    work_unit: str | None = None
    email: str | None = None
    phone: str | None = None


async def nips_on_roster(*, session: AsyncSession, cohort_id: int) -> set[str]:
    return {nip for nip in await session.scalars(select(RosterEntry.nip).where(RosterEntry.cohort_id == cohort_id)) if nip}


async def import_roster(*, session: AsyncSession, cohort: Cohort, participants: list[Participant], now: datetime) -> list[RosterEntry]:
    """Add them to the cohort's list, each with a new personal code; the caller checked the NIPs."""
    entries = [RosterEntry(cohort_id=cohort.id, code=new_invite_code(), created_at=now, **vars(p)) for p in participants]
    session.add_all(entries)
    await session.flush()
    return entries


@dataclass(frozen=True)
class RosterLine:
    entry: RosterEntry
    joined: bool  # whoever opened her code is enrolled in the cohort


async def roster_of(*, session: AsyncSession, cohort_id: int) -> list[RosterLine]:
    enrolled = (
        select(Person.telegram_id)
        .join(Membership, Membership.person_id == Person.id)
        .where(Membership.cohort_id == cohort_id, Membership.role == Role.ALUMNI)
    )
    rows = await session.execute(
        select(RosterEntry, RosterEntry.telegram_id.in_(enrolled))
        .where(RosterEntry.cohort_id == cohort_id)
        .order_by(RosterEntry.name, RosterEntry.id)
    )
    return [RosterLine(entry, bool(joined)) for entry, joined in rows.all()]


async def entry_by_code(*, session: AsyncSession, code: str) -> RosterEntry | None:
    return await session.scalar(select(RosterEntry).where(RosterEntry.code == code))


async def claim_entry(*, session: AsyncSession, entry: RosterEntry, telegram_id: int, now: datetime) -> bool:
    """She opened her personal link: hers from now on. False when someone else opened it first.

    One UPDATE … WHERE unclaimed or hers, so two people opening it at once cannot both have it."""
    claimed = await session.execute(
        update(RosterEntry)
        .where(RosterEntry.id == entry.id, (RosterEntry.telegram_id.is_(None)) | (RosterEntry.telegram_id == telegram_id))
        .values(telegram_id=telegram_id, claimed_at=now)
        .returning(RosterEntry.id)
        .execution_options(synchronize_session=False)
    )
    return claimed.scalar_one_or_none() is not None
