"""Who may coach: requests an organizer approves or declines, revocations, and rotating a cohort's
invite codes; each written to the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from db.audit import record
from db.cohorts import new_invite_code
from db.enrolment import enrol_coach
from db.models import AuditAction, CoachRequest, Cohort, Membership, Person, RequestStatus, Role


async def waiting_request(*, session: AsyncSession, cohort_id: int, telegram_id: int) -> CoachRequest | None:
    return await session.scalar(
        select(CoachRequest).where(
            CoachRequest.cohort_id == cohort_id, CoachRequest.telegram_id == telegram_id, CoachRequest.status == RequestStatus.PENDING
        )
    )


async def request_coach(
    *, session: AsyncSession, cohort: Cohort, telegram_id: int, name: str, locale: str, now: datetime
) -> CoachRequest | None:
    """Her request to coach `cohort`; None when one is already waiting."""
    if await waiting_request(session=session, cohort_id=cohort.id, telegram_id=telegram_id) is not None:
        return None
    made = CoachRequest(
        cohort_id=cohort.id, telegram_id=telegram_id, name=name, locale=locale, status=RequestStatus.PENDING, requested_at=now
    )
    session.add(made)
    await session.flush()
    return made


async def find_request(*, session: AsyncSession, request_id: int) -> CoachRequest | None:
    return await session.scalar(select(CoachRequest).where(CoachRequest.id == request_id).options(selectinload(CoachRequest.cohort)))


async def decide(*, session: AsyncSession, request: CoachRequest, approve: bool, by: int, timezone: str, now: datetime) -> bool:
    """Approve (she becomes a coach of the cohort) or decline; False when it was already decided."""
    if request.status != RequestStatus.PENDING:
        return False
    request.status = RequestStatus.APPROVED if approve else RequestStatus.DECLINED
    request.decided_by, request.decided_at = by, now
    if approve:
        await enrol_coach(
            session=session, telegram_id=request.telegram_id, cohort=request.cohort, name=request.name, locale=request.locale,
            timezone=timezone, now=now,
        )  # fmt: skip
    action = AuditAction.COACH_APPROVED if approve else AuditAction.COACH_DECLINED
    await record(session=session, action=action, actor=by, now=now, cohort_id=request.cohort_id, subject=request.telegram_id)
    return True


@dataclass(frozen=True)
class CoachView:
    membership_id: int
    telegram_id: int
    name: str
    cohort: str


async def coaches(*, session: AsyncSession, cohort_ids: list[int] | None = None) -> list[CoachView]:
    query = (
        select(Membership.id, Person.telegram_id, Person.name, Cohort.name)
        .join(Person, Membership.person_id == Person.id)
        .join(Cohort, Membership.cohort_id == Cohort.id)
        .where(Membership.role == Role.COACH)
        .order_by(Cohort.training_end.desc(), Person.name)
    )
    if cohort_ids is not None:
        query = query.where(Membership.cohort_id.in_(cohort_ids))
    return [CoachView(*row) for row in (await session.execute(query)).all()]


async def pending_requests(*, session: AsyncSession) -> list[CoachRequest]:
    return list(
        await session.scalars(
            select(CoachRequest)
            .where(CoachRequest.status == RequestStatus.PENDING)
            .options(selectinload(CoachRequest.cohort))
            .order_by(CoachRequest.requested_at)
        )
    )


async def revoke(*, session: AsyncSession, membership_id: int, by: int | None, now: datetime) -> CoachView | None:
    """Take a coach's rights in one cohort away, at once; None when there is no such coach."""
    found = [c for c in await coaches(session=session) if c.membership_id == membership_id]
    membership = await session.get(Membership, membership_id)
    if not found or membership is None:
        return None
    await session.execute(delete(Membership).where(Membership.id == membership_id))
    await record(
        session=session, action=AuditAction.COACH_REVOKED, actor=by, now=now, cohort_id=membership.cohort_id, subject=found[0].telegram_id
    )
    return found[0]


async def rotate_codes(*, session: AsyncSession, cohort: Cohort, which: str, by: int | None, now: datetime) -> Cohort:
    """New invite codes for `which` ("alumni", "coach" or "both"): the old ones stop working at once."""
    if which not in ("alumni", "coach", "both"):
        raise ValueError(f"which codes? {which!r}")
    if which in ("alumni", "both"):
        cohort.alumni_code = new_invite_code()
    if which in ("coach", "both"):
        cohort.coach_code = new_invite_code()
    await record(session=session, action=AuditAction.CODES_ROTATED, actor=by, now=now, cohort_id=cohort.id, detail=which)
    await session.flush()
    return cohort
