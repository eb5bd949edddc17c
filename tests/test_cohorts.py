"""Cohort service: codes, validation, lookup."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from db.cohorts import CohortError, create_cohort, find_invite, list_cohorts
from db.models import Role

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
CODE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


async def test_create_cohort_stores_it_with_unguessable_codes(session: AsyncSession) -> None:
    cohort = await create_cohort(session=session, name="Angkatan I", training_end=date(2026, 10, 1), months=6, now=NOW)
    await session.commit()
    assert CODE.match(cohort.alumni_code) and CODE.match(cohort.coach_code)
    assert cohort.alumni_code != cohort.coach_code
    [stored] = await list_cohorts(session=session)
    assert (stored.name, stored.training_end, stored.monitoring_months) == ("Angkatan I", date(2026, 10, 1), 6)
    assert stored.created_at == NOW and stored.created_at.tzinfo is not None


async def test_codes_differ_between_cohorts(session: AsyncSession) -> None:
    codes = set()
    for number in range(20):
        cohort = await create_cohort(session=session, name=f"A{number}", training_end=date(2026, 1, 1), months=3, now=NOW)
        codes |= {cohort.alumni_code, cohort.coach_code}
    assert len(codes) == 40


@pytest.mark.parametrize(("name", "months"), [("", 3), ("   ", 4), ("x" * 201, 3), ("Angkatan", 2), ("Angkatan", 7)])
async def test_invalid_cohort_is_refused(session: AsyncSession, name: str, months: int) -> None:
    with pytest.raises(CohortError):
        await create_cohort(session=session, name=name, training_end=date(2026, 1, 1), months=months, now=NOW)


async def test_find_invite_tells_alumni_from_coach_codes(session: AsyncSession) -> None:
    cohort = await create_cohort(session=session, name="Angkatan II", training_end=date(2026, 2, 1), months=4, now=NOW)
    await session.commit()
    alumni = await find_invite(session=session, code=cohort.alumni_code)
    coach = await find_invite(session=session, code=cohort.coach_code)
    assert alumni is not None and (alumni.cohort.id, alumni.role) == (cohort.id, Role.ALUMNI)
    assert coach is not None and (coach.cohort.id, coach.role) == (cohort.id, Role.COACH)
    assert await find_invite(session=session, code="not-a-code") is None


def test_invite_codes_never_start_like_an_option() -> None:
    from db.cohorts import new_invite_code

    codes = [new_invite_code() for _ in range(2000)]  # one in 32 would start with '-' or '_' by chance alone
    assert all(len(code) == 12 and code[0].isalnum() for code in codes)
