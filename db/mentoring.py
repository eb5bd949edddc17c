"""Alumni mentoring alumni: offers, requests, the matching that suggests up to three mentors, and pairs.

A match needs a topic in common, a mentor at the same or a higher level (when both levels are known)
and room in her capacity. Among those, shared topics count most, then the level, then the same time
zone (the nearest the bot knows to a region); each suggestion carries the reasons for its one line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from db.models import (
    CompetencyDomain,
    GalleryTheme,
    Membership,
    MentoringOffer,
    MentoringPair,
    MentoringRequest,
    PairStatus,
    Person,
    PositionLevel,
    Role,
)
from db.plans import current_pap
from db.schedule import add_months
from db.status import ProjectStatus, standing_of

TOPICS = [d.value for d in CompetencyDomain] + [t.value for t in GalleryTheme]
CAPACITIES = (1, 2, 3, 5)
SUGGESTED = 3
RANK = {level: n for n, level in enumerate([PositionLevel.PELAKSANA, PositionLevel.FUNGSIONAL, PositionLevel.PENGAWAS,
                                            PositionLevel.ADMINISTRATOR, PositionLevel.PIMPINAN_TINGGI])}  # fmt: skip
LIVE = (PairStatus.ASKED, PairStatus.ACTIVE)


@dataclass(frozen=True)
class Match:
    offer: MentoringOffer
    shared: list[str]  # topics in common, in TOPICS order
    higher_or_same: bool  # her level is known and at least the mentee's
    same_zone: bool
    room: int  # mentees she can still take

    @property
    def score(self) -> int:
        return 3 * len(self.shared) + 2 * self.higher_or_same + self.same_zone


async def may_offer(*, session: AsyncSession, person: Person, today: date) -> bool:
    """Her PAP is done, or her cohort's monitoring is over (an earlier cohort)."""
    pap = await current_pap(session=session, telegram_id=person.telegram_id)
    if pap is not None and (await standing_of(session=session, pap=pap, today=today)).status == ProjectStatus.DONE:
        return True
    return pap is not None and add_months(pap.cohort.training_end, pap.cohort.monitoring_months) < today


async def offer_of(*, session: AsyncSession, person: Person) -> MentoringOffer | None:
    return await session.scalar(select(MentoringOffer).where(MentoringOffer.person_id == person.id, MentoringOffer.withdrawn_at.is_(None)))


async def save_offer(*, session: AsyncSession, person: Person, topics: list[str], capacity: int, now: datetime) -> MentoringOffer:
    offer = await session.scalar(select(MentoringOffer).where(MentoringOffer.person_id == person.id))
    if offer is None:
        offer = MentoringOffer(person_id=person.id, created_at=now)
        session.add(offer)
    offer.topics, offer.capacity, offer.withdrawn_at = [t for t in TOPICS if t in topics], capacity, None
    await session.flush()
    return offer


async def withdraw_offer(*, session: AsyncSession, person: Person, now: datetime) -> None:
    offer = await offer_of(session=session, person=person)
    if offer is not None:
        offer.withdrawn_at = now


async def save_request(*, session: AsyncSession, person: Person, topics: list[str], now: datetime) -> MentoringRequest:
    request = await session.scalar(select(MentoringRequest).where(MentoringRequest.person_id == person.id))
    if request is None:
        request = MentoringRequest(person_id=person.id, created_at=now)
        session.add(request)
    request.topics, request.created_at = [t for t in TOPICS if t in topics], now
    await session.flush()
    return request


async def suggest(*, session: AsyncSession, mentee: Person, topics: list[str], limit: int = SUGGESTED) -> list[Match]:
    """The best mentors for these topics, at most `limit`, best first."""
    taken = dict(
        (
            await session.execute(
                select(MentoringPair.mentor_id, func.count()).where(MentoringPair.status.in_(LIVE)).group_by(MentoringPair.mentor_id)
            )
        ).all()
    )
    mine = set(
        await session.scalars(select(MentoringPair.mentor_id).where(MentoringPair.mentee_id == mentee.id, MentoringPair.status.in_(LIVE)))
    )
    offers = await session.scalars(
        select(MentoringOffer)
        .join(Person, Person.id == MentoringOffer.person_id)
        .where(MentoringOffer.withdrawn_at.is_(None), MentoringOffer.person_id != mentee.id, Person.active, Person.consent_at.is_not(None))
        .options(selectinload(MentoringOffer.person))
    )
    wanted, level = set(topics), RANK.get(mentee.position_level) if mentee.position_level else None
    matches = []
    for offer in offers:
        shared = [t for t in TOPICS if t in wanted and t in offer.topics]
        theirs = RANK.get(offer.person.position_level) if offer.person.position_level else None
        room = offer.capacity - taken.get(offer.person_id, 0)
        if not shared or room <= 0 or offer.person_id in mine or (level is not None and theirs is not None and theirs < level):
            continue
        matches.append(Match(offer, shared, level is not None and theirs is not None, offer.person.timezone == mentee.timezone, room))
    matches.sort(key=lambda m: (-m.score, -m.room, m.offer.person.name))
    return matches[:limit]


async def ask(*, session: AsyncSession, mentee: Person, mentor_id: int, now: datetime) -> MentoringPair | None:
    """Her request to one suggested mentor, with the topics of her search; None when it no longer fits."""
    request = await session.scalar(select(MentoringRequest).where(MentoringRequest.person_id == mentee.id))
    if request is None:
        return None
    match = next(
        (m for m in await suggest(session=session, mentee=mentee, topics=request.topics, limit=100) if m.offer.person_id == mentor_id), None
    )
    if match is None:
        return None
    hers = select(Membership.cohort_id).where(Membership.person_id == mentee.id, Membership.role == Role.ALUMNI)
    together = await session.scalar(select(Membership.id).where(Membership.person_id == mentor_id, Membership.cohort_id.in_(hers)).limit(1))
    pair = MentoringPair(
        mentor_id=mentor_id, mentee_id=mentee.id, topics=match.shared, cross_cohort=together is None, status=PairStatus.ASKED, asked_at=now
    )
    session.add(pair)
    await session.flush()
    pair.mentor, pair.mentee = match.offer.person, mentee
    return pair


async def pair_of(*, session: AsyncSession, pair_id: int, person: Person) -> MentoringPair | None:
    """A pair she is in, either side."""
    pair = await session.scalar(
        select(MentoringPair)
        .where(MentoringPair.id == pair_id)
        .options(selectinload(MentoringPair.mentor), selectinload(MentoringPair.mentee))
    )
    return pair if pair is not None and person.id in (pair.mentor_id, pair.mentee_id) else None


async def pairs_of(*, session: AsyncSession, person: Person) -> list[MentoringPair]:
    rows = await session.scalars(
        select(MentoringPair)
        .where((MentoringPair.mentor_id == person.id) | (MentoringPair.mentee_id == person.id), MentoringPair.status.in_(LIVE))
        .order_by(MentoringPair.id)
        .options(selectinload(MentoringPair.mentor), selectinload(MentoringPair.mentee))
    )
    return list(rows)
