"""Galeri PAP in-process: publishing a finished PAP after a preview of exactly what is shown, finding it
by a word of its problem (the full-text index of each database), filters, evidence, withdrawal and
erasure."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from openpyxl import load_workbook
from sqlalchemy import select, text
from sqlalchemy.orm import selectinload

from bot.kernel.settings import Settings
from db.enrolment import enrol_coach
from db.gallery import search, withdraw
from db.models import (
    Cohort,
    Draft,
    Evidence,
    EvidenceKind,
    GalleryEntry,
    LogEntry,
    MilestoneStatus,
    Pap,
    Person,
    Replication,
    ReplicationStatus,
)
from db.privacy import delete_personal_data
from db.report import cohort_report
from devtools.double import Sent
from handlers.report import CohortReport, to_xlsx
from tests.support import factories
from tests.support.bots import InProcessBot
from tests.support.dashboard import cohort_and_alumna_pages
from tests.support.inprocess import say, tap

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
RATNA, WULAN = 9001, 9002
PROBLEM = "Surat masuk masih dicatat manual; kami mendigitalkan arsip agar disposisi tidak hilang."


async def seed(bot: InProcessBot) -> None:
    """Ratna's PAP, every milestone done, with two photos in her logbook; Wulan of another cohort."""
    bot.clock.set(NOW)
    photos = [bot.double.upload(bytes([n]) * 64, "photo") for n in range(2)]
    async with bot.app.runtime.open_session() as session:
        first = await factories.cohort(session, NOW)
        later = await factories.cohort(session, NOW, name="Angkatan II 2026")
        ratna = await factories.alumna(session, NOW, first, RATNA, name="Ratna", zone="Asia/Makassar", reminders=False)
        await factories.alumna(session, NOW, later, WULAN, name="Wulan", reminders=False)
        pap = await session.scalar(select(Pap).where(Pap.person_id == ratna.id))
        assert pap is not None
        await session.refresh(pap, ["milestones"])
        pap.title, pap.problem, pap.indicator, pap.baseline, pap.target = (
            "Arsip Surat Digital",
            PROBLEM,
            "Surat hilang per bulan",
            "12",
            "0",
        )
        for milestone in pap.milestones:
            milestone.status, milestone.progress, milestone.done_at = MilestoneStatus.DONE, 100, NOW
        entry = LogEntry(person_id=ratna.id, pap_id=pap.id, text="Pemindaian selesai", created_at=NOW, updated_at=NOW)
        entry.evidence = [
            Evidence(kind=EvidenceKind.PHOTO, file_id=p.file_id, file_unique_id=p.file_unique_id, created_at=NOW) for p in photos
        ]
        session.add(entry)
        await session.commit()


async def publish(bot: InProcessBot) -> None:
    ratna = bot.double.user(RATNA, "Ratna")
    ratna.skip_read()
    offer = await say(bot, ratna, "/galeri")
    assert "📚 Terbitkan PAP saya ke Galeri" in offer.button_texts
    assert "Tema apa" in (await tap(bot, ratna, "Terbitkan PAP saya")).text
    assert "Surat hilang per bulan" in (await tap(bot, ratna, "Digitalisasi proses internal")).text
    picking = await say(bot, ratna, "Nol surat hilang sejak September <b>2026</b>")
    assert "(0 dipilih)" in picking.text
    assert picking.button_texts == [
        "1. 📷 1 Desember 2026 · Pemindaian selesai",
        "2. 📷 1 Desember 2026 · Pemindaian selesai",
        "✅ Selesai",
    ]
    await tap(bot, ratna, picking.button_texts[0])
    await tap(bot, ratna, picking.button_texts[1])
    preview = await tap(bot, ratna, "Selesai")
    assert "Beginilah PAP Ibu akan tampil" in preview.text
    for shown in ("Arsip Surat Digital", "Digitalisasi proses internal", "Dinas A", "oleh Ratna", PROBLEM, "Tujuan",
                  "Surat hilang per bulan (awal 12, target 0)", "Hasil: Nol surat hilang sejak September <b>2026</b>",
                  "1. Tahap 1", "2. Tahap 2", "📎 2 bukti terlampir"):  # fmt: skip
        assert shown in preview.text, shown
    assert "kini ada di Galeri PAP" in (await tap(bot, ratna, "Terbitkan")).text


async def test_a_published_pap_is_found_by_a_word_of_its_problem_and_shows_its_evidence(bot: InProcessBot) -> None:
    await seed(bot)
    await publish(bot)
    wulan = bot.double.user(WULAN, "Wulan")
    found = await say(bot, wulan, "/galeri arsip")
    assert "1. Arsip Surat Digital" in found.text and "Dinas A" in found.text
    await tap(bot, wulan, "1. Arsip Surat Digital")
    detail = wulan.messages()[-3:]
    assert [m.method for m in detail[:2]] == ["sendMediaGroup", "sendMediaGroup"]  # the two photos she chose, as an album
    assert "Masalah: " + PROBLEM in detail[2].text and detail[2].button_texts == ["🤝 Saya ingin mereplikasi"]
    wulan.skip_read()

    assert "Arsip Surat Digital" in (await say(bot, wulan, "/galeri mendigital")).text  # a word's beginning
    assert "Belum ada PAP yang cocok" in (await say(bot, wulan, "/galeri digitalisasi")).text  # no stemmer: the stated limit
    assert "Arsip Surat Digital" in (await say(bot, wulan, '/galeri arsip"*(')).text  # FTS syntax in her words is only words


async def test_filters_by_theme_region_and_level(bot: InProcessBot) -> None:
    await seed(bot)
    await publish(bot)
    wulan = bot.double.user(WULAN, "Wulan")
    await say(bot, wulan, "/galeri")
    assert "Belum ada PAP yang cocok" in (await tap(bot, wulan, "Forum perempuan")).text
    assert "Arsip Surat Digital" in (await tap(bot, wulan, "Digitalisasi")).text  # another theme replaces the first
    assert "Arsip Surat Digital" in (await tap(bot, wulan, "WITA")).text
    assert "Belum ada PAP yang cocok" in (await tap(bot, wulan, "Fungsional")).text  # she is at the Pengawas level
    assert "Arsip Surat Digital" in (await tap(bot, wulan, "Pengawas")).text


async def test_withdrawing_and_erasure_leave_nothing_findable(bot: InProcessBot) -> None:
    await seed(bot)
    await publish(bot)
    ratna = bot.double.user(RATNA, "Ratna")
    ratna.skip_read()
    await say(bot, ratna, "/galeri")
    assert "sudah ditarik" in (await tap(bot, ratna, "Tarik PAP saya")).text
    async with bot.app.runtime.open_session() as session:
        assert await search(session=session, query="arsip") == []
    await publish(bot)
    async with bot.app.runtime.open_session() as session:
        person = await session.scalar(select(Person).where(Person.telegram_id == RATNA))
        assert person is not None and len(await search(session=session, query="arsip")) == 1
        await delete_personal_data(session=session, person=person, now=NOW)
        await session.commit()
    async with bot.app.runtime.open_session() as session:
        assert list(await session.scalars(select(GalleryEntry))) == []
        assert await search(session=session, query="arsip") == []
        if session.get_bind().dialect.name == "sqlite":
            assert (await session.execute(text("SELECT count(*) FROM gallery_search"))).scalar() == 0  # her words left the index too


async def test_her_finished_pap_offers_the_gallery_under_pap_until_it_is_published(bot: InProcessBot) -> None:
    await seed(bot)
    ratna = bot.double.user(RATNA, "Ratna")
    assert "📚 Terbitkan PAP saya ke Galeri" in (await say(bot, ratna, "/pap")).button_texts
    await publish(bot)
    ratna.skip_read()
    assert "📚 Terbitkan PAP saya ke Galeri" not in (await say(bot, ratna, "/pap")).button_texts
    wulan = bot.double.user(WULAN, "Wulan")  # her PAP is not finished: nothing to publish
    assert "📚 Terbitkan PAP saya ke Galeri" not in (await say(bot, wulan, "/pap")).button_texts
    async with bot.app.runtime.open_session() as session:
        pap = await session.scalar(select(Pap).join(Person).where(Person.telegram_id == RATNA))
        assert pap is not None
        await withdraw(session=session, pap=pap)
        await session.commit()
    assert "Galeri masih kosong" in (await say(bot, wulan, "/galeri")).text
    assert "📚 Terbitkan PAP saya ke Galeri" not in (await say(bot, wulan, "/galeri")).button_texts


async def test_saya_ingin_mereplikasi_reaches_the_author_and_her_yes_introduces_both(bot: InProcessBot) -> None:
    await seed(bot)
    await publish(bot)
    ratna, wulan = bot.double.user(RATNA, "Ratna"), bot.double.user(WULAN, "Wulan")
    ratna.skip_read()
    await say(bot, wulan, "/galeri arsip")
    await tap(bot, wulan, "1. Arsip Surat Digital")
    wulan.skip_read()
    wulan.press("Saya ingin mereplikasi")
    await bot.run_pending()
    assert "sudah disampaikan kepada penyusun PAP ini" in wulan.next_message().text
    asked = ratna.next_message()
    assert "Wulan (Dinas A) ingin mereplikasi PAP Ibu, Arsip Surat Digital" in asked.text
    assert asked.button_texts == ["✅ Ya, bersedia dihubungi", "Tidak sekarang"]
    wulan.press_data(asked.buttons[0][0]["callback_data"], asked)  # only the author may answer
    await bot.run_pending()
    assert not [m for m in wulan.messages()[1:] if "terhubung" in m.text]
    mine = await tap(bot, ratna, "Ya, bersedia dihubungi")
    theirs = wulan.messages()[-1]
    assert "terhubung dengan Wulan" in mine.text and f"tg://user?id={WULAN}" in str(mine.message["entities"])
    assert "terhubung dengan Ratna" in theirs.text and f"tg://user?id={RATNA}" in str(theirs.message["entities"])
    entry = next(m for m in reversed(wulan.messages()) if "🤝 Saya ingin mereplikasi" in m.button_texts)
    wulan.press("Saya ingin mereplikasi", entry)
    await bot.run_pending()
    assert "sudah menyampaikan permintaan" in bot.double.answered_callbacks[-1]["text"]  # once per PAP
    async with bot.app.runtime.open_session() as session:
        [(status, cross)] = list(await session.execute(select(Replication.status, Replication.cross_cohort)))
    assert (status, cross) == (ReplicationStatus.AGREED, True)  # two cohorts: a contact across them


async def agreed(bot: InProcessBot) -> Sent:
    """Ratna's PAP in the library, Wulan's request, Ratna's yes: the introduction Wulan receives."""
    await seed(bot)
    await publish(bot)
    ratna, wulan = bot.double.user(RATNA, "Ratna"), bot.double.user(WULAN, "Wulan")
    ratna.skip_read()
    await say(bot, wulan, "/galeri arsip")
    await tap(bot, wulan, "1. Arsip Surat Digital")
    await tap(bot, wulan, "Saya ingin mereplikasi")
    await tap(bot, ratna, "Ya, bersedia dihubungi")
    wulan.skip_read()
    return wulan.messages()[-1]


async def papers(bot: InProcessBot) -> dict[str, Pap]:
    async with bot.app.runtime.open_session() as session:
        rows = await session.scalars(select(Pap).options(selectinload(Pap.milestones), selectinload(Pap.person)))
        return {pap.person.name: pap for pap in rows}


async def test_her_yes_offers_a_draft_pre_filled_from_the_original_that_becomes_her_pap_linked_to_it(bot: InProcessBot) -> None:
    introduced = await agreed(bot)
    wulan = bot.double.user(WULAN, "Wulan")
    wulan.skip_read()
    assert "PAP Ibu belum dimulai" in introduced.text and introduced.button_texts == ["📝 Jadikan PAP saya"]
    draft = await tap(bot, wulan, "Jadikan PAP saya")
    for shown in ("Rancangan PAP replikasi", "Terisi dari Arsip Surat Digital karya Ratna", "PAP: Arsip Surat Digital", PROBLEM,
                  "Surat hilang per bulan: 12 → 0", "1. Tahap 1 — 15 Maret 2026", "2. Tahap 2 — 15 Mei 2026",
                  "menggantikan rencana Ibu yang belum dimulai: PAP Wulan"):  # fmt: skip
        assert shown in draft.text, shown
    assert draft.button_texts == ["💾 Simpan sebagai PAP saya", "✏️ Ubah satu bagian"]

    await tap(bot, wulan, "Ubah satu bagian")
    asked = await tap(bot, wulan, "Kondisi awal")
    assert "Kondisi awal saat ini:\n12" in asked.text
    for bad in ("x" * 201, "   "):
        refused = await say(bot, wulan, bad)
        assert "Kondisi awal saat ini:\n12" in refused.text and refused.text != asked.text  # a reason, then the same question
    wulan.send_sticker()
    await bot.run_pending()
    assert "Kondisi awal saat ini:\n12" in wulan.next_message().text
    assert "Surat hilang per bulan: 30 <i>per bulan</i> → 0" in (await say(bot, wulan, "30 <i>per bulan</i>")).text
    await tap(bot, wulan, "Ubah satu bagian")
    await tap(bot, wulan, "Tahapan")
    await say(bot, wulan, "Pindai arsip 2025 🗂️")
    await say(bot, wulan, "1 April 2026")
    await say(bot, wulan, "Latih petugas")
    await say(bot, wulan, "1 Juni 2026")
    again = await tap(bot, wulan, "Selesai")
    assert "1. Pindai arsip 2025 🗂️ — 1 April 2026\n2. Latih petugas — 1 Juni 2026" in again.text
    await tap(bot, wulan, "Ubah satu bagian")
    await tap(bot, wulan, "Tanggal selesai (T)")
    await say(bot, wulan, "1 Mei 2026")  # before her second milestone: refused at saving, and nothing saved
    refused = await tap(bot, wulan, "Simpan sebagai PAP saya")
    assert "Tahapan Latih petugas jatuh setelah tanggal selesai PAP (1 Mei 2026)" in refused.text
    await tap(bot, wulan, "Ubah satu bagian")
    await tap(bot, wulan, "Tanggal selesai (T)")
    assert "T — selesai 20 Agustus 2026" in (await say(bot, wulan, "20-08-2026")).text
    async with bot.app.runtime.open_session() as session:  # nothing saved before she saves
        assert (await session.scalar(select(Replication.pap_id))) is None
    assert (await papers(bot))["Wulan"].title == "PAP Wulan"

    saved = await tap(bot, wulan, "Simpan sebagai PAP saya")
    assert "PAP Ibu kini Arsip Surat Digital, replikasi dari Arsip Surat Digital" in saved.text
    mine, original = (await papers(bot))["Wulan"], (await papers(bot))["Ratna"]
    assert (mine.title, mine.problem, mine.baseline, mine.target) == ("Arsip Surat Digital", PROBLEM, "30 <i>per bulan</i>", "0")
    assert [m.title for m in mine.milestones] == ["Pindai arsip 2025 🗂️", "Latih petugas"]
    assert original.baseline == "12" and [m.title for m in original.milestones] == ["Tahap 1", "Tahap 2"]  # the original is untouched
    async with bot.app.runtime.open_session() as session:
        [(linked, started)] = list(await session.execute(select(Replication.pap_id, Replication.started_at)))
    assert (linked, started) == (mine.id, NOW)
    assert "🔁 Replikasi dari Arsip Surat Digital" in (await say(bot, wulan, "/pap")).text
    async with bot.app.runtime.open_session() as session:
        for name in ("Angkatan I 2026", "Angkatan II 2026"):  # counted for the cohort of either side
            cohort = await session.scalar(select(Cohort).where(Cohort.name == name))
            assert cohort is not None
            indicators, _ = await cohort_report(session=session, cohort=cohort, now=NOW)
            assert (indicators.network.replications, indicators.network.replications_started) == (1, 1)
    await say(bot, wulan, "/galeri arsip")  # her PAP has still not begun: she may draft it again, and it stays one link
    await tap(bot, wulan, "1. Arsip Surat Digital")
    wulan.skip_read()  # the entry, after its photos
    assert "Rancangan PAP replikasi" in (await tap(bot, wulan, "Jadikan PAP saya")).text
    assert "replikasi dari Arsip Surat Digital" in (await tap(bot, wulan, "Simpan sebagai PAP saya")).text
    async with bot.app.runtime.open_session() as session:
        assert list(await session.execute(select(Replication.pap_id))) == [(mine.id,)]


async def test_a_plan_already_begun_is_never_replaced(bot: InProcessBot) -> None:
    introduced = await agreed(bot)
    wulan = bot.double.user(WULAN, "Wulan")
    wulan.skip_read()
    await tap(bot, wulan, "Jadikan PAP saya")
    async with bot.app.runtime.open_session() as session:  # while the draft waits, she logs her first activity
        pap = await session.scalar(select(Pap).join(Person).where(Person.telegram_id == WULAN))
        assert pap is not None
        session.add(LogEntry(person_id=pap.person_id, pap_id=pap.id, text="Rapat awal", created_at=NOW, updated_at=NOW))
        await session.commit()
    refused = await tap(bot, wulan, "Simpan sebagai PAP saya")
    assert "PAP Ibu, PAP Wulan, sudah berjalan, jadi tidak dapat digantikan" in refused.text
    assert (await papers(bot))["Wulan"].title == "PAP Wulan"
    async with bot.app.runtime.open_session() as session:
        assert (await session.scalar(select(Replication.pap_id))) is None
    wulan.press("Jadikan PAP saya", introduced)  # the button of before
    await bot.run_pending()
    assert "sudah berjalan" in wulan.next_message().text
    await say(bot, wulan, "/galeri arsip")
    await tap(bot, wulan, "1. Arsip Surat Digital")
    assert wulan.messages()[-1].button_texts == ["🤝 Saya ingin mereplikasi"]  # no offer she cannot take


async def test_only_she_starts_her_replication_and_only_while_the_original_is_in_the_library(bot: InProcessBot) -> None:
    introduced = await agreed(bot)
    ratna, wulan = bot.double.user(RATNA, "Ratna"), bot.double.user(WULAN, "Wulan")
    ratna.skip_read()
    wulan.skip_read()
    ratna.press_data(introduced.buttons[0][0]["callback_data"], introduced)  # a copied button, pressed by another
    await bot.run_pending()
    assert bot.double.answered_callbacks[-1]["text"] == "PAP ini sudah tidak ada di Galeri."  # not hers: as if it were gone
    async with bot.app.runtime.open_session() as session:
        assert list(await session.scalars(select(Draft).where(Draft.telegram_id == RATNA))) == []
    await tap(bot, wulan, "Jadikan PAP saya")
    ratna.skip_read()
    await say(bot, ratna, "/galeri")
    await tap(bot, ratna, "Tarik PAP saya")  # the author withdraws while the draft waits
    assert "sudah tidak ada di Galeri" in (await tap(bot, wulan, "Simpan sebagai PAP saya")).text
    assert (await papers(bot))["Wulan"].title == "PAP Wulan"
    wulan.press("Jadikan PAP saya", introduced)
    await bot.run_pending()
    assert bot.double.answered_callbacks[-1]["show_alert"] is True


async def test_the_network_indicators_with_their_definitions_in_report_summary_and_dashboard(bot: InProcessBot, settings: Settings) -> None:
    await agreed(bot)
    async with bot.app.runtime.open_session() as session:
        cohort = await session.scalar(select(Cohort).where(Cohort.name == "Angkatan I 2026"))
        assert cohort is not None
        indicators, _ = await cohort_report(session=session, cohort=cohort, now=NOW)
        await enrol_coach(session=session, telegram_id=9100, cohort=cohort, name="Coach Ayu", locale="id", timezone="Asia/Jakarta", now=NOW)
        await session.commit()
    assert (indicators.network.replications, indicators.network.cross_cohort_contacts) == (1, 1)
    book = load_workbook(io.BytesIO(to_xlsx(bot.app.runtime.texts, "id", [CohortReport(cohort, indicators, [])], NOW.date())))
    lines = [[cell for cell in row if cell is not None] for row in book.worksheets[0].iter_rows(values_only=True)]
    assert ["Jejaring alumni", "Nilai", "Definisi"] in lines
    [replications] = [line for line in lines if line and line[0] == "Replikasi PAP yang disepakati"]
    assert replications[1] == 1 and "disetujui penyusunnya" in replications[2]
    [started] = [line for line in lines if line and line[0] == "Replikasi yang dimulai sebagai PAP"]
    assert started[1] == 0 and "disimpan sebagai PAP baru" in started[2]  # agreed, not (yet) begun as her PAP
    summary = await say(bot, bot.double.user(9100, "Ayu"), "/ringkasan")
    assert "🌐 Jejaring: 0% aktif di grup komunitas (30 hari, yang setuju dihitung)" in summary.text
    assert "· 0 pasangan mentoring · 1 replikasi PAP disepakati, 0 dimulai sebagai PAP · 1 kontak lintas angkatan" in summary.text
    cohort_page, _ = await cohort_and_alumna_pages(bot, settings, RATNA)
    assert '<span class="num" data-fact="replications">1</span>' in cohort_page and "disetujui penyusunnya" in cohort_page
    assert '<span class="num" data-fact="replications-started">0</span>' in cohort_page and "disimpan sebagai PAP baru" in cohort_page


async def test_a_coach_suggests_her_finished_pap_and_only_she_publishes(bot: InProcessBot) -> None:
    await seed(bot)
    async with bot.app.runtime.open_session() as session:
        cohort = await session.scalar(select(Cohort).where(Cohort.name == "Angkatan I 2026"))
        assert cohort is not None
        await enrol_coach(session=session, telegram_id=9100, cohort=cohort, name="Coach Ayu", locale="id", timezone="Asia/Jakarta", now=NOW)
        await session.commit()
    coach, ratna = bot.double.user(9100, "Ayu"), bot.double.user(RATNA, "Ratna")
    detail = await say(bot, coach, "/alumni Ratna")
    assert "📚 Sarankan ke Galeri PAP" in detail.button_texts
    coach.press("Sarankan ke Galeri PAP")
    await bot.run_pending()
    assert "Ratna yang memutuskan" in bot.double.answered_callbacks[-1]["text"]
    suggestion = ratna.next_message()
    assert "Coach Ayu menyarankan PAP Ibu" in suggestion.text and suggestion.button_texts == ["📚 Terbitkan PAP saya ke Galeri"]
    async with bot.app.runtime.open_session() as session:
        assert list(await session.scalars(select(GalleryEntry))) == []  # nothing is published on the coach's word
    assert "Tema apa" in (await tap(bot, ratna, "Terbitkan PAP saya ke Galeri")).text


async def test_finishing_the_last_milestone_asks_whether_to_publish(bot: InProcessBot) -> None:
    await seed(bot)
    async with bot.app.runtime.open_session() as session:
        pap = await session.scalar(select(Pap).join(Person).where(Person.telegram_id == RATNA))
        assert pap is not None
        await session.refresh(pap, ["milestones"])
        last = max(pap.milestones, key=lambda m: m.due_date)
        last.status, last.progress, last.done_at = MilestoneStatus.IN_PROGRESS, 60, None
        await session.commit()
    ratna = bot.double.user(RATNA, "Ratna")
    await say(bot, ratna, "/log")
    await tap(bot, ratna, "Tahap 2")
    await say(bot, ratna, "Seluruh arsip sudah digital")
    await tap(bot, ratna, "100%")
    await tap(bot, ratna, "Ya, tahapan ini selesai")
    await tap(bot, ratna, "Lewati")
    await tap(bot, ratna, "Lewati")
    assert "tahapan Tahap 2 selesai" in (await tap(bot, ratna, "Selesai")).text
    offer = ratna.next_message()
    assert "Semua tahapan PAP Ibu sudah selesai" in offer.text and offer.button_texts == ["📚 Terbitkan PAP saya ke Galeri"]
