"""Seed data straight through the services, for tests that start past onboarding."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy.ext.asyncio import AsyncSession

from db.checkins import plan_checkins
from db.cohorts import create_cohort
from db.enrolment import AlumnaPlan, MilestonePlan, enrol_alumna, give_consent
from db.models import Cohort, Person, PositionLevel
from db.reminders import replan_reflection_reminders


async def cohort(
    session: AsyncSession, now: datetime, *, name: str = "Angkatan I 2026", training_end: date = date(2026, 2, 20), months: int = 6
) -> Cohort:
    return await create_cohort(session=session, name=name, training_end=training_end, months=months, now=now)


async def alumna(
    session: AsyncSession,
    now: datetime,
    cohort: Cohort,
    telegram_id: int,
    *,
    name: str = "Sari",
    zone: str = "Asia/Jakarta",
    weekday: int = 4,
    at: time = time(15, 0),
    locale: str = "id",
    checkins: bool = False,
    reminders: bool = True,
) -> Person:
    """An enrolled alumna with a PAP of two milestones and her first reminder planned (unless her
    reminders are off)."""
    await give_consent(session=session, telegram_id=telegram_id, name=name, locale=locale, timezone=zone, now=now)
    plan = AlumnaPlan(
        name=name,
        agency="Dinas A",
        work_unit="Bidang B",
        position_level=PositionLevel.PENGAWAS,
        timezone=zone,
        title=f"PAP {name}",
        problem="Masalah",
        goal="Tujuan",
        indicator="Indikator",
        baseline="10",
        target="5",
        resources="Dukungan",
        relevance="Relevan",
        end_date=date(2026, 8, 20),
        milestones=[MilestonePlan("Tahap 1", date(2026, 3, 15)), MilestonePlan("Tahap 2", date(2026, 5, 15))],
        reflection_weekday=weekday,
        reflection_time=at,
    )
    pap = await enrol_alumna(session=session, telegram_id=telegram_id, cohort=cohort, plan=plan, now=now)
    pap.person.reminders_on = reminders
    await replan_reflection_reminders(session=session, person=pap.person, now=now)
    if checkins:
        await plan_checkins(session=session, person=pap.person, cohort=cohort, now=now)
    return pap.person
