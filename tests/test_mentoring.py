"""Alumni mentoring alumni: the matching of ten seeded mentors, asking, the mentor's yes, the check-in
after four weeks (once), ending, and offering oneself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.kernel.notices import sweep_notices
from db.mentoring import suggest
from db.models import Cohort, MentoringOffer, MentoringPair, MilestoneStatus, PairStatus, Pap, Person, PositionLevel
from db.privacy import delete_personal_data, export_dict, personal_data
from db.report import cohort_network
from tests.support import factories
from tests.support.bots import InProcessBot
from tests.support.inprocess import say, tap

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
MENTEE = 9700
WIB, WITA = "Asia/Jakarta", "Asia/Makassar"
P, F, S, A, T = (PositionLevel.PELAKSANA, PositionLevel.FUNGSIONAL, PositionLevel.PENGAWAS, PositionLevel.ADMINISTRATOR,
                 PositionLevel.PIMPINAN_TINGGI)  # fmt: skip
# name: (topics, level, zone, capacity, mentees already)
MENTORS = {
    "Ani": (["soft_skills", "digital"], A, WIB, 2, 0),  # 2 shared, higher, same zone: 9
    "Budi": (["soft_skills", "digital"], S, WITA, 2, 0),  # 2 shared, same level, other zone: 8
    "Citra": (["soft_skills", "digital", "empowerment"], T, WIB, 1, 1),  # the best, but at capacity: never suggested
    "Dina": (["digital"], S, WIB, 3, 0),  # 1 shared, same level, same zone: 6
    "Eka": (["digital"], None, WIB, 3, 0),  # 1 shared, level unknown, same zone: 4
    "Fitri": (["soft_skills", "digital"], F, WIB, 2, 0),  # a lower level: not suggested
    "Gita": (["hard_skills"], A, WIB, 2, 0),  # nothing in common
    "Hana": (["soft_skills"], S, WITA, 5, 1),  # 1 shared, same level, other zone: 5
    "Indah": (["ethics_reform", "women_forum"], T, WIB, 2, 0),  # nothing in common
    "Juli": (["soft_skills", "digital"], A, WIB, 1, 0),  # as good as Ani, less room: after her
}


async def seed(bot: InProcessBot) -> None:
    bot.clock.set(NOW)
    async with bot.app.runtime.open_session() as session:
        first = await factories.cohort(session, NOW)
        later = await factories.cohort(session, NOW, name="Angkatan II 2026")
        mentee = await factories.alumna(session, NOW, later, MENTEE, name="Maya", zone=WIB, reminders=False)
        mentee.position_level = S
        for n, (name, (topics, level, zone, capacity, taken)) in enumerate(MENTORS.items()):
            person = await factories.alumna(session, NOW, first, 9710 + n, name=name, zone=zone, reminders=False)
            bot.double.user(9710 + n, name)
            person.position_level = level
            session.add(MentoringOffer(person_id=person.id, topics=topics, capacity=capacity, created_at=NOW))
            for _ in range(taken):
                session.add(MentoringPair(mentor_id=person.id, mentee_id=mentee.id, topics=[], status=PairStatus.ACTIVE, asked_at=NOW))
        await session.commit()


async def test_the_suggestions_for_ten_mentors_are_the_expected_three(bot: InProcessBot) -> None:
    await seed(bot)
    async with bot.app.runtime.open_session() as session:
        mentee = await session.scalar(select(Person).where(Person.telegram_id == MENTEE))
        assert mentee is not None
        matches = await suggest(session=session, mentee=mentee, topics=["soft_skills", "digital"])
    assert [m.offer.person.name for m in matches] == ["Ani", "Juli", "Budi"]
    assert [(m.shared, m.higher_or_same, m.same_zone, m.room) for m in matches] == [
        (["soft_skills", "digital"], True, True, 2),
        (["soft_skills", "digital"], True, True, 1),
        (["soft_skills", "digital"], True, False, 2),
    ]


async def test_asking_the_mentors_yes_the_four_week_check_in_once_and_ending(bot: InProcessBot) -> None:
    await seed(bot)
    maya = bot.double.user(MENTEE, "Maya")
    await say(bot, maya, "/mentoring")
    await tap(bot, maya, "Cari mentor")
    await tap(bot, maya, "Soft skills")
    await tap(bot, maya, "Digitalisasi")
    found = await tap(bot, maya, "Selesai")
    assert (
        "1. Ani (Dinas A): 2 topik sama" in found.text
        and "jabatan setara atau lebih tinggi · zona waktu sama · masih bisa 2 mentee" in found.text
    )
    assert (
        "3. Budi (Dinas A): 2 topik sama" in found.text
        and "Budi (Dinas A): 2 topik sama (Soft skills, Digitalisasi) · jabatan setara atau lebih tinggi · masih bisa 2" in found.text
    )
    assert found.button_texts == ["🙋 Minta Ani", "🙋 Minta Juli", "🙋 Minta Budi"]
    assert "sudah disampaikan kepada Ani" in (await tap(bot, maya, "Minta Ani")).text
    ani = bot.double.user(9710, "Ani")
    asked = ani.next_message()
    assert "Maya (Dinas A) ingin Ibu menjadi mentornya. Topik: Soft skills, Digitalisasi" in asked.text
    maya.press_data(asked.buttons[0][0]["callback_data"], asked)  # only the mentor answers
    await bot.run_pending()
    assert not [m for m in maya.messages() if "Mentoring dimulai" in m.text]
    ani.press("Ya, bersedia")
    await bot.run_pending()
    assert "Mentoring dimulai" in ani.next_message().text and "Mentoring dimulai" in maya.next_message().text

    for moment in (NOW + timedelta(weeks=4) - timedelta(minutes=1), NOW + timedelta(weeks=4), NOW + timedelta(weeks=5)):
        bot.clock.set(moment)
        await sweep_notices(bot.app.runtime, bot.app.bot)
    checks = [m for m in maya.messages() if m.method == "sendMessage" and "Masih berjalan? Bermanfaat?" in m.text]
    assert len(checks) == 1 and "Sudah 4 minggu" in checks[0].text  # once
    maya.skip_read()
    assert "Terima kasih atas jawabannya" in (await tap(bot, maya, "Masih berjalan dan bermanfaat")).text
    await say(bot, maya, "/mentoring")
    assert "Mentoring dengan Ani diakhiri" in (await tap(bot, maya, "Akhiri mentoring dengan Ani")).text
    assert "Maya mengakhiri mentoring antaralumni" in ani.messages()[-1].text
    bot.clock.set(NOW + timedelta(weeks=9))
    await sweep_notices(bot.app.runtime, bot.app.bot)
    assert (
        len([m for m in maya.messages() if m.method == "sendMessage" and "Masih berjalan? Bermanfaat?" in m.text]) == 1
    )  # the 8-week one was withdrawn
    async with bot.app.runtime.open_session() as session:
        pair = await session.scalar(select(MentoringPair).where(MentoringPair.status == PairStatus.ENDED))
        assert pair is not None and (pair.checkin_4w, pair.cross_cohort) == ("going_useful", True)
        cohort = await session.scalar(select(Cohort).where(Cohort.name == "Angkatan II 2026"))
        assert cohort is not None
        network = await cohort_network(session=session, cohort=cohort, now=bot.clock.now())
    # Maya's pairs with Citra and Hana run (seeded); her pair with Ani, begun across cohorts, ended
    assert (network.mentoring_pairs, network.cross_cohort_contacts) == (2, 1)


async def test_an_alumna_whose_pap_is_done_offers_to_mentor(bot: InProcessBot) -> None:
    await seed(bot)
    async with bot.app.runtime.open_session() as session:
        pap = await session.scalar(select(Pap).join(Person).where(Person.telegram_id == MENTEE))
        assert pap is not None
        await session.refresh(pap, ["milestones"])
        for milestone in pap.milestones:
            milestone.status, milestone.progress = MilestoneStatus.DONE, 100
        await session.commit()
    maya = bot.double.user(MENTEE, "Maya")
    assert "🤝 Tawarkan diri menjadi mentor" in (await say(bot, maya, "/mentoring")).button_texts
    await tap(bot, maya, "Tawarkan diri")
    assert "Pilih sedikitnya satu topik" in (await tap(bot, maya, "Selesai")).text
    await tap(bot, maya, "Forum perempuan")
    await tap(bot, maya, "Selesai")
    assert "Ibu kini dapat disarankan sebagai mentor untuk: Forum perempuan · paling banyak 2 mentee" in (await tap(bot, maya, "2")).text
    assert "🤝 Tawarkan diri menjadi mentor" not in (await say(bot, maya, "/mentoring")).button_texts


async def test_her_export_carries_her_offer_and_pairs_and_erasure_takes_them(bot: InProcessBot) -> None:
    await seed(bot)
    async with bot.app.runtime.open_session() as session:
        hana = await session.scalar(select(Person).where(Person.name == "Hana"))
        citra = await session.scalar(select(Person).where(Person.name == "Citra"))
        assert hana is not None and citra is not None
        exported = export_dict(await personal_data(session=session, person=citra, now=NOW))
        assert [o["topics"] for o in exported["mentoring_offers"]] == [["soft_skills", "digital", "empowerment"]]
        assert [p["status"] for p in exported["mentoring_pairs"]] == ["active"]
        await delete_personal_data(session=session, person=citra, now=NOW)
        await session.commit()
    async with bot.app.runtime.open_session() as session:
        assert len(list(await session.scalars(select(MentoringOffer)))) == 9
        assert [p.mentor_id for p in await session.scalars(select(MentoringPair))] == [hana.id]  # Hana's pair stays
