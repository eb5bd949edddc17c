"""A demo cohort for the playground: six weeks past training, with projects in every state."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from db.coaching import link_chat
from db.cohorts import create_cohort
from db.enrolment import AlumnaPlan, MilestonePlan, enrol_alumna, enrol_coach, give_consent
from db.logbook import create_entry
from db.models import ChatPurpose, Cohort, MilestoneStatus, PositionLevel

DEMO_ALUMNAE = [  # name, days since her last logbook entry (None: none since training), milestones done
    ("Ratna Sari", 2, False),
    ("Dewi Lestari", None, False),
    ("Maya Putri", 5, False),
    ("Wulan Dari", 10, True),
]


async def seed_demo_cohort(
    session: AsyncSession, now: datetime, *, alumni_code: str, coach_code: str, coach_id: int, group_id: int
) -> Cohort:
    today = now.date()
    cohort = await create_cohort(session=session, name="Angkatan Demo", training_end=today - timedelta(weeks=6), months=3, now=now)
    cohort.alumni_code, cohort.coach_code = alumni_code, coach_code
    await enrol_coach(
        session=session, telegram_id=coach_id, cohort=cohort, name="Coach Demo", locale="id", timezone="Asia/Jakarta", now=now
    )
    await link_chat(session=session, cohort=cohort, chat_id=group_id, purpose=ChatPurpose.COACH_GROUP, by=coach_id, now=now)
    for number, (name, last_entry_days, done) in enumerate(DEMO_ALUMNAE):
        telegram_id = 900_000 + number
        await give_consent(session=session, telegram_id=telegram_id, name=name, locale="id", timezone="Asia/Jakarta", now=now)
        first_due = cohort.training_end + timedelta(days=30 if number != 2 else 21)  # Maya's first is overdue
        plan = AlumnaPlan(
            name=name,
            agency="Pemerintah Kota Demo",
            work_unit="Dinas Pelayanan",
            position_level=PositionLevel.PENGAWAS,
            timezone="Asia/Jakarta",
            title=f"Layanan ramah keluarga ({name.split()[0]})",
            problem="Antrean panjang",
            goal="Memangkas waktu layanan",
            indicator="Waktu layanan",
            baseline="14 hari",
            target="3 hari",
            resources="Tim 4 orang",
            relevance="Mandat pelayanan; PUG",
            end_date=cohort.training_end + timedelta(days=90),
            milestones=[MilestonePlan("Pemetaan proses", first_due), MilestonePlan("Uji coba layanan", first_due + timedelta(days=40))],
            reflection_weekday=4,
            reflection_time=time(15, 0),
        )
        pap = await enrol_alumna(session=session, telegram_id=telegram_id, cohort=cohort, plan=plan, now=now)
        await session.refresh(pap, ["milestones"])
        if done:
            for milestone in pap.milestones:
                milestone.status, milestone.progress = MilestoneStatus.DONE, 100
        if last_entry_days is not None:
            await create_entry(
                session=session,
                pap=pap,
                milestone_id=pap.milestones[0].id,
                text="Rapat koordinasi tim layanan",
                progress=100 if done else 40,
                milestone_done=done,
                obstacles=None,
                support=None,
                evidence=[],
                now=now - timedelta(days=last_entry_days),
            )
    await session.flush()
    return cohort
