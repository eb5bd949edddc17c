"""Onboarding end to end: the real `ecoach run` process, the double over HTTP, and SIGKILL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from db.models import Cohort, Draft, Membership, Milestone, Pap, Person, Role
from devtools.double import BotApiDouble
from devtools.process import BotProcess
from tests.support.inprocess import PAP, PROFILE, SMART
from tests.support.live import answer_until_milestones, finish_from_milestones, new_cohort, query, say, tap

pytestmark = pytest.mark.slow  # the real process over HTTP: `pytest -m "not slow"` leaves it out


@pytest.mark.parametrize("language", ["id", "en"])
def test_complete_onboarding_over_http(
    live_bot: BotProcess, double: BotApiDouble, cohort: Cohort, database_url: str, language: str
) -> None:
    english = language == "en"
    sari = double.user(5001, "Sari", language_code=language)
    answer_until_milestones(sari, cohort.alumni_code, english=english)
    for title, due in (("Pemetaan proses", "15-03-2026"), ("Uji coba", "15 Mei 2026")):
        say(sari, title)
        say(sari, due)
    saved = finish_from_milestones(sari, english=english)
    assert saved.text.startswith("Saved!" if english else "Tersimpan!")
    view = say(sari, "/plan" if english else "/pap")
    for value in PAP + SMART:
        assert value in view.text
    [(locale, title)] = query(database_url, select(Person.locale, Pap.title).join(Pap))
    assert (locale, title) == (language, PAP[0])


def test_coach_enrolment_over_http(live_bot: BotProcess, double: BotApiDouble, cohort: Cohort, database_url: str) -> None:
    admin = double.user(900001, "Penyelenggara")
    budi = double.user(5002, "Budi")
    assert "Coach" in say(budi, f"/start {cohort.coach_code}").text
    assert "diteruskan ke penyelenggara" in say(budi, "Dr. Budi Santoso").text
    assert query(database_url, select(Person.name, Membership.role).join(Membership)) == []  # not before an organizer approves
    assert "Dr. Budi Santoso" in admin.next_message(timeout=20).text
    assert "Kini coach" in tap(admin, "Setujui").text
    assert "menyetujui" in budi.next_message(timeout=20).text
    assert query(database_url, select(Person.name, Membership.role).join(Membership)) == [("Dr. Budi Santoso", Role.COACH)]


def test_every_bad_input_over_http(live_bot: BotProcess, double: BotApiDouble, cohort: Cohort, database_url: str) -> None:
    stranger = double.user(5003, "Tamu")
    assert "tidak dikenal" in say(stranger, "/start salahkode99").text
    assert "tautan undangan" in say(stranger, "/pap").text
    assert query(database_url, select(func.count()).select_from(Person)) == [(0,)]

    sari = double.user(5004, "Sari")
    say(sari, f"/start {cohort.alumni_code}")
    tap(sari, "Saya setuju")
    assert "5000 karakter; batasnya 120" in say(sari, "x" * 5000).text
    sari.send_sticker()
    assert "bukan stiker" in sari.next_message().text
    sari.send_voice()
    assert "nama lengkap" in sari.next_message().text
    sari.send_photo(b"\xff\xd8\xff")
    assert "nama lengkap" in sari.next_message().text
    say(sari, "<b>Sari</b> & Co")
    assert "batasnya 40" in say(sari, "🌷" * 41).text
    say(sari, "Sari <3")
    say(sari, "Dinas <i>X</i>")
    say(sari, "Unit &amp; Y")
    for wrong in ("abc", "🌷", "19850312 201001 2 00", "19851312 201001 2 004", "<b>198503122010012004</b>"):
        assert "18 angka" in say(sari, wrong).text  # too short, no such month, HTML around it
    sari.send_sticker()
    assert "bukan stiker" in sari.next_message().text
    assert "jabatan" in tap(sari, "Lewati").text
    assert "tombol" in say(sari, "jabatan apa saja").text
    tap(sari, "Pengawas")
    tap(sari, "WIT")
    for answer in PAP + SMART:
        say(sari, answer)
    assert "Format tanggal belum dikenali" in say(sari, "tahun depan").text
    assert "tidak ada di kalender" in say(sari, "30-02-2027").text
    assert "harus di antara" in say(sari, "2030-01-01").text
    say(sari, "20 Juli 2026")
    say(sari, "T1")
    assert "harus di antara" in say(sari, "01-08-2026").text  # after the PAP's end
    say(sari, "01/03/2026")
    say(sari, "T2")
    say(sari, "2026-04-01")
    assert finish_from_milestones(sari).text.startswith("Tersimpan!")
    [(name, agency, unit)] = query(database_url, select(Person.name, Person.agency, Person.work_unit))
    assert (name, agency, unit) == ("<b>Sari</b> & Co", "Dinas <i>X</i>", "Unit &amp; Y")
    [summary_sent] = [m for m in sari.messages() if m.method == "sendMessage" and "Periksa kembali" in m.text]
    assert "<b>Sari</b> & Co" in summary_sent.text and "Unit &amp; Y" in summary_sent.text  # read as typed
    assert "&lt;b&gt;Sari&lt;/b&gt; &amp; Co" in (summary_sent.raw_text or "")  # escaped on the way out
    assert "Unit &amp;amp; Y" in (summary_sent.raw_text or "")

    other = double.user(5005, "Rina")
    assert "Angkatan" in say(other, f"/start {cohort.alumni_code}").text


def test_already_enrolled_alumna_confirms_another_cohort_over_http(
    live_bot: BotProcess, double: BotApiDouble, cohort: Cohort, database_url: str
) -> None:
    sari = double.user(5006, "Sari")
    answer_until_milestones(sari, cohort.alumni_code)
    for title, due in (("T1", "2026-03-01"), ("T2", "2026-04-01")):
        say(sari, title)
        say(sari, due)
    finish_from_milestones(sari)

    second = new_cohort(database_url, "Angkatan II", training_end=date(2026, 3, 1))
    reply = say(sari, f"/start {second.alumni_code}")
    assert "Angkatan I 2026" in reply.text and "Angkatan II" in reply.text and "Lanjutkan?" in reply.text
    assert "tetap" in tap(sari, "Tidak").text
    assert query(database_url, select(func.count()).select_from(Membership)) == [(1,)]


def test_sigkill_at_the_milestones_step_keeps_both_milestones(
    live_bot: BotProcess, double: BotApiDouble, cohort: Cohort, database_url: str
) -> None:
    sari = double.user(5007, "Sari")
    answer_until_milestones(sari, cohort.alumni_code)
    say(sari, "Pemetaan proses")
    say(sari, "15-03-2026")
    say(sari, "Uji coba")
    more = say(sari, "15-05-2026")
    assert "Uji coba — 15 Mei 2026" in more.text

    live_bot.kill()
    live_bot.start()

    saved = finish_from_milestones(sari)
    assert saved.text.startswith("Tersimpan!")
    rows = query(database_url, select(Milestone.title, Milestone.due_date).order_by(Milestone.due_date))
    assert rows == [("Pemetaan proses", date(2026, 3, 15)), ("Uji coba", date(2026, 5, 15))]
    assert query(database_url, select(func.count()).select_from(Draft)) == [(0,)]
    [(agency,)] = query(database_url, select(Person.agency))
    assert agency == PROFILE[1]


def test_sigkill_then_her_next_message_continues_at_the_same_step(
    live_bot: BotProcess, double: BotApiDouble, cohort: Cohort, database_url: str
) -> None:
    sari = double.user(5008, "Sari")
    say(sari, f"/start {cohort.alumni_code}")
    tap(sari, "Saya setuju")
    say(sari, PROFILE[0])
    live_bot.kill()
    live_bot.start()
    assert "instansi" in tap(sari, "Panggil saya Sari").text
    assert "unit kerja" in say(sari, PROFILE[1]).text
    [(data,)] = query(database_url, select(Draft.data))
    assert (data["name"], data["short_name"], data["agency"]) == (PROFILE[0], "Sari", PROFILE[1])
