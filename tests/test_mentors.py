"""The supervisor as mentor in-process: her invitation link, the consent screen, the monthly dialogue
and where its answers go, support, ending the link, and what a mentor may never read."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from openpyxl import load_workbook
from sqlalchemy import select

from bot.kernel.settings import Settings
from db.enrolment import enrol_coach
from db.mentors import DIALOGUE_EVERY
from db.models import (
    CareerEvent,
    CheckIn,
    CheckInKind,
    CheckInStatus,
    Cohort,
    CompetencyDomain,
    LogEntry,
    MentorDialogue,
    MentorLink,
    Notice,
    Pap,
    Person,
    Reflection,
)
from db.privacy import delete_personal_data, export_dict, personal_data, withdraw_consent
from db.report import cohort_report
from devtools.double import FakeUser
from handlers.mentors import sweep_mentor_dialogues
from handlers.report import CohortReport, to_xlsx
from tests.support import factories
from tests.support.bots import InProcessBot
from tests.support.dashboard import cohort_and_alumna_pages
from tests.support.inprocess import say, tap

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
RATNA, COACH, BOSS, STRANGER = 9001, 9100, 9300, 9400
SECRETS = ("RAHASIA-REFLEKSI", "RAHASIA-LOGBOOK", "RAHASIA-CHECKIN")


async def seed(bot: InProcessBot) -> tuple[FakeUser, FakeUser, FakeUser]:
    """Ratna, with a reflection, a logbook entry and a check-in answer the mentor must never see."""
    bot.clock.set(NOW)
    async with bot.app.runtime.open_session() as session:
        cohort = await factories.cohort(session, NOW)
        ratna = await factories.alumna(session, NOW, cohort, RATNA, name="Ratna", reminders=False)
        await enrol_coach(
            session=session, telegram_id=COACH, cohort=cohort, name="Coach Ayu", locale="id", timezone="Asia/Makassar", now=NOW
        )
        pap = await session.scalar(select(Pap).where(Pap.person_id == ratna.id))
        assert pap is not None
        session.add_all(
            [
                Reflection(person_id=ratna.id, week_year=2026, week=48, went_well=SECRETS[0], confidence=4,
                           domain=CompetencyDomain.SOFT_SKILLS,
                           created_at=NOW, updated_at=NOW),
                LogEntry(person_id=ratna.id, pap_id=pap.id, text=SECRETS[1], created_at=NOW, updated_at=NOW),
                CheckIn(person_id=ratna.id, cohort_id=cohort.id, sequence=1, kind=CheckInKind.REGULAR, month=1, due_at=NOW,
                        status=CheckInStatus.ANSWERED, obstacle_text=SECRETS[2], answered_at=NOW),
            ]
        )  # fmt: skip
        await session.commit()
    return bot.double.user(RATNA, "Ratna"), bot.double.user(COACH, "Ayu"), bot.double.user(BOSS, "Budi", last_name="Santoso")


async def link_mentor(bot: InProcessBot, ratna: FakeUser, boss: FakeUser) -> str:
    intro = await say(bot, ratna, "/mentor")
    assert "judul, status, tahapan, dan kemajuan" in intro.text
    invited = await tap(bot, ratna, "Undang atasan")
    [link] = [word for word in invited.text.split() if "start=" in word]
    code = link.split("start=")[1]
    consent = await say(bot, boss, f"/start {code}")
    assert "Ratna mengundang" in consent.text and "judul PAP, statusnya, tahapan, dan persentase kemajuan" in consent.text
    assert "refleksi pribadi, logbook, dan isian check-in" in consent.text
    welcome = await tap(bot, boss, "Saya bersedia")
    assert "kini mentor PAP Ratna" in welcome.text and "31 Desember 2026" in welcome.text
    assert "Budi Santoso kini mentor PAP Ibu" in ratna.next_message().text
    return code


async def test_a_consenting_mentor_gets_the_monthly_summary_and_her_obstacle_reaches_the_coach(bot: InProcessBot) -> None:
    ratna, coach, boss = await seed(bot)
    await link_mentor(bot, ratna, boss)
    bot.clock.set(NOW + DIALOGUE_EVERY - timedelta(minutes=1))
    assert await sweep_mentor_dialogues(bot.app.runtime, bot.app.bot) == 0
    bot.clock.set(NOW + DIALOGUE_EVERY)
    assert await sweep_mentor_dialogues(bot.app.runtime, bot.app.bot) == 1
    assert await sweep_mentor_dialogues(bot.app.runtime, bot.app.bot) == 0  # once a month, not once a sweep
    monthly = boss.next_message()
    assert "Dialog bulanan mentor" in monthly.text and "PAP Ratna" in monthly.text
    assert "PAP Ratna · target selesai 20 Agustus 2026\n🧱 Mandek · kemajuan 0%\n1. ⚠️ Tahap 1 — 15 Maret 2026 (0%)" in monthly.text
    assert monthly.button_texts == ["✍️ Jawab"]
    assert "Adakah kendala struktural" in (await tap(bot, boss, "Jawab")).text
    assert "peluang penugasan strategis" in (await say(bot, boss, "Belum ada SK tim pelaksana dari kepala dinas")).text
    assert "sebutkan singkat" in (await tap(bot, boss, "Ya")).text
    thanks = await say(bot, boss, "Plt. Kabid Pelayanan mulai Maret")
    assert "sudah disampaikan kepada Ratna dan coach-nya" in thanks.text
    to_coach = coach.next_message()
    assert "mentor Ratna" in to_coach.text and "Belum ada SK tim pelaksana dari kepala dinas" in to_coach.text
    assert "ya, Plt. Kabid Pelayanan mulai Maret" in to_coach.text
    assert "Belum ada SK tim pelaksana" in ratna.next_message().text
    async with bot.app.runtime.open_session() as session:
        [event] = list(await session.scalars(select(CareerEvent)))
        [dialogue] = list(await session.scalars(select(MentorDialogue)))
    assert event.dialogue_id == dialogue.id and event.kind.value == "assignment"  # counted, and marked as the mentor's word
    async with bot.app.runtime.open_session() as session:
        cohort = await session.scalar(select(Cohort))
        assert cohort is not None
        indicators, rows = await cohort_report(session=session, cohort=cohort, now=bot.clock.now())
    assert indicators.promoted_or_assigned == 1.0  # her only career event is her mentor's report
    assert (indicators.mentors_linked, indicators.mentors_answering) == (1, 1)
    assert indicators.mentor_obstacles == [("Ratna", "Belum ada SK tim pelaksana dari kepala dinas")]
    assert [(r.mentor, r.mentor_reported, r.career_events) for r in rows] == [("Budi Santoso", 1, 1)]
    book = load_workbook(io.BytesIO(to_xlsx(bot.app.runtime.texts, "id", [CohortReport(cohort, indicators, rows)], NOW.date())))
    summary = [[cell for cell in row if cell is not None] for row in book.worksheets[0].iter_rows(values_only=True)]
    assert ["Kendala struktural menurut mentor"] in summary and ["Ratna", "Belum ada SK tim pelaksana dari kepala dinas"] in summary
    assert ["Mentor yang menjawab dialog bulanan", 1] in summary
    for sent in bot.double.sent(BOSS):
        assert not any(secret in sent.text for secret in SECRETS), sent.text


async def test_the_link_binds_one_mentor_and_refuses_her_herself_and_forged_consent(bot: InProcessBot) -> None:
    ratna, _, boss = await seed(bot)
    intro = await say(bot, ratna, "/mentor")
    assert intro.button_texts == ["🤝 Undang atasan"]
    invited = await tap(bot, ratna, "Undang atasan")
    code = next(word for word in invited.text.split() if "start=" in word).split("start=")[1]
    assert "tautan untuk atasan Ibu" in (await say(bot, ratna, f"/start {code}")).text
    consent = await say(bot, boss, f"/start {code}")
    stranger = bot.double.user(STRANGER, "Orang Lain")
    stranger.press_data(consent.buttons[0][0]["callback_data"], consent)  # a button of someone else's consent screen
    await bot.run_pending()
    assert bot.double.sent(STRANGER) == []
    await tap(bot, boss, "Saya bersedia")
    assert "sudah dipakai oleh mentor lain" in (await say(bot, stranger, f"/start {code}")).text
    async with bot.app.runtime.open_session() as session:
        [link] = list(await session.scalars(select(MentorLink)))
    assert link.mentor_telegram_id == BOSS


async def test_support_reaches_her_and_ending_the_link_stops_everything(bot: InProcessBot) -> None:
    ratna, _, boss = await seed(bot)
    await link_mentor(bot, ratna, boss)
    view = await say(bot, boss, "/mentor")
    assert "PAP Ratna" in view.text and view.button_texts == ["💐 Kirim dukungan · Ratna"]
    await tap(bot, boss, "Kirim dukungan")
    assert "Terkirim ke Ratna" in (await say(bot, boss, "Semangat, Bu! Saya bantu bicara dengan Sekda.")).text
    support = ratna.next_message()
    assert "Pesan dukungan dari Budi Santoso" in support.text and "Semangat, Bu!" in support.text

    mine = await say(bot, ratna, "/mentor")
    assert "Mentor Ibu:</b>" not in mine.text and "Mentor Ibu: Budi Santoso" in mine.text
    await tap(bot, ratna, "Akhiri pendampingan")
    assert "Pendampingan diakhiri" in (await tap(bot, ratna, "Ya, akhiri")).text
    assert "Ratna telah mengakhiri pendampingan" in boss.next_message().text
    bot.clock.set(NOW + DIALOGUE_EVERY * 2)
    assert await sweep_mentor_dialogues(bot.app.runtime, bot.app.bot) == 0
    assert "tidak mendampingi PAP siapa pun" in (await say(bot, boss, "/mentor")).text  # no longer her mentor
    for sent in bot.double.sent(BOSS):
        assert not any(secret in sent.text for secret in SECRETS), sent.text


async def test_her_export_carries_the_dialogues_and_her_erasure_takes_the_link_and_what_was_queued(bot: InProcessBot) -> None:
    ratna, _, boss = await seed(bot)
    await link_mentor(bot, ratna, boss)
    bot.clock.set(NOW + DIALOGUE_EVERY)
    await sweep_mentor_dialogues(bot.app.runtime, bot.app.bot)
    await tap(bot, boss, "Jawab")
    await say(bot, boss, "Anggaran belum turun")
    await tap(bot, boss, "Tidak")
    async with bot.app.runtime.open_session() as session:
        person = await session.scalar(select(Person).where(Person.telegram_id == RATNA))
        assert person is not None
        exported = export_dict(await personal_data(session=session, person=person, now=bot.clock.now()))
        assert [m["mentor_name"] for m in exported["mentors"]] == ["Budi Santoso"]
        assert "mentor_telegram_id" not in exported["mentors"][0]  # her supervisor's account is not hers to export
        assert [(d["obstacle"], d["opportunity"]) for d in exported["mentor_dialogues"]] == [("Anggaran belum turun", False)]
        await delete_personal_data(session=session, person=person, now=bot.clock.now())
        await session.commit()
    async with bot.app.runtime.open_session() as session:
        assert list(await session.scalars(select(MentorLink))) == []
        assert list(await session.scalars(select(MentorDialogue))) == []
        assert list(await session.scalars(select(Notice).where(Notice.chat_id == BOSS))) == []


async def test_the_dashboard_shows_the_mentor_her_answers_and_the_cohorts_obstacles(bot: InProcessBot, settings: Settings) -> None:
    ratna, _, boss = await seed(bot)
    await link_mentor(bot, ratna, boss)
    bot.clock.set(NOW + DIALOGUE_EVERY)
    await sweep_mentor_dialogues(bot.app.runtime, bot.app.bot)
    await tap(bot, boss, "Jawab")
    await say(bot, boss, "Belum ada SK tim pelaksana <script>")
    await tap(bot, boss, "Ya")
    await tap(bot, boss, "Lewati")
    cohort_page, alumna_page = await cohort_and_alumna_pages(bot, settings, RATNA)
    assert '<dd class="num" data-fact="mentors">1</dd>' in cohort_page and '<dd class="num" data-fact="answering">1</dd>' in cohort_page
    assert "<li><strong>Ratna</strong>: Belum ada SK tim pelaksana &lt;script&gt;</li>" in cohort_page
    assert "Budi Santoso, sejak 1 Desember 2026" in alumna_page
    assert "⭐ Penugasan strategis baru · 31 Desember 2026 · menurut mentor" in alumna_page


async def test_a_support_message_refuses_bad_input_and_arrives_exactly_as_written(bot: InProcessBot) -> None:
    ratna, _, boss = await seed(bot)
    await link_mentor(bot, ratna, boss)
    await say(bot, boss, "/mentor")
    await tap(bot, boss, "Kirim dukungan")
    assert "1001" in (await say(bot, boss, "x" * 1001)).text  # too long: said so, asked again
    boss.send_sticker()
    await bot.run_pending()
    assert "Tulis pesan dukungan" in boss.next_message().text
    assert "kosong" in (await say(bot, boss, "   ")).text
    ratna.skip_read()
    assert "Terkirim ke Ratna" in (await say(bot, boss, "<b>Hebat</b> & terus 💪")).text
    assert "<b>Hebat</b> & terus 💪" in ratna.next_message().text  # her words, not markup


async def test_when_she_withdraws_consent_her_mentor_gets_no_summary(bot: InProcessBot) -> None:
    ratna, _, boss = await seed(bot)
    await link_mentor(bot, ratna, boss)
    async with bot.app.runtime.open_session() as session:
        person = await session.scalar(select(Person).where(Person.telegram_id == RATNA))
        assert person is not None
        await withdraw_consent(session=session, person=person, now=bot.clock.now())
        await session.commit()
    bot.clock.set(NOW + DIALOGUE_EVERY)
    assert await sweep_mentor_dialogues(bot.app.runtime, bot.app.bot) == 0
    assert not any("Dialog bulanan" in m.text for m in bot.double.sent(BOSS))
