"""The PAP logbook in-process: evidence on disk, limits, 24-hour edits, coach feedback and privacy."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bot.kernel.callbacks import CoachOnEntry, MyEntry
from bot.kernel.housekeeping import sweep_housekeeping
from bot.kernel.settings import Settings
from db.enrolment import enrol_coach
from db.models import ChatPurpose, Cohort, CohortChat, Evidence, EvidenceKind, Feedback, LogEntry, Milestone, MilestoneStatus
from devtools.double import FakeUser
from tests.support import factories
from tests.support.bots import InProcessBot
from tests.support.inprocess import say, tap

NOW = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)
PDF = b"%PDF-1.4\n" + b"laporan kegiatan " * 100


async def seed(bot: InProcessBot, *, coaches: int = 1, group_notices: bool = False) -> Cohort:
    bot.clock.set(NOW)
    async with bot.app.runtime.open_session() as session:
        cohort = await factories.cohort(session, NOW)
        cohort.group_entry_notices = group_notices
        await factories.alumna(session, NOW, cohort, 9001, name="Sari")
        for number in range(coaches):
            await enrol_coach(
                session=session,
                telegram_id=9100 + number,
                cohort=cohort,
                name=f"Coach {number}",
                locale="id",
                timezone="Asia/Jakarta",
                now=NOW,
            )
        session.add(CohortChat(cohort_id=cohort.id, chat_id=-100900, purpose=ChatPurpose.COACH_GROUP, linked_by=9100, linked_at=NOW))
        await session.commit()
    return cohort


async def start_entry(bot: InProcessBot, sari: FakeUser, milestone: str = "Tahap 1", progress: str = "50%") -> None:
    reply = await say(bot, sari, "/logbook")
    assert "tahapan mana" in reply.text
    await tap(bot, sari, milestone)
    await say(bot, sari, "Rapat koordinasi dengan 3 bidang\nDihadiri 12 orang")
    if milestone != "Umum":
        await tap(bot, sari, progress)
    await tap(bot, sari, "Lewati")
    reply = await tap(bot, sari, "Lewati")
    assert "Bukti implementasi" in reply.text


async def test_entry_with_two_photos_a_pdf_and_a_link(bot: InProcessBot, settings: Settings) -> None:
    await seed(bot)
    sari, coach, group = bot.double.user(9001, "Sari"), bot.double.user(9100, "Coach"), bot.double.group(-100900, "Coaches")
    await start_entry(bot, sari)
    photos = [b"\xff\xd8\xff photo one", b"\xff\xd8\xff photo two"]
    for photo in photos:
        sari.send_photo(photo)
        await bot.run_pending()
        assert "Foto diterima" in sari.next_message().text
    sari.send_document(PDF, "laporan.pdf", "application/pdf")
    await bot.run_pending()
    assert "laporan.pdf diterima" in sari.next_message().text
    reply = await say(bot, sari, "Notulen: https://drive.example.go.id/notulen-rapat")
    assert "Tautan diterima" in reply.text and "(4: 2 foto, 1 dokumen, 1 tautan)" in reply.text
    reply = await tap(bot, sari, "Selesai")
    assert "Logbook tersimpan ✅ dengan 4 bukti" in reply.text

    async with bot.app.runtime.open_session() as session:
        entry = await session.scalar(select(LogEntry).options(selectinload(LogEntry.evidence)))
        milestone = await session.get(Milestone, entry.milestone_id)
    assert (entry.text, entry.progress, milestone.progress, milestone.status) == (
        "Rapat koordinasi dengan 3 bidang\nDihadiri 12 orang",
        50,
        50,
        MilestoneStatus.IN_PROGRESS,
    )
    kinds = [e.kind for e in entry.evidence]
    assert kinds == [EvidenceKind.PHOTO, EvidenceKind.PHOTO, EvidenceKind.DOCUMENT, EvidenceKind.LINK]
    on_disk = [(settings.data_dir / e.local_path).read_bytes() for e in entry.evidence[:3]]
    assert on_disk == [*photos, PDF]
    pdf = entry.evidence[2]
    assert (pdf.name, pdf.mime_type, pdf.size) == ("laporan.pdf", "application/pdf", len(PDF))
    assert all(e.file_id and e.file_unique_id for e in entry.evidence[:3])
    assert entry.evidence[3].url == "https://drive.example.go.id/notulen-rapat"

    notice = coach.next_message()
    assert "Sari" in notice.text and "Tahap 1 · 50%" in notice.text and "Rapat koordinasi dengan 3 bidang" in notice.text
    assert "Dihadiri" not in notice.text  # the first line only
    assert bot.double.sent(group.id) == []  # the cohort did not ask for group notices

    assert notice.button_texts == ["📎 Lihat bukti (4)", "💬 Beri umpan balik"]  # verifying comes after seeing
    coach.press("Lihat bukti", notice)
    await bot.run_pending()
    album, document, summary = coach.messages()[1:3], coach.messages()[3], coach.messages()[4]
    assert [m.method for m in album] == ["sendMediaGroup", "sendMediaGroup"] and album[0].chat_id == 9100
    assert [m.file.data for m in album if m.file] == photos  # the very files she sent, by their file_id
    assert document.method == "sendDocument" and document.file is not None and document.file.data == PDF
    assert "2 foto, 1 dokumen, 1 tautan" in summary.text and "https://drive.example.go.id/notulen-rapat" in summary.text
    assert summary.button_texts == ["💬 Beri umpan balik", "✅ Verifikasi"]
    coach.press("Verifikasi", summary)
    await bot.run_pending()
    assert "terverifikasi" in coach.messages()[-1].text and "telah memverifikasi logbook Ibu" in sari.messages()[-1].text
    coach.skip_read()
    member = await say(bot, coach, "/alumni Sari")
    assert "1. " in member.text and "📎 4 bukti" in member.text and member.button_texts == ["📎 Bukti 1", "✏️ Tulis pesan"]
    await tap(bot, coach, "Bukti 1")
    assert [m.method for m in coach.messages()[-4:]] == ["sendMediaGroup", "sendMediaGroup", "sendDocument", "sendMessage"]
    assert "sudah terverifikasi" in coach.messages()[-1].text and coach.messages()[-1].button_texts == ["💬 Beri umpan balik"]


async def test_big_file_is_kept_by_reference_and_bad_media_is_refused(bot: InProcessBot, settings: Settings) -> None:
    await seed(bot)
    sari = bot.double.user(9001, "Sari")
    await start_entry(bot, sari)
    big = b"\0" * (25 * 1024 * 1024)
    sari.send_document(big, "paparan.pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation")
    await bot.run_pending()
    assert "disimpan sebagai <b>referensi</b>" not in sari.messages()[-1].text
    assert "disimpan sebagai referensi saja, tidak diunduh" in sari.next_message().text
    sari.send_voice()
    await bot.run_pending()
    assert "Pesan suara, video, dan stiker tidak bisa dijadikan bukti" in sari.next_message().text
    sari.send_document(b"MZ\x90", "setup.exe", "application/x-msdownload")
    await bot.run_pending()
    assert "tidak diterima" in sari.next_message().text
    reply = await say(bot, sari, "tidak ada tautan")
    assert "Mohon kirim foto" in reply.text
    await tap(bot, sari, "Selesai")
    async with bot.app.runtime.open_session() as session:
        [evidence] = (await session.scalars(select(Evidence))).all()
    assert (evidence.local_path, evidence.size, evidence.name) == (None, len(big), "paparan.pptx")
    assert not (settings.data_dir / "evidence").exists() or not any((settings.data_dir / "evidence").rglob("*.pptx"))


async def test_the_same_file_is_not_stored_twice_for_one_entry(bot: InProcessBot) -> None:
    await seed(bot)
    sari = bot.double.user(9001, "Sari")
    await start_entry(bot, sari)
    update = sari.send_photo(b"\xff\xd8\xff same")
    await bot.run_pending()
    sari.next_message()
    photo = update["message"]["photo"]
    bot.double.push_update({"message": {**update["message"], "message_id": 5555, "photo": photo}})  # forwarded again
    await bot.run_pending()
    assert "sudah terlampir" in sari.next_message().text
    await tap(bot, sari, "Selesai")
    async with bot.app.runtime.open_session() as session:
        assert len((await session.scalars(select(Evidence))).all()) == 1


async def test_100_percent_asks_to_confirm_the_milestone_is_done(bot: InProcessBot) -> None:
    await seed(bot)
    sari = bot.double.user(9001, "Sari")
    await say(bot, sari, "/log")
    await tap(bot, sari, "Tahap 2")
    await say(bot, sari, "Uji coba selesai")
    reply = await say(bot, sari, "120")
    assert "angka 0 sampai 100" in reply.text
    reply = await say(bot, sari, "100%")
    assert "Benar sudah selesai?" in reply.text
    reply = await tap(bot, sari, "Belum")
    assert "kemajuan" in reply.text
    await tap(bot, sari, "100%")
    await tap(bot, sari, "Ya, tahapan ini selesai")
    await tap(bot, sari, "Lewati")
    await tap(bot, sari, "Lewati")
    reply = await tap(bot, sari, "Selesai")
    assert "tahapan <b>" not in reply.text and "tahapan Tahap 2 selesai" in reply.text
    view = await say(bot, sari, "/pap")
    assert "☑️ Tahap 2 — 15 Mei 2026 (selesai)" in view.text and "kemajuan 50%" in view.text


async def test_edit_and_delete_only_within_24_hours(bot: InProcessBot, settings: Settings) -> None:
    await seed(bot)
    sari = bot.double.user(9001, "Sari")
    await start_entry(bot, sari, milestone="Umum")
    sari.send_photo(b"\xff\xd8\xff to delete")
    await bot.run_pending()
    sari.next_message()
    await tap(bot, sari, "Selesai")

    bot.clock.set(NOW + timedelta(hours=23))
    listing = await say(bot, sari, "/logbook_saya")
    assert "Umum" in listing.text and "📎 1 bukti" in listing.text
    await tap(bot, sari, "Ubah 1")
    reply = await say(bot, sari, "Rapat koordinasi (diperbaiki)")
    assert "diperbarui" in reply.text

    bot.clock.set(NOW + timedelta(hours=24, minutes=1))
    listing = await say(bot, sari, "/mylog")
    assert "(diperbaiki)" in listing.text and listing.button_texts == []
    sari.press_data(MyEntry("edit", await entry_id(bot)).encode(), listing)  # an old button, after the window
    await bot.run_pending()
    assert "dalam 24 jam" in sari.next_message().text

    bot.clock.set(NOW + timedelta(hours=1))
    listing = await say(bot, sari, "/logbook_saya")
    confirm = await tap(bot, sari, "Hapus 1")
    assert confirm.button_texts == ["🗑 Ya, hapus entri ini", "✖️ Batal"]
    assert "tidak dihapus" in (await tap(bot, sari, "Batal")).text
    assert await entry_id(bot)  # still there
    sari.press("Hapus 1", listing)
    await bot.run_pending()
    await tap(bot, sari, "Ya, hapus")
    async with bot.app.runtime.open_session() as session:
        assert (await session.scalars(select(LogEntry))).all() == []
    assert list((settings.data_dir / "evidence").rglob("*.jpg")) == []


async def entry_id(bot: InProcessBot) -> int:
    async with bot.app.runtime.open_session() as session:
        return await session.scalar(select(LogEntry.id))


async def test_coach_feedback_and_verification_reach_the_alumna(bot: InProcessBot) -> None:
    await seed(bot, coaches=2, group_notices=True)
    sari, budi, ani = bot.double.user(9001, "Sari"), bot.double.user(9100, "Budi"), bot.double.user(9101, "Ani")
    group = bot.double.group(-100900, "Coaches")
    await start_entry(bot, sari)
    await tap(bot, sari, "Selesai")
    [group_notice] = bot.double.sent(group.id)
    assert group_notice.text == "📒 Sari · Tahap 1 · 50%"  # no text of hers in the group
    notice, ani_notice = budi.next_message(), ani.next_message()
    assert "Rapat koordinasi" in notice.text and "Rapat koordinasi" in ani_notice.text

    outsider = bot.double.user(9999, "Bukan coach")
    outsider.press_data(CoachOnEntry("feedback", await entry_id(bot)).encode(), notice)
    await bot.run_pending()
    assert "bukan dari angkatan" in bot.double.answered_callbacks[-1]["text"]

    budi.press("Beri umpan balik", notice)
    await bot.run_pending()
    assert "Tuliskan umpan balik" in budi.next_message().text
    reply = await say(bot, budi, "Bagus sekali, <b>lanjutkan</b> & libatkan kepala bidang.")
    assert "terkirim" in reply.text
    delivered = sari.messages()[-1]
    assert "Umpan balik dari Coach 0" in delivered.text and "Bagus sekali, <b>lanjutkan</b> & libatkan" in delivered.text

    ani.press("Verifikasi", ani_notice)
    await bot.run_pending()
    assert "terverifikasi" in ani.next_message().text
    assert "Coach 1 telah memverifikasi" in sari.messages()[-1].text
    budi.press("Verifikasi", notice)
    await bot.run_pending()
    assert "sudah terverifikasi" in budi.next_message().text
    async with bot.app.runtime.open_session() as session:
        [feedback] = (await session.scalars(select(Feedback))).all()
        entry = await session.scalar(select(LogEntry))
    assert feedback.text == "Bagus sekali, <b>lanjutkan</b> & libatkan kepala bidang."
    assert entry.verified_at == NOW and entry.verified_by is not None


async def test_a_photo_outside_a_conversation_can_join_the_latest_entry(bot: InProcessBot) -> None:
    await seed(bot)
    sari = bot.double.user(9001, "Sari")
    await start_entry(bot, sari, milestone="Umum")
    await tap(bot, sari, "Selesai")
    sari.send_photo(b"\xff\xd8\xff later")
    await bot.run_pending()
    offer = sari.next_message()
    assert "entri logbook yang mana" in offer.text
    reply = await tap(bot, sari, "entri terakhir")
    assert "Bukti ditambahkan ke entri 10 Maret 2026" in reply.text
    sari.send_document(PDF, "notulen.pdf", "application/pdf")
    await bot.run_pending()
    sari.next_message()
    reply = await tap(bot, sari, "entri logbook baru")
    assert "tahapan mana" in reply.text
    await tap(bot, sari, "Umum")
    await say(bot, sari, "Sosialisasi")
    await tap(bot, sari, "Lewati")
    reply = await tap(bot, sari, "Lewati")
    assert "(1: 0 foto, 1 dokumen, 0 tautan)" in reply.text
    await tap(bot, sari, "Selesai")
    async with bot.app.runtime.open_session() as session:
        counts = [
            len(e.evidence)
            for e in (await session.scalars(select(LogEntry).options(selectinload(LogEntry.evidence)).order_by(LogEntry.id))).all()
        ]
    assert counts == [1, 1]


def evidence_files(settings: Settings) -> list[Path]:
    return sorted(p for p in (settings.data_dir / "evidence").rglob("*") if p.is_file())


async def test_a_cancelled_entry_takes_its_evidence_with_it(bot: InProcessBot, settings: Settings) -> None:
    await seed(bot)
    sari = bot.double.user(9001, "Sari")
    await start_entry(bot, sari)
    for photo in (b"\xff\xd8\xff cancelled one", b"\xff\xd8\xff cancelled two"):
        sari.send_photo(photo)
        await bot.run_pending()
    assert len(evidence_files(settings)) == 2
    sari.skip_read()
    assert "dibatalkan" in (await say(bot, sari, "/batal")).text
    assert evidence_files(settings) == []


async def test_at_most_ten_files_an_entry_and_her_quota_in_megabytes(bot: InProcessBot, settings: Settings) -> None:
    await seed(bot)
    sari = bot.double.user(9001, "Sari")
    await start_entry(bot, sari)
    for number in range(11):
        sari.send_photo(b"\xff\xd8\xff photo %d" % number)
        await bot.run_pending()
    assert "paling banyak 10 berkas" in sari.messages()[-1].text and "Selesai" in sari.messages()[-1].button_texts[0]
    assert len(evidence_files(settings)) == 10
    sari.skip_read()
    assert "10 bukti" in (await tap(bot, sari, "Selesai")).text

    bot.app.runtime.settings = settings.model_copy(update={"max_evidence_mb": 1})
    sari.skip_read()
    await start_entry(bot, sari)
    sari.send_document(b"%PDF-1.4\n" + b"x" * (1024 * 1024), "besar.pdf", "application/pdf")
    await bot.run_pending()
    assert "Ruang bukti Ibu sudah penuh (batas 1 MB)" in sari.messages()[-1].text
    assert len(evidence_files(settings)) == 10  # nothing more kept
    sari.skip_read()
    assert "Tautan diterima" in (await say(bot, sari, "https://drive.example.id/berkas")).text  # a link still goes


async def test_the_daily_sweep_removes_orphan_files_only(bot: InProcessBot, settings: Settings) -> None:
    await seed(bot)
    sari = bot.double.user(9001, "Sari")
    await start_entry(bot, sari)
    sari.send_photo(b"\xff\xd8\xff kept")
    await bot.run_pending()
    await tap(bot, sari, "Selesai")
    [kept] = evidence_files(settings)
    orphan = kept.parent / "left-behind.jpg"
    orphan.write_bytes(b"\xff\xd8\xff from a crash")
    young = kept.parent / "just-downloaded.jpg"
    young.write_bytes(b"\xff\xd8\xff a conversation's, not yet committed")
    day_old = time.time() - 86_400
    for path in (kept, orphan):
        os.utime(path, (day_old, day_old))
    await sweep_housekeeping(bot.app.runtime, bot.app.bot)
    assert evidence_files(settings) == sorted([kept, young])
