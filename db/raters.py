"""Supervisor, peer and work-unit feedback, anonymous by design.

She opens a round (at the 3-month check-in, or from /umpan_balik): three personal links, valid 30
days. A round's answers are released only once it is closed (she closes it, or its 30 days pass) and
only when at least three different people answered it. Nothing of an open round is shown, so no two
readings can be subtracted to reveal the latest answer. One Telegram account answers a round once,
whichever role link it opened; she cannot rate herself, nor can a coach of her cohort. Averages are
rounded to one decimal; comments are shown sorted, never in the order they came, never with a name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Select, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from db.cohorts import new_invite_code
from db.models import FeedbackRound, Membership, Person, RaterLink, RaterResponse, RaterRole, Role

ROUND_LENGTH = timedelta(days=30)
MIN_RATERS = 3
CODE_PREFIX = "r_"  # /start r_<code> opens a rater link; invite codes never start with it
QUESTIONS = ("communication", "collaboration", "initiative", "service_effect", "overall")


async def open_round(*, session: AsyncSession, person_id: int, now: datetime) -> FeedbackRound | None:
    """Her round still taking answers, if any."""
    return await session.scalar(
        select(FeedbackRound)
        .where(FeedbackRound.person_id == person_id, FeedbackRound.closed_at.is_(None), FeedbackRound.closes_at > now)
        .order_by(FeedbackRound.id.desc())
        .limit(1)
    )


async def issue_links(*, session: AsyncSession, person_id: int, now: datetime) -> list[RaterLink]:
    """Her three links (supervisor, peer, unit) in her open round; a new round when none is open."""
    current = await open_round(session=session, person_id=person_id, now=now)
    if current is None:
        current = FeedbackRound(person_id=person_id, opened_at=now, closes_at=now + ROUND_LENGTH)
        session.add(current)
        await session.flush()
    links = list(await session.scalars(select(RaterLink).where(RaterLink.round_id == current.id).order_by(RaterLink.id)))
    have = {link.role for link in links}
    for role in RaterRole:
        if role not in have:
            link = RaterLink(
                person_id=person_id, round_id=current.id, role=role, code=CODE_PREFIX + new_invite_code(), created_at=now,
                expires_at=current.closes_at,
            )  # fmt: skip
            session.add(link)
            links.append(link)
    await session.flush()
    return sorted(links, key=lambda link: list(RaterRole).index(link.role))


async def close_round(*, session: AsyncSession, person_id: int, now: datetime) -> FeedbackRound | None:
    """She closes her open round early: from now on it takes no answers, and its result is released."""
    current = await open_round(session=session, person_id=person_id, now=now)
    if current is not None:
        current.closed_at = now
    return current


class LinkRefused(Exception):
    """The key of the message that says why: unknown, expired, her own, a coach's, or already answered."""


async def open_link(*, session: AsyncSession, code: str, rater_telegram_id: int, now: datetime) -> RaterLink:
    link = await session.scalar(
        select(RaterLink).where(RaterLink.code == code).options(selectinload(RaterLink.person), selectinload(RaterLink.round))
    )
    if link is None:
        raise LinkRefused("rater.unknown")
    if link.round.closed(now):
        raise LinkRefused("rater.expired")
    if link.person.telegram_id == rater_telegram_id:
        raise LinkRefused("rater.own_link")
    if await _coaches_her(session, rater_telegram_id, link.person_id):
        raise LinkRefused("rater.coach")
    answered = select(RaterResponse.id).where(RaterResponse.round_id == link.round_id, RaterResponse.rater_telegram_id == rater_telegram_id)
    if await session.scalar(answered):
        raise LinkRefused("rater.already")
    return link


async def _coaches_her(session: AsyncSession, telegram_id: int, person_id: int) -> bool:
    her_cohorts = select(Membership.cohort_id).where(Membership.person_id == person_id, Membership.role == Role.ALUMNI)
    coach = (
        select(Membership.id)
        .join(Person)
        .where(Person.telegram_id == telegram_id, Membership.role == Role.COACH, Membership.cohort_id.in_(her_cohorts))
        .limit(1)
    )
    return await session.scalar(coach) is not None


async def save_response(
    *, session: AsyncSession, link_id: int, rater_telegram_id: int, scores: dict[str, int], comment: str | None, now: datetime
) -> bool:
    """Store one rater's answers; False when this account already answered the round, or it closed."""
    if set(scores) != set(QUESTIONS) or not all(1 <= v <= 5 for v in scores.values()):
        raise ValueError("five scores from 1 to 5 are needed")
    link = await session.scalar(select(RaterLink).where(RaterLink.id == link_id).options(selectinload(RaterLink.round)))
    if link is None or link.round.closed(now):
        return False
    try:
        async with session.begin_nested():
            session.add(
                RaterResponse(
                    link_id=link_id, round_id=link.round_id, rater_telegram_id=rater_telegram_id, comment=comment, created_at=now, **scores
                )
            )
    except IntegrityError:
        return False
    return True


def released_rounds(now: datetime) -> Select[int]:
    """The rounds whose answers may be shown: closed, with at least MIN_RATERS answers."""
    closed = or_(FeedbackRound.closed_at.is_not(None), FeedbackRound.closes_at <= now)
    enough = select(RaterResponse.round_id).group_by(RaterResponse.round_id).having(func.count() >= MIN_RATERS)
    return select(FeedbackRound.id).where(closed, FeedbackRound.id.in_(enough))


@dataclass(frozen=True)
class RoundResult:
    """What a closed round may show: nothing at all below MIN_RATERS."""

    round_id: int
    opened_at: datetime
    closed_at: datetime
    raters: int
    averages: dict[str, float] | None  # None: fewer than MIN_RATERS answered
    comments: list[str] = field(default_factory=list)


async def released(*, session: AsyncSession, person_id: int, now: datetime) -> list[RoundResult]:
    """Her closed rounds, newest first, each with its averages and comments when it had enough raters."""
    rounds = list(
        await session.scalars(select(FeedbackRound).where(FeedbackRound.person_id == person_id).order_by(FeedbackRound.id.desc()))
    )
    results = []
    for current in rounds:
        if not current.closed(now):
            continue
        columns = [func.avg(getattr(RaterResponse, q)) for q in QUESTIONS]
        row = (await session.execute(select(func.count(RaterResponse.id), *columns).where(RaterResponse.round_id == current.id))).one()
        count = int(row[0])
        ended = current.closed_at or current.closes_at
        if count < MIN_RATERS:
            results.append(RoundResult(current.id, current.opened_at, ended, count, None))
            continue
        comments = [c for c in await session.scalars(select(RaterResponse.comment).where(RaterResponse.round_id == current.id)) if c]
        averages = {q: round(float(v), 1) for q, v in zip(QUESTIONS, row[1:], strict=True)}
        results.append(RoundResult(current.id, current.opened_at, ended, count, averages, sorted(comments, key=str.casefold)))
    return results


async def latest_result(*, session: AsyncSession, person_id: int, now: datetime) -> RoundResult | None:
    """Her newest closed round that had enough raters to be shown."""
    return next((r for r in await released(session=session, person_id=person_id, now=now) if r.averages is not None), None)
