"""The web dashboard in a real headless Chromium (Debian's `chromium`, driven by Playwright), against
the real `ecoach web` process with its clock set by libfaketime, on the test's database.

Each test saves screenshots of the pages it visits under test-artifacts/screenshots/, in Indonesian
and in English."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, expect, sync_playwright
from pypdf import PdfReader
from sqlalchemy import func, select

from db.coaching import stalled_page
from db.cohorts import create_cohort
from db.enrolment import enrol_coach
from db.models import AuditAction, AuditEvent, Cohort, Evidence, Person
from db.web import issue_link
from devtools.double.core import BotApiDouble
from devtools.double.server import DoubleServer
from devtools.process import BotProcess
from tests.support import live
from tests.support.inprocess import PAP, SMART
from tests.support.live import bot_env, say, tap
from tests.support.seeds import COACHING_NOW, REPORT_NOW, coaching_cohort, report_cohort

ORGANIZER, COACH, OTHER_COACH = 900001, 7100, 7200
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parent.parent / "test-artifacts" / "screenshots"

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Dashboard:
    """`ecoach web` on a free port, started at `at` (UTC) by libfaketime (None: the real clock)."""

    def __init__(self, double: BotApiDouble, database_url: str, tmp_path: Path, at: datetime | None, api_url: str) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url = database_url
        self.data_dir = tmp_path / "data"
        env = bot_env(database_url, tmp_path, ECOACH_WEB_PORT=str(self.port))
        self.env = env
        self.process = BotProcess(double, api_url, env, tmp_path / "web.log", command=[sys.executable, "-m", "bot.cli", "web"])
        self.process.start(fake_time=at.strftime("%Y-%m-%d %H:%M:%S") if at else None)

    def link(self, telegram_id: int) -> str:
        """A login link as an operator prints it on the server: `ecoach web link --user`."""
        env = {**os.environ, **self.env, "ECOACH_WEB_URL": self.url}
        command = [sys.executable, "-m", "bot.cli", "web", "link", "--user", str(telegram_id)]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        return done.stdout.strip()


@pytest.fixture
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: `apt-get install chromium` (.ci/run installs it)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def start(api_server: DoubleServer, database_url: str, tmp_path: Path) -> Iterator[Callable[..., Dashboard]]:
    started: list[Dashboard] = []

    def begin(at: datetime | None) -> Dashboard:
        started.append(Dashboard(api_server.double, database_url, tmp_path, at, api_server.url))  # getMe: the bot's @username
        return started[-1]

    yield begin
    for dashboard in started:
        dashboard.process.stop()


def log_in(browser: Browser, dashboard: Dashboard, telegram_id: int) -> Page:
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(dashboard.link(telegram_id))
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(f"{dashboard.url}/")
    return page


def screenshot(page: Page, name: str) -> None:
    """The page in its language, then in the other one through the header's switch, and back."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}-id.png", full_page=True)
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    page.screenshot(path=ARTIFACTS / f"{name}-en.png", full_page=True)
    page.get_by_role("button", name="Bahasa Indonesia").click()
    page.wait_for_load_state()


def _beside(work: Callable[..., Any], *args: Any) -> Any:
    """Playwright's sync API keeps an event loop running in this thread: database work goes beside it."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(work, *args).result()


def query(database_url: str, statement: Any) -> list[Any]:
    return list(_beside(live.query, database_url, statement))


def run(database_url: str, make: Callable[[Any], Any]) -> Any:
    return _beside(live.run, database_url, make)


def seeded(database_url: str, make: Callable[..., Any], *args: Any) -> Any:
    async def both(session: Any) -> Any:
        return await make(session, *args)

    return run(database_url, both)


def test_a_login_link_works_once_and_not_after_ten_minutes(start: Callable[..., Dashboard], browser: Browser) -> None:
    dashboard = start(COACHING_NOW)
    link = dashboard.link(ORGANIZER)
    page = browser.new_page()
    page.goto(link)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "login-id.png")
    english = browser.new_page()
    english.goto(link + "&lang=en")  # her chat is in English: so is the page; looking spends nothing
    expect(english.get_by_role("button", name="Log in")).to_be_visible()
    english.screenshot(path=ARTIFACTS / "login-en.png")
    page.get_by_role("button", name="Masuk").click()
    expect(page.get_by_role("heading", name="Ikhtisar program")).to_be_visible()
    again = browser.new_page()  # the same link, in another browser
    again.goto(link)
    with again.expect_response(lambda r: r.request.method == "POST") as spent:
        again.get_by_role("button", name="Masuk").click()
    assert spent.value.status == 403
    expect(again.get_by_role("heading", name="Tautan tidak berlaku")).to_be_visible()
    # A link issued eleven minutes before the server's clock started: its ten minutes are over.
    old = run(dashboard.database_url, lambda s: issue_link(session=s, telegram_id=ORGANIZER, now=COACHING_NOW - timedelta(minutes=11)))
    late = browser.new_page()
    late.goto(f"{dashboard.url}/masuk?t={old}")
    late.get_by_role("button", name="Masuk").click()
    expect(late.get_by_role("heading", name="Tautan tidak berlaku")).to_be_visible()
    assert late.goto(f"{dashboard.url}/").status == 401  # and no session came of it


def test_the_overview_tiles_show_the_seeded_indicators(
    start: Callable[..., Dashboard], browser: Browser, database_url: str, tmp_path: Path
) -> None:
    dashboard = start(REPORT_NOW)
    seeded(database_url, report_cohort, dashboard.data_dir)
    page = log_in(browser, dashboard, ORGANIZER)
    tiles = {
        name: page.locator(f'[data-indicator="{name}"] .figure').inner_text()
        for name in ("promoted", "implementation", "checkins", "perception", "forum", "network")
    }
    assert tiles == {"promoted": "25%", "implementation": "75%", "checkins": "50%", "perception": "4.0", "forum": "25%", "network": "25%"}
    assert "Target: 25–30%" in page.locator('[data-indicator="promoted"]').inner_text()
    assert page.locator("svg.chart rect.bar").count() == 12  # twelve weeks of activity
    screenshot(page, "overview")
    page.keyboard.press("Tab")  # the keyboard's first stop skips the header
    assert page.evaluate("document.activeElement.textContent") == "Langsung ke isi"
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # wide tables scroll in their own box
    page.screenshot(path=ARTIFACTS / "overview-phone-id.png", full_page=True)


def test_the_cohort_table_filtered_to_stalled(start: Callable[..., Dashboard], browser: Browser, database_url: str) -> None:
    ids = seeded(database_url, coaching_cohort)
    dashboard = start(COACHING_NOW)
    page = log_in(browser, dashboard, COACH)
    page.goto(f"{dashboard.url}/angkatan/{ids['cohort_id']}")
    assert page.locator("tbody tr").count() == 5
    page.get_by_label("Status").select_option(label="Mandek")
    page.get_by_role("button", name="Terapkan").click()
    page.wait_for_url("**status=stalled**")
    rows = page.locator("tbody tr")
    assert {rows.nth(n).get_attribute("data-status") for n in range(rows.count())} == {"stalled"}

    async def mandek(session: Any) -> list[str]:
        cohort = await session.get(Cohort, ids["cohort_id"])
        return [row.name for row in (await stalled_page(session=session, cohort=cohort, today=COACHING_NOW.date())).rows]

    assert page.locator("tbody th").all_inner_texts() == run(database_url, mandek) == ["Budi", "Dewi"]
    screenshot(page, "cohort")
    assert page.url.endswith("status=stalled&agency=&coach=&sort=status")  # switching the language kept her filter


def test_an_alumna_page_shows_her_evidence_image_and_is_audited(
    start: Callable[..., Dashboard], browser: Browser, database_url: str
) -> None:
    dashboard = start(REPORT_NOW)
    seeded(database_url, report_cohort, dashboard.data_dir)
    [(person_id, telegram_id)] = query(database_url, select(Person.id, Person.telegram_id).where(Person.name == "A"))
    page = log_in(browser, dashboard, ORGANIZER)
    page.goto(f"{dashboard.url}/alumni/{person_id}")
    image = page.locator(".evidence img")
    image.wait_for()
    page.wait_for_function("() => [...document.querySelectorAll('.evidence img')].every(i => i.complete)")
    assert image.evaluate("i => i.naturalWidth") == 40  # the seeded 40×30 photo, served from disk
    assert "klein=1" in (image.get_attribute("src") or "")  # as a thumbnail, made once beside the photo
    assert (dashboard.data_dir / f"evidence/{person_id}/thumbs/u1.jpg").is_file()
    assert "Sosialisasi layanan di kelurahan" in page.locator("#main").inner_text()
    viewed = select(AuditEvent.actor_telegram_id, AuditEvent.subject_telegram_id).where(AuditEvent.action == AuditAction.ALUMNA_VIEWED)
    assert query(database_url, viewed) == [(ORGANIZER, telegram_id)]
    screenshot(page, "alumna")


def test_a_coach_is_refused_another_cohorts_pages_and_evidence(
    start: Callable[..., Dashboard], browser: Browser, database_url: str
) -> None:
    dashboard = start(REPORT_NOW)
    report = seeded(database_url, report_cohort, dashboard.data_dir)
    seeded(database_url, coach_of_another_cohort)
    [(person_id,)] = query(database_url, select(Person.id).where(Person.name == "A"))
    [(evidence_id,)] = query(database_url, select(func.min(Evidence.id)))
    organizer = log_in(browser, dashboard, ORGANIZER)
    organizer.goto(f"{dashboard.url}/alumni/{person_id}")
    organizer_src = organizer.locator(".evidence img").get_attribute("src")
    assert organizer_src is not None and organizer.request.get(dashboard.url + organizer_src).status == 200

    coach = log_in(browser, dashboard, OTHER_COACH)  # she coaches "Angkatan Lain" only
    assert coach.goto(f"{dashboard.url}/angkatan/{report.id}").status == 403
    expect(coach.get_by_role("heading", name="Tidak ada akses")).to_be_visible()
    assert coach.goto(f"{dashboard.url}/alumni/{person_id}").status == 403
    assert coach.request.get(dashboard.url + organizer_src).status == 403  # another session's evidence address
    [cookie] = [c for c in coach.context.cookies() if c["name"] == "ecoach_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    own_key = hmac.new(cookie["value"].encode(), f"evidence:{evidence_id}".encode(), hashlib.sha256).hexdigest()[:32]
    assert coach.request.get(f"{dashboard.url}/bukti/{evidence_id}?k={own_key}").status == 403  # signed for her, still not hers
    assert coach.request.get(f"{dashboard.url}/bukti/{evidence_id}").status == 403  # no key at all
    assert browser.new_page().request.get(dashboard.url + organizer_src).status == 401  # no session


async def coach_of_another_cohort(session: Any) -> None:
    other = await create_cohort(session=session, name="Angkatan Lain", training_end=date(2026, 1, 1), months=6, now=REPORT_NOW)
    await enrol_coach(
        session=session, telegram_id=OTHER_COACH, cohort=other, name="Coach Lain", locale="id", timezone="Asia/Jakarta", now=REPORT_NOW
    )


def test_a_post_without_its_csrf_token_is_refused(start: Callable[..., Dashboard], browser: Browser) -> None:
    dashboard = start(COACHING_NOW)
    page = log_in(browser, dashboard, ORGANIZER)
    refused = page.request.post(f"{dashboard.url}/keluar", form={"next": "/"})
    assert refused.status == 403 and "Permintaan ditolak" in refused.text()
    assert page.goto(f"{dashboard.url}/").status == 200  # still logged in: the forged logout did nothing
    page.get_by_role("button", name="Keluar").click()  # the real form carries its token
    expect(page.get_by_role("heading", name="Anda sudah keluar")).to_be_visible()
    assert page.goto(f"{dashboard.url}/").status == 401


def test_a_class_list_is_imported_and_one_personal_link_enrols_her_with_her_nip(
    cohort: Cohort,
    api_server: DoubleServer,
    live_bot: BotProcess,
    double: BotApiDouble,
    start: Callable[..., Dashboard],
    browser: Browser,
    database_url: str,
    tmp_path: Path,
) -> None:
    dashboard = start(None)
    rows = [["Nama", "NIP", "Instansi", "Unit kerja", "Email"]]
    rows.append(["Dr. Sari Wulandari, M.Si.", "19850312 201001 2 004", "Dinas Kependudukan Kota Makassar", "Bidang Pelayanan", "s@x.id"])
    rows += [[f"Peserta {n:02d}", f"19800101200501{n % 2 + 1}{n:03d}", "Dinas Kesehatan", "Sekretariat", ""] for n in range(1, 30)]
    rows.append(["", "198001012005011099", "Dinas Kesehatan", "", ""])  # no name
    rows.append(["Peserta Ganda", "19850312 201001 2 004", "Dinas Sosial", "", ""])  # Sari's NIP again
    roster = tmp_path / "peserta.csv"
    with roster.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, delimiter=";").writerows(rows)  # as Excel in Indonesia saves it
    page = log_in(browser, dashboard, ORGANIZER)
    page.goto(f"{dashboard.url}/angkatan/{cohort.id}/peserta")
    page.get_by_label("Berkas").set_input_files(roster)
    page.get_by_role("button", name="Periksa").click()
    expect(page.get_by_role("heading", name="Pratinjau: 30 siap diimpor, 2 perlu diperbaiki")).to_be_visible()
    assert "nama kosong" in page.locator("tr.bad").nth(0).inner_text()
    assert "NIP ganda dalam berkas" in page.locator("tr.bad").nth(1).inner_text()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "roster-preview-id.png", full_page=True)
    page.get_by_role("button", name="Impor 30 peserta").click()
    expect(page.get_by_role("heading", name="Peserta: 30 · sudah bergabung 0")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Unduh daftar dengan tautan dan QR (XLSX)").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    assert sheet is not None
    links = {row[0]: (row[1], row[6]) for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert len(links) == 30 and len(sheet._images) == 30  # a QR code beside every link
    nip, link = links["Dr. Sari Wulandari, M.Si."]
    assert nip == "198503122010012004" and link.startswith("https://t.me/ecoach_test_bot?start=")
    with page.expect_download() as printed:
        page.get_by_role("link", name="Cetak kartu undangan (PDF)").click()
    assert "Dr. Sari Wulandari, M.Si." in PdfReader(printed.value.path()).pages[0].extract_text()

    sari = double.user(5001, "Sari")
    welcome = say(sari, f"/start {link.split('start=')[1]}")
    assert "sudah terisi dari daftar peserta" in welcome.text
    assert "UU 27/2022" in sari.next_message().text
    assert "panggil" in tap(sari, "Saya setuju").text.lower()  # her name is known: the nickname comes next
    tap(sari, "Panggil saya Sari")  # agency, work unit and NIP are known too: her position comes next
    tap(sari, "Pengawas")
    tap(sari, "WIB")
    for answer in PAP + SMART:
        say(sari, answer)
    tap(sari, "Pakai")
    for title, due in (("Pemetaan proses", "15-03-2026"), ("Uji coba", "15 Mei 2026")):
        say(sari, title)
        say(sari, due)
    tap(sari, "Selesai")
    tap(sari, "Jumat")
    summary = tap(sari, "15.00")
    assert "198503122010012004" in summary.text and "Bidang Pelayanan" in summary.text
    assert tap(sari, "Simpan").text.startswith("Tersimpan!")
    other = double.user(5002, "Orang Lain")
    assert "sudah dipakai" in say(other, f"/start {link.split('start=')[1]}").text  # single use

    page.goto(f"{dashboard.url}/angkatan/{cohort.id}/peserta")
    expect(page.get_by_role("heading", name="Peserta: 30 · sudah bergabung 1")).to_be_visible()
    assert page.locator("tr", has_text="Dr. Sari Wulandari").get_attribute("data-joined") == "yes"
    screenshot(page, "roster")
    page.goto(f"{dashboard.url}/angkatan/{cohort.id}")
    assert page.locator("tbody tr", has_text="Dr. Sari Wulandari").locator(".nip").inner_text() == "198503122010012004"


def test_an_organizer_renames_closes_and_archives_a_cohort_and_prints_its_invite(
    start: Callable[..., Dashboard], browser: Browser, database_url: str
) -> None:
    ids = seeded(database_url, coaching_cohort)
    cohort_id = ids["cohort_id"]
    dashboard = start(COACHING_NOW)
    page = log_in(browser, dashboard, ORGANIZER)
    page.goto(f"{dashboard.url}/angkatan/{cohort_id}/kelola")
    page.get_by_label("Nama angkatan").fill("angkatan lain")  # another cohort's name, in other letters
    with page.expect_response(lambda r: r.request.method == "POST") as refused:
        page.get_by_role("button", name="Simpan").click()
    assert refused.value.status == 400
    expect(page.get_by_role("alert")).to_contain_text("sama dengan angkatan lain")
    expect(page.get_by_label("Nama angkatan")).to_have_value("angkatan lain")  # what she typed, shown again
    page.get_by_label("Nama angkatan").fill("Angkatan I 2026 Makassar")
    page.get_by_role("button", name="Simpan").click()
    expect(page.get_by_role("status")).to_have_text("Perubahan tersimpan.")
    page.get_by_role("button", name="Tutup pendaftaran").click()
    expect(page.locator(".notice")).to_have_text("Angkatan ini ditutup untuk pendaftaran baru.")
    screenshot(page, "manage")

    page.goto(f"{dashboard.url}/angkatan/{cohort_id}/undangan")
    [(old_code,)] = query(database_url, select(Cohort.alumni_code).where(Cohort.id == cohort_id))
    assert page.locator(".a4 .link").inner_text() == f"https://t.me/ecoach_test_bot?start={old_code}"
    qr = page.locator(".a4 .qr svg")
    [_, _, width, height] = (qr.get_attribute("viewBox") or "").split()
    assert width == height  # the whole QR code with its border, scaled to the box, never cropped
    box = qr.bounding_box()
    assert box is not None and box["width"] == box["height"] > 200
    screenshot(page, "invite")
    page.get_by_role("button", name="Ganti kode alumni").click()
    expect(page.get_by_role("status")).to_contain_text("Kode baru berlaku sekarang")
    [(new_code,)] = query(database_url, select(Cohort.alumni_code).where(Cohort.id == cohort_id))
    assert new_code != old_code and page.locator(".a4 .link").inner_text().endswith(new_code)

    page.goto(f"{dashboard.url}/angkatan/{cohort_id}")
    with page.expect_download() as report:
        page.get_by_role("link", name="Unduh laporan (XLSX)").click()
    assert report.value.suggested_filename.startswith("laporan-angkatan-i-2026-makassar-")
    book = load_workbook(io.BytesIO(report.value.path().read_bytes()))
    assert book.sheetnames == ["Ringkasan", "Alumni"]

    page.goto(f"{dashboard.url}/angkatan/{cohort_id}/kelola")
    page.get_by_role("button", name="Arsipkan").click()
    page.goto(f"{dashboard.url}/")
    assert "Angkatan I 2026 Makassar" not in page.locator("table").first.inner_text()
    page.locator("summary", has_text="Arsip").click()
    expect(page.get_by_role("link", name="Angkatan I 2026 Makassar")).to_be_visible()

    coach = log_in(browser, dashboard, COACH)  # she coaches it, but managing it is for organizers
    for path in ("kelola", "undangan", "peserta", "peserta.xlsx"):
        assert coach.goto(f"{dashboard.url}/angkatan/{cohort_id}/{path}").status == 403


def test_ecoach_run_serves_the_dashboard_too_once_its_port_is_set(
    api_server: DoubleServer, database_url: str, tmp_path: Path, browser: Browser
) -> None:
    port = _free_port()
    env = bot_env(database_url, tmp_path, ECOACH_WEB_PORT=str(port))
    bot = BotProcess(api_server.double, api_server.url, env, tmp_path / "run.log").start()  # polling, and the dashboard beside it
    try:
        organizer = api_server.double.user(ORGANIZER, "Penyelenggara")
        reply = say(organizer, "/dasbor")
        [link] = [word for word in reply.text.split() if "/masuk?t=" in word]
        assert link.startswith(f"http://127.0.0.1:{port}/masuk?t=")
        page = browser.new_page()
        page.goto(link)
        page.get_by_role("button", name="Masuk").click()
        expect(page.get_by_role("heading", name="Ikhtisar program")).to_be_visible()
    finally:
        assert bot.stop() == 0  # and both stop cleanly together
