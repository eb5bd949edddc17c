"""Supervisor, peer and work-unit feedback through personal links; only aggregates are shown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from db.cohorts import new_invite_code
from db.models import RaterLink, RaterResponse, RaterRole

LINK_LIFETIME = timedelta(days=30)
MIN_RATERS = 3
CODE_PREFIX = "r_"  # /start r_<code> opens a rater link; invite codes never start with it
QUESTIONS = ("communication", "collaboration", "initiative", "service_effect", "overall")


async def current_links(*, session: AsyncSession, person_id: int, now: datetime) -> list[RaterLink]:
    rows = await session.scalars(
        select(RaterLink).where(RaterLink.person_id == person_id, RaterLink.expires_at > now).order_by(RaterLink.id)
    )
    return list(rows)


async def issue_links(*, session: AsyncSession, person_id: int, now: datetime) -> list[RaterLink]:
    """Her three links (supervisor, peer, unit); still-valid ones are reused, not multiplied."""
    links = await current_links(session=session, person_id=person_id, now=now)
    have = {link.role for link in links}
    for role in RaterRole:
        if role not in have:
            link = RaterLink(
                person_id=person_id, role=role, code=CODE_PREFIX + new_invite_code(), created_at=now, expires_at=now + LINK_LIFETIME
            )
            session.add(link)
            links.append(link)
    await session.flush()
    return sorted(links, key=lambda link: list(RaterRole).index(link.role))


class LinkRefused(Exception):
    """The key of the message that says why: unknown, expired, or already answered."""


async def open_link(*, session: AsyncSession, code: str, rater_telegram_id: int, now: datetime) -> RaterLink:
    link = await session.scalar(select(RaterLink).where(RaterLink.code == code).options(selectinload(RaterLink.person)))
    if link is None:
        raise LinkRefused("rater.unknown")
    if link.expires_at <= now:
        raise LinkRefused("rater.expired")
    if link.person.telegram_id == rater_telegram_id:
        raise LinkRefused("rater.own_link")
    if await session.scalar(
        select(RaterResponse.id).where(RaterResponse.link_id == link.id, RaterResponse.rater_telegram_id == rater_telegram_id)
    ):
        raise LinkRefused("rater.already")
    return link


async def save_response(
    *, session: AsyncSession, link_id: int, rater_telegram_id: int, scores: dict[str, int], comment: str | None, now: datetime
) -> bool:
    """Store one rater's answers; False when this rater already answered this link."""
    if set(scores) != set(QUESTIONS) or not all(1 <= v <= 5 for v in scores.values()):
        raise ValueError("five scores from 1 to 5 are needed")
    try:
        async with session.begin_nested():
            session.add(RaterResponse(link_id=link_id, rater_telegram_id=rater_telegram_id, comment=comment, created_at=now, **scores))
    except IntegrityError:
        return False
    return True


@dataclass(frozen=True)
class Aggregate:
    raters: int
    averages: dict[str, float] | None  # None until MIN_RATERS have answered


async def aggregate(*, session: AsyncSession, person_id: int) -> Aggregate:
    columns = [func.avg(getattr(RaterResponse, q)) for q in QUESTIONS]
    row = (
        await session.execute(select(func.count(RaterResponse.id), *columns).join(RaterLink).where(RaterLink.person_id == person_id))
    ).one()
    count = int(row[0])
    if count < MIN_RATERS:
        return Aggregate(count, None)
    return Aggregate(count, {q: round(float(v), 1) for q, v in zip(QUESTIONS, row[1:], strict=True)})
