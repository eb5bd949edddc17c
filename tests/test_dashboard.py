"""The dashboard's numbers and doors, against the database: tiles that never disagree with `ecoach
report`, login links spent once within ten minutes, and a coach who sees only her cohorts."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.kernel.clock import FrozenClock
from bot.kernel.i18n import Texts
from bot.kernel.settings import Settings
from db.access import revoke
from db.coaching import stalled_page
from db.dashboard import NO_COACH, Overview, Sort, Tally, cohort_coaches, cohort_page, cohort_tally, overview, share
from db.engine import create_engine, session_factory
from db.models import CoachingMessage, Cohort, Membership, Nudge, Role
from db.report import cohort_report
from db.status import ProjectStatus
from db.web import LINK_LIFETIME, SESSION_LIFETIME, end_session, issue_link, may_log_in, redeem_link, viewer
from tests.support.bots import InProcessBot
from tests.support.dashboard import organizer_client
from tests.support.inprocess import say
from tests.support.seeds import COACHING_NOW, REPORT_NOW, coaching_cohort, report_cohort
from web.app import Web, build_web
from web.freshness import OverviewCache

ORGANIZERS = frozenset({900001})


async def test_the_tiles_count_what_the_report_counts(session: AsyncSession, tmp_path: Path) -> None:
    cohort = await report_cohort(session, tmp_path)
    indicators, _ = await cohort_report(session=session, cohort=cohort, now=REPORT_NOW)
    tally = await cohort_tally(session=session, cohort=cohort, now=REPORT_NOW)
    assert tally.alumnae == indicators.alumnae == 4
    assert share(tally.promoted, tally.alumnae) == indicators.promoted_or_assigned == 0.25
    assert share(tally.implemented, tally.alumnae) == indicators.pap_implementation == 0.75
    assert share(tally.checkins_answered, tally.checkins_due) == indicators.checkin_response == 0.5
    assert share(tally.forum, tally.alumnae) == indicators.forum_participation == 0.25
    assert share(tally.quiz, tally.enrolled) == indicators.cop_engagement == 0.25
    summary = await overview(session=session, cohorts=[cohort], now=REPORT_NOW)
    assert summary.perception == {"supervisor": None, "peer": 4.0, "unit": None}  # three peers, closed: 4, 5, 3
    # Within the 12 weeks from Monday 11 May: A's entry, her two reflections and her answer of 1 June, D's of 20 July.
    assert sum(count for _, count in summary.weeks) == 5


async def test_a_cohort_page_filters_to_stalled_in_the_shared_status_model(session: AsyncSession) -> None:
    ids = await coaching_cohort(session)
    cohort = await session.get(Cohort, ids["cohort_id"])
    assert cohort is not None
    stalled = await cohort_page(session=session, cohort=cohort, today=COACHING_NOW.date(), status=ProjectStatus.STALLED)
    mandek = await stalled_page(session=session, cohort=cohort, today=COACHING_NOW.date())
    assert [row.name for row in stalled.rows] == [row.name for row in mandek.rows] == ["Budi", "Dewi"]  # as /mandek lists them
    assert all(row.standing.status == ProjectStatus.STALLED for row in stalled.rows)
    everyone = await cohort_page(session=session, cohort=cohort, today=COACHING_NOW.date())
    assert [row.standing.status for row in everyone.rows] == [
        ProjectStatus.STALLED,
        ProjectStatus.STALLED,
        ProjectStatus.LATE,
        ProjectStatus.ON_TRACK,
        ProjectStatus.DONE,
    ]
    assert everyone.total == 5 and everyone.agencies == ["Dinas A"]


async def test_a_login_link_opens_one_session_once_and_only_for_ten_minutes(session: AsyncSession) -> None:
    await coaching_cohort(session)
    now = COACHING_NOW
    assert not await may_log_in(session=session, telegram_id=7000, organizers=ORGANIZERS)  # an alumna
    token = await issue_link(session=session, telegram_id=900001, now=now)
    opened = await redeem_link(session=session, token=token, locale="id", now=now)
    assert opened is not None
    assert await redeem_link(session=session, token=token, locale="id", now=now + timedelta(minutes=2)) is None  # spent
    late = await issue_link(session=session, telegram_id=900001, now=now)
    assert await redeem_link(session=session, token=late, locale="id", now=now + LINK_LIFETIME) is None  # ten minutes: over
    assert await redeem_link(session=session, token="guessed", locale="id", now=now) is None
    who = await viewer(session=session, token=opened, organizers=ORGANIZERS, now=now + SESSION_LIFETIME - timedelta(seconds=1))
    assert who is not None and who.organizer
    assert await viewer(session=session, token=opened, organizers=ORGANIZERS, now=now + SESSION_LIFETIME) is None  # 8 hours: over
    await end_session(session=session, session_id=who.session_id, now=now)
    assert await viewer(session=session, token=opened, organizers=ORGANIZERS, now=now) is None  # logged out


async def test_a_coach_sees_her_cohort_only_and_nothing_once_revoked(session: AsyncSession) -> None:
    ids = await coaching_cohort(session)
    token = await redeem_link(
        session=session, token=await issue_link(session=session, telegram_id=7100, now=COACHING_NOW), locale="id", now=COACHING_NOW
    )
    assert token is not None
    who = await viewer(session=session, token=token, organizers=ORGANIZERS, now=COACHING_NOW)
    assert who is not None and not who.organizer
    assert who.may_see(ids["cohort_id"])
    other = await session.scalar(select(Cohort.id).where(Cohort.id != ids["cohort_id"]))
    assert other is not None and not who.may_see(other)
    membership = await session.scalar(select(Membership.id).where(Membership.role == Role.COACH, Membership.cohort_id == ids["cohort_id"]))
    assert membership is not None
    await revoke(session=session, membership_id=membership, by=900001, now=COACHING_NOW)
    assert await viewer(session=session, token=token, organizers=ORGANIZERS, now=COACHING_NOW) is None  # her session, closed at once


async def test_dasbor_sends_a_working_link_to_organizers_and_coaches_only_and_only_in_private(bot: InProcessBot) -> None:
    async with bot.app.runtime.open_session() as session:
        await coaching_cohort(session)
        await session.commit()
    organizer = bot.double.user(900001, "Penyelenggara")
    assert "belum diaktifkan" in (await say(bot, organizer, "/dasbor")).text  # no ECOACH_WEB_URL or port on this server
    bot.app.runtime.settings.web_url = "https://dasbor.example.go.id"
    reply = await say(bot, organizer, "/dasbor")
    [url] = re.findall(r"https://dasbor\.example\.go\.id/masuk\?t=[\w-]+", reply.text)
    assert "10 menit" in reply.text and "sekali pakai" in reply.text
    coach = bot.double.user(7100, "Coach Rina")
    assert "/masuk?t=" in (await say(bot, coach, "/dashboard")).text
    alumna = bot.double.user(7000, "Ani")
    refused = await say(bot, alumna, "/dasbor")
    assert "/masuk" not in refused.text and "hanya untuk penyelenggara" in refused.text
    group = bot.double.group(-100777, "Coaching Angkatan I")
    coach.send("/dasbor", chat=group, mention=True)
    await bot.run_pending()
    [in_group] = bot.double.sent(-100777)
    assert "/masuk" not in in_group.text and "chat pribadi" in in_group.text  # a login link never goes to a group
    async with bot.app.runtime.open_session() as session:
        token = await redeem_link(session=session, token=url.split("t=")[1], locale="id", now=bot.clock.now())
        assert token is not None
        who = await viewer(session=session, token=token, organizers=ORGANIZERS, now=bot.clock.now())
        assert who is not None and who.telegram_id == 900001 and who.organizer


async def test_the_overview_is_recounted_beside_the_page_once_its_numbers_are_a_minute_old() -> None:
    counts: list[int] = []

    async def count() -> Overview:
        counts.append(len(counts))
        return Overview(total=Tally(alumnae=len(counts)), cohorts=[], perception={}, weeks=[])

    cache, start = OverviewCache(), COACHING_NOW
    first, at = await cache.get((1, 2), start, count)
    assert (first.total.alumnae, at) == (1, start)  # the first view waits for its count
    kept, _ = await cache.get((1, 2), start + timedelta(seconds=59), count)
    assert kept.total.alumnae == 1 and len(counts) == 1  # under a minute: nothing recounted
    stale, _ = await cache.get((1, 2), start + timedelta(seconds=61), count)
    assert stale.total.alumnae == 1  # served at once, with the numbers it has
    await asyncio.sleep(0)  # the recount runs beside it
    fresh, at = await cache.get((1, 2), start + timedelta(seconds=62), count)
    assert (fresh.total.alumnae, at) == (2, start + timedelta(seconds=61))
    other, _ = await cache.get((1,), start + timedelta(seconds=62), count)  # a coach's narrower view: its own count
    assert other.total.alumnae == 3


async def test_the_session_cookie_is_httponly_lax_and_secure_behind_https(session: AsyncSession, settings: Settings) -> None:
    token = await issue_link(session=session, telegram_id=900001, now=COACHING_NOW)
    await session.commit()
    settings.web_url = "https://dasbor.example.go.id"
    engine = create_engine(settings.database_url)
    app = build_web(Web(settings=settings, texts=Texts(), clock=FrozenClock(COACHING_NOW), sessions=session_factory(engine)))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://dasbor.example.go.id") as client:
        page = await client.get(f"/masuk?t={token}&lang=en")
        assert page.status_code == 200 and "Log in to the dashboard" in page.text and token in page.text  # nothing spent yet
        opened = await client.post("/masuk", data={"t": token})
    await engine.dispose()
    assert opened.status_code == 303
    cookie = opened.headers["set-cookie"].lower()
    assert all(part in cookie for part in ("httponly", "samesite=lax", "secure", "max-age=28800", "path=/"))


async def test_a_form_over_a_megabyte_is_refused_before_it_is_read(session: AsyncSession, settings: Settings) -> None:
    await coaching_cohort(session)
    async with organizer_client(session, settings, COACHING_NOW) as client:
        huge = await client.post("/angkatan/1/peserta", files={"file": ("kelas.csv", b"Nama\n" + b"x" * 2_000_000)})
    assert huge.status_code == 413 and "Berkas terlalu besar" in huge.text


async def test_the_cohort_table_filters_by_the_coach_who_worked_with_her_or_by_none(session: AsyncSession) -> None:
    ids = await coaching_cohort(session)
    cohort = await session.get(Cohort, ids["cohort_id"])
    assert cohort is not None
    [(coach_id, _)] = await cohort_coaches(session=session, cohort_id=cohort.id)
    session.add(CoachingMessage(person_id=ids["Ani"], coach_id=coach_id, from_coach=True, text="Semangat", created_at=COACHING_NOW))
    session.add(Nudge(person_id=ids["Budi"], coach_id=coach_id, sent_at=COACHING_NOW))
    session.add(CoachingMessage(person_id=ids["Citra"], coach_id=None, from_coach=False, text="Tanya", created_at=COACHING_NOW))  # hers
    await session.flush()
    today = COACHING_NOW.date()
    worked = await cohort_page(session=session, cohort=cohort, today=today, coach=coach_id, sort=Sort.NAME)
    assert [row.name for row in worked.rows] == ["Ani", "Budi"]
    untouched = await cohort_page(session=session, cohort=cohort, today=today, coach=NO_COACH, sort=Sort.NAME)
    assert [row.name for row in untouched.rows] == ["Citra", "Dewi", "Eka"]  # her own question is not a coach's contact


async def test_an_id_or_page_past_a_database_integer_is_not_found_rather_than_an_error(session: AsyncSession, settings: Settings) -> None:
    await coaching_cohort(session)
    async with organizer_client(session, settings, COACHING_NOW) as client:
        statuses = [(await client.get(path)).status_code for path in ("/angkatan/99999999999", "/alumni/99999999999", "/bukti/99999999999")]
        paged = await client.get("/angkatan/1?page=99999999999999&coach=99999999999999")
    assert statuses == [404, 404, 404]
    assert paged.status_code == 200 and "Budi" in paged.text  # an impossible page or coach: the first page, unfiltered
