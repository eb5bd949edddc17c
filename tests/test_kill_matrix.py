"""SIGKILL after every step of every conversation; after each restart she goes on, and nothing is lost."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TypeVar

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.kernel.clock import SystemClock
from db.enrolment import enrol_coach
from db.gallery import answer_replication, ask_to_replicate, publish
from db.models import (
    Booking,
    CheckIn,
    CheckInStatus,
    CoachingSlot,
    Evidence,
    FeedbackRound,
    GalleryTheme,
    LogEntry,
    MentorLink,
    Milestone,
    Notice,
    Pap,
    Person,
    RaterLink,
    RaterResponse,
    RaterRole,
    Reflection,
    Replication,
    SendStatus,
)
from devtools.double import BotApiDouble, FakeUser
from devtools.process import BotProcess
from tests.support import factories
from tests.support.live import query, run

pytestmark = pytest.mark.slow  # the real process over HTTP: `pytest -m "not slow"` leaves it out

T = TypeVar("T")
Step = tuple[str, str, str]  # (say|tap|photo, what, a word of the reply that must follow)


def walk_with_kills(live_bot: BotProcess, user: FakeUser, steps: list[Step]) -> int:
    """Do each step, check the reply, then SIGKILL and restart the bot before the next. Returns the kills."""
    kills = 0
    for action, value, expected in steps:
        if action == "say":
            user.send(value)
        elif action == "tap":
            user.press(value)
        else:
            user.send_photo(value.encode())
        reply = user.next_message(timeout=20)
        assert expected.lower() in reply.text.lower(), f"after {action} {value!r}: {reply.text[:200]!r}"
        live_bot.kill()
        live_bot.start()
        kills += 1
    return kills


def test_kill_at_every_onboarding_step(live_bot: BotProcess, double: BotApiDouble, database_url: str) -> None:
    async def make(session: AsyncSession) -> object:
        return (await factories.cohort(session, SystemClock().now(), training_end=date(2026, 2, 20))).alumni_code

    code = run(database_url, make)
    sari = double.user(9101, "Sari")
    steps: list[Step] = [
        ("say", f"/start {code}", "UU 27/2022"),
        ("tap", "Saya setuju", "nama lengkap"),
        ("say", "Sari Kill", "nama panggilan"),
        ("tap", "Panggil saya Sari", "instansi"),
        ("say", "Dinas K", "unit kerja"),
        ("say", "Unit K", "NIP"),
        ("tap", "Lewati", "jabatan"),
        ("tap", "Pengawas", "zona waktu"),
        ("tap", "WITA", "judul"),
        ("say", "PAP Kill", "Masalah"),
        ("say", "Masalah K", "Spesifik"),
        ("say", "Tujuan K", "Terukur"),
        ("say", "Indikator K", "kondisi awal"),
        ("say", "10", "target"),
        ("say", "2", "Dapat dicapai"),
        ("say", "Sumber K", "Relevan"),
        ("say", "Relevan K", "Berbatas waktu"),
        ("tap", "Pakai", "tahapan 1"),
        ("say", "Tahap A", "Kapan"),
        ("say", "01-03-2026", "tahapan 2"),
        ("say", "Tahap B", "Kapan"),
        ("say", "01-04-2026", "Selesai"),
        ("tap", "Selesai", "Hari apa"),
        ("tap", "Kamis", "Pukul"),
        ("tap", "09.00", "Periksa kembali"),
        ("tap", "Simpan", "Tersimpan"),
    ]
    kills = walk_with_kills(live_bot, sari, steps)
    assert kills == len(steps)
    [(agency, zone)] = query(database_url, select(Person.agency, Person.timezone))
    assert (agency, zone) == ("Dinas K", "Asia/Makassar")
    assert query(database_url, select(Pap.title, Pap.baseline, Pap.target)) == [("PAP Kill", "10", "2")]
    assert query(database_url, select(Milestone.title).order_by(Milestone.due_date)) == [("Tahap A",), ("Tahap B",)]


def test_kill_at_every_reflection_logbook_checkin_and_rater_step(live_bot: BotProcess, double: BotApiDouble, database_url: str) -> None:
    async def make(session: AsyncSession) -> object:
        now = SystemClock().now()
        cohort = await factories.cohort(session, now)
        person = await factories.alumna(session, now, cohort, 9102, name="Rina")
        session.add(
            CheckIn(
                person_id=person.id,
                cohort_id=cohort.id,
                sequence=1,
                kind="regular",
                month=1,
                due_at=now,
                status=CheckInStatus.SENT,
                sent_at=now,
            )
        )
        feedback_round = FeedbackRound(person_id=person.id, opened_at=now, closes_at=now + timedelta(days=30))
        session.add(feedback_round)
        await session.flush()
        session.add(
            RaterLink(
                person_id=person.id,
                round_id=feedback_round.id,
                role=RaterRole.SUPERVISOR,
                code="r_killmatrix01",
                created_at=now,
                expires_at=now + timedelta(days=30),
            )
        )
        return cohort.id

    run(database_url, make)
    rina = double.user(9102, "Rina")
    reflection: list[Step] = [
        ("say", "/refleksi", "1/7"),
        ("say", "Baik K", "2/7"),
        ("say", "Tantangan K", "3/7"),
        ("say", "Belajar K", "4/7"),
        ("tap", "Etika", "5/7"),
        ("tap", "3", "6/7"),
        ("say", "Langkah K", "7/7"),
        ("tap", "Simpan pribadi", "tersimpan"),
    ]
    logbook: list[Step] = [
        ("say", "/logbook", "tahapan mana"),
        ("tap", "Tahap 1", "kerjakan"),
        ("say", "Kegiatan K", "kemajuan"),
        ("tap", "25%", "kendala"),
        ("say", "Kendala K", "Dukungan"),
        ("tap", "Lewati", "Bukti"),
        ("photo", "\xff\xd8 bukti K", "Foto diterima"),
        ("tap", "Selesai", "tersimpan"),
    ]
    checkin: list[Step] = [
        ("say", "/checkin", "1/7"),
        ("tap", "Terlambat", "2/7"),
        ("say", "40", "3/7"),
        ("tap", "Tim", "Ceritakan"),
        ("say", "Tim berganti", "4/7"),
        ("tap", "Tidak untuk saat ini", "5/7"),
        ("tap", "Tidak ada", "6/7"),
        ("tap", "Selesai", "7/7"),
        ("tap", "4", "tersimpan"),
    ]
    kills = sum(walk_with_kills(live_bot, rina, steps) for steps in (reflection, logbook, checkin))
    rater = double.user(9103, "Atasan")
    kills += walk_with_kills(
        live_bot,
        rater,
        [
            ("say", "/start r_killmatrix01", "1/5"),
            ("tap", "5", "2/5"),
            ("tap", "4", "3/5"),
            ("tap", "4", "4/5"),
            ("tap", "3", "5/5"),
            ("tap", "5", "komentar"),
            ("say", "Bagus", "Terima kasih"),
        ],
    )
    assert kills == len(reflection) + len(logbook) + len(checkin) + 7

    assert query(
        database_url, select(Reflection.went_well, Reflection.challenge, Reflection.learned, Reflection.next_step, Reflection.confidence)
    ) == [("Baik K", "Tantangan K", "Belajar K", "Langkah K", 3)]
    assert query(database_url, select(LogEntry.text, LogEntry.progress, LogEntry.obstacles)) == [("Kegiatan K", 25, "Kendala K")]
    assert len(query(database_url, select(Evidence.id))) == 1
    [(status, implementation, obstacle_text, satisfaction)] = query(
        database_url, select(CheckIn.status, CheckIn.implementation, CheckIn.obstacle_text, CheckIn.satisfaction)
    )
    assert (status, implementation, obstacle_text, satisfaction) == (CheckInStatus.ANSWERED, 40, "Tim berganti", 4)
    assert query(database_url, select(RaterResponse.communication, RaterResponse.overall, RaterResponse.comment)) == [(5, 5, "Bagus")]


def test_kill_at_every_step_of_publishing_booking_moving_and_mentor_consent(
    live_bot: BotProcess, double: BotApiDouble, database_url: str
) -> None:
    """No slot, booking, confirmation or reminder twice; the mentor's consent survives a kill too."""
    day = SystemClock().now().date() + timedelta(days=10)

    async def make(session: AsyncSession) -> object:
        now = SystemClock().now()
        cohort = await factories.cohort(session, now)
        await factories.alumna(session, now, cohort, 9103, name="Wulan", reminders=False)
        await enrol_coach(session=session, telegram_id=9104, cohort=cohort, name="Coach K", locale="id", timezone="Asia/Makassar", now=now)
        return cohort.id

    run(database_url, make)
    wulan, coach = double.user(9103, "Wulan"), double.user(9104, "K")
    publish: list[Step] = [
        ("say", "/jadwal", "Belum ada slot"),
        ("tap", "Tambah slot", "Tanggal berapa"),
        ("say", day.strftime("%d-%m-%Y"), "Pukul berapa"),
        ("say", "10.00", "Berapa lama"),
        ("tap", "45 menit", "Ulangi"),
        ("tap", "2 minggu", "Daring atau tatap muka"),
        ("tap", "Daring", "tautan rapat"),
        ("say", "https://meet.google.com/kil-lmat-rix", "2 slot terbit"),
    ]
    walk_with_kills(live_bot, coach, publish)
    booking: list[Step] = [
        ("say", "/sesi_coaching", "Ketuk untuk memesan"),
        ("tap", "· 09.00 · Coach K", "Sesi coaching terjadwal"),
        ("say", "/sesi_coaching", "Sesi Ibu"),
        ("tap", "Pindah", "ke waktu mana"),
        ("tap", "· 09.00 · Coach K", "Sesi coaching dipindahkan"),
        ("say", "/mentor", "Atasan sebagai mentor"),
        ("tap", "Undang atasan", "start="),
    ]
    walk_with_kills(live_bot, wulan, booking)
    invitation = next(sent for sent in reversed(wulan.messages()) if "start=" in sent.text)  # the edit marking her tap follows it
    code = next(word for word in invitation.text.split() if "start=" in word).split("start=")[1]
    boss = double.user(9105, "Bos")
    walk_with_kills(live_bot, boss, [("say", f"/start {code}", "Bersedia menjadi mentor"), ("tap", "Saya bersedia", "kini mentor PAP")])
    assert len(query(database_url, select(CoachingSlot.id))) == 2
    assert query(database_url, select(Booking.ended)) == [(None,)]
    assert len([m for m in coach.messages() if m.method == "sendDocument"]) == 2  # booked, then moved: once each
    assert len([m for m in wulan.messages() if m.method == "sendDocument"]) == 2
    pending = query(database_url, select(Notice.due_at).where(Notice.status == SendStatus.PENDING, Notice.topic.is_not(None)))
    assert len(pending) == 5  # 24 h and 1 h before, to each side, and the coach's prompt for notes: of the new time only
    assert query(database_url, select(MentorLink.mentor_telegram_id)) == [(9105,)]


def test_kill_at_every_step_of_a_replication_begun_as_her_pap(live_bot: BotProcess, double: BotApiDouble, database_url: str) -> None:
    """Her draft from a library PAP survives a kill at every step; it is saved once, with her change, and linked."""

    async def make(session: AsyncSession) -> object:
        now = SystemClock().now()
        first, later = await factories.cohort(session, now), await factories.cohort(session, now, name="Angkatan II 2026")
        ratna = await factories.alumna(session, now, first, 9106, name="Ratna", reminders=False)
        wulan = await factories.alumna(session, now, later, 9107, name="Wulan", reminders=False)
        pap = await session.scalar(select(Pap).where(Pap.person_id == ratna.id).options(selectinload(Pap.milestones)))
        assert pap is not None
        pap.title = "Arsip Surat Digital"
        entry = await publish(
            session=session, person=ratna, pap=pap, theme=GalleryTheme.DIGITAL_PROCESS, result="Nol surat hilang", evidence_ids=[], now=now
        )
        replication = await ask_to_replicate(session=session, entry=entry, requester=wulan, now=now)
        assert replication is not None
        await answer_replication(session=session, replication_id=replication.id, author=ratna, agreed=True, now=now)
        return pap.id

    original = run(database_url, make)
    wulan = double.user(9107, "Wulan")
    steps: list[Step] = [
        ("say", "/galeri arsip", "Arsip Surat Digital"),
        ("tap", "1. Arsip Surat Digital", "Arsip Surat Digital"),
        ("tap", "Jadikan PAP saya", "Rancangan PAP replikasi"),
        ("tap", "Ubah satu bagian", "Bagian mana"),
        ("tap", "Target", "Target saat ini"),
        ("say", "Tiga surat per bulan", "Rancangan PAP replikasi"),
        ("tap", "Simpan sebagai PAP saya", "replikasi dari Arsip Surat Digital"),
    ]
    assert walk_with_kills(live_bot, wulan, steps) == len(steps)
    [(pap_id, title, target)] = query(database_url, select(Pap.id, Pap.title, Pap.target).join(Person).where(Person.telegram_id == 9107))
    assert (title, target) == ("Arsip Surat Digital", "Tiga surat per bulan")
    assert query(database_url, select(Replication.original_pap_id, Replication.pap_id)) == [(original, pap_id)]
    assert len([m for m in wulan.messages() if "replikasi dari Arsip Surat Digital" in m.text]) == 1  # saved once, said once
