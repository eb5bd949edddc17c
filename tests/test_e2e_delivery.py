"""Nothing lost, nothing stuck, no one locked out: the real `ecoach run` process over HTTP, killed,
timed out, reset and fed odd input."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.kernel.clock import SystemClock
from db.broadcasts import create_broadcast
from db.models import (
    BroadcastKind,
    CheckIn,
    CheckInStatus,
    DeadLetter,
    Delivery,
    DeliveryStatus,
    Evidence,
    LogEntry,
    Membership,
    Person,
    Reminder,
    ReminderKind,
    SendStatus,
)
from devtools.double import BotApiDouble, DoubleServer, FakeUser, Sent
from devtools.process import BotProcess
from tests.support import factories
from tests.support.live import new_cohort_code, query, run, say, tap, wait_until

pytestmark = pytest.mark.slow  # the real process over HTTP: `pytest -m "not slow"` leaves it out

SHORT_LEASE = "3"  # seconds: what a killed process held comes back quickly enough for a test


def restart(live_bot: BotProcess, *, kill: bool = False, fake_time: str | None = None, **env: str) -> None:
    live_bot.kill(between_updates=False) if kill else live_bot.stop()
    live_bot.env.update(env)
    live_bot.start(fake_time=fake_time)


def alumnae(database_url: str, double: BotApiDouble, count: int, *, first_id: int, now: datetime | None = None) -> list[FakeUser]:
    """Enrolled alumnae with their reminders off (they would fall due on today's clock)."""

    async def make(session: AsyncSession) -> None:
        moment = now or SystemClock().now()
        cohort = await factories.cohort(session, moment)
        for n in range(count):
            await factories.alumna(session, moment, cohort, first_id + n, name=f"Alumna {n}", reminders=False)

    run(database_url, make)
    return [double.user(first_id + n, f"Alumna {n}") for n in range(count)]


def test_a_broadcast_killed_after_a_hundred_sends_reaches_all_three_hundred(
    live_bot: BotProcess, double: BotApiDouble, database_url: str
) -> None:
    live_bot.stop()
    users = alumnae(database_url, double, 300, first_id=20_000)

    async def broadcast(session: AsyncSession) -> None:
        await create_broadcast(
            session=session, kind=BroadcastKind.GENERAL, cohort_id=None, title="Info", body="Rapat alumni", now=SystemClock().now()
        )

    run(database_url, broadcast)
    live_bot.env["ECOACH_LEASE_SECONDS"] = SHORT_LEASE
    live_bot.start()
    wait_until(lambda: double.count_calls("sendMessage") >= 100, timeout=60)
    live_bot.kill(between_updates=False)  # mid-broadcast, whatever it was doing
    before = sum(1 for user in users if user.messages())
    assert 90 <= before < 300
    live_bot.start()
    wait_until(lambda: all(user.messages() for user in users), timeout=90)
    unsettled = select(func.count()).select_from(Delivery).where(Delivery.status.in_((DeliveryStatus.PENDING, DeliveryStatus.SENDING)))
    wait_until(lambda: query(database_url, unsettled) == [(0,)], timeout=30)
    duplicates = sum(len(user.messages()) - 1 for user in users)
    assert duplicates <= 3  # at most 1 %: only what Telegram took in the moment before its outcome was recorded
    assert query(database_url, select(func.count()).select_from(Delivery).where(Delivery.status == DeliveryStatus.SENT)) == [(300,)]


def test_after_downtime_across_her_slot_she_gets_exactly_one_reminder(
    live_bot: BotProcess, double: BotApiDouble, database_url: str
) -> None:
    """Her slot is Friday 15:00 WITA. The bot is down from a Saturday until an hour after her slot two
    weeks later, and that week is still open."""
    live_bot.stop()
    saturday = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)

    async def make(session: AsyncSession) -> None:
        cohort = await factories.cohort(session, saturday)
        await factories.alumna(session, saturday, cohort, 21_001, name="Sari", zone="Asia/Makassar", weekday=4, at=clock_time(15, 0))

    run(database_url, make)
    sari = double.user(21_001, "Sari")
    live_bot.start(fake_time="2026-12-11 08:00:00")  # Friday of week 50, 16:00 WITA
    assert "refleksi mingguan" in sari.next_message(timeout=20).text
    time.sleep(3)  # three more sweeps
    assert len(sari.messages()) == 1
    sent = select(Reminder.week).where(Reminder.kind == ReminderKind.REFLECTION, Reminder.status == SendStatus.SENT)
    assert query(database_url, sent) == [(50,)]


def test_sends_a_killed_process_held_are_sent_after_restart(live_bot: BotProcess, double: BotApiDouble, database_url: str) -> None:
    """A check-in invitation and a reflection reminder left in SENDING by a SIGKILL, and a check-in
    reminder that meets a 429: all three reach her."""
    live_bot.stop()
    now = datetime(2026, 3, 4, 3, 0, tzinfo=UTC)  # a Wednesday, 10:00 WIB: outside anyone's quiet hours
    [rina, wati] = alumnae(database_url, double, 2, first_id=21_100, now=now)

    def person(telegram_id: int) -> tuple[int, int]:
        [(person_id, cohort_id)] = query(
            database_url, select(Person.id, Membership.cohort_id).join(Membership).where(Person.telegram_id == telegram_id)
        )
        return person_id, cohort_id

    rina_id, cohort_id = person(rina.id)
    wati_id, _ = person(wati.id)

    async def seed(session: AsyncSession) -> None:
        dead_lease = now - timedelta(minutes=1)
        session.add(CheckIn(person_id=rina_id, cohort_id=cohort_id, sequence=1, kind="regular", month=1, due_at=now - timedelta(minutes=5),
                            status=CheckInStatus.SENDING, lease_until=dead_lease, attempts=1))  # fmt: skip
        session.add(Reminder(person_id=rina_id, kind=ReminderKind.REFLECTION, week_year=now.isocalendar()[0], week=now.isocalendar()[1],
                             due_at=now - timedelta(minutes=5), status=SendStatus.SENDING, lease_until=dead_lease, attempts=1))  # fmt: skip
        session.add(CheckIn(person_id=wati_id, cohort_id=cohort_id, sequence=1, kind="regular", month=1, due_at=now - timedelta(minutes=1),
                            status=CheckInStatus.SENT, sent_at=now - timedelta(days=3, hours=1), attempts=0))  # fmt: skip
        await session.execute(update(Person).values(reminders_on=True).where(Person.id == rina_id))

    run(database_url, seed)
    double.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1, chat_id=wati.id)
    live_bot.start(fake_time="2026-03-04 03:05:00")
    wait_until(lambda: len(rina.messages()) >= 2, timeout=30)
    assert sorted("check-in monitoring" in m.text for m in rina.messages()) == [False, True]
    assert any("refleksi mingguan" in m.text for m in rina.messages())
    wait_until(lambda: len(wati.messages()) == 1, timeout=30)  # the reminder, after its 429
    assert "check-in" in wati.messages()[0].text
    time.sleep(2)
    assert len(rina.messages()) == 2 and len(wati.messages()) == 1


def test_a_timed_out_send_is_not_repeated_to_her_and_a_broadcast_follows_its_lease(
    live_bot: BotProcess, double: BotApiDouble, database_url: str
) -> None:
    restart(live_bot, ECOACH_LEASE_SECONDS=SHORT_LEASE)
    [sari] = alumnae(database_url, double, 1, first_id=21_200)
    double.lose_answer_next("sendMessage", chat_id=sari.id)  # her next question: Telegram takes it, the answer is lost
    sari.send("/refleksi")
    assert "1/7" in sari.next_message(timeout=20).text
    time.sleep(7)  # past the bot's read timeout
    assert len(sari.messages()) == 1  # neither repeated nor apologised for
    assert "2/7" in say(sari, "Rapat lancar").text

    async def broadcast(session: AsyncSession) -> None:
        await create_broadcast(
            session=session, kind=BroadcastKind.GENERAL, cohort_id=None, title="Info", body="Isi", now=SystemClock().now()
        )

    double.lose_answer_next("sendMessage", chat_id=sari.id)
    run(database_url, broadcast)
    wait_until(lambda: query(database_url, select(Delivery.status)) == [(DeliveryStatus.SENT,)], timeout=40)
    announcements = [m for m in sari.messages() if "Isi" in m.text]
    assert len(announcements) == 2  # left to its lease, then sent again: the one duplicate its window allows


@pytest.fixture
def webhook_bot(api_server: DoubleServer, database_url: str, tmp_path: Path) -> BotProcess:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        "DATABASE_URL": database_url, "ECOACH_DATA_DIR": str(tmp_path / "data"), "ECOACH_WEEKLY_TIPS": "false", "ECOACH_SWEEP_SECONDS": "1",
        "ECOACH_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram-hook", "ECOACH_WEBHOOK_SECRET": "s3cret-webhook-token-for-tests_0123",
        "ECOACH_WEBHOOK_PORT": str(port), "ECOACH_LEASE_SECONDS": SHORT_LEASE,
    }  # fmt: skip
    return BotProcess(api_server.double, api_server.url, env, tmp_path / "bot.log", args=["--webhook"])


def post(process: BotProcess, update: dict[str, object]) -> int:
    url, secret = process.env["ECOACH_WEBHOOK_URL"], process.env["ECOACH_WEBHOOK_SECRET"]
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret}
    for _ in range(50):
        try:
            return httpx.post(url, content=json.dumps(update), headers=headers).status_code
        except httpx.ConnectError:
            time.sleep(0.1)
    raise AssertionError("the webhook never listened")


def start_update(update_id: int, user_id: int) -> dict[str, object]:
    chat = {"id": user_id, "type": "private", "first_name": f"U{user_id}"}
    sender = {"id": user_id, "is_bot": False, "first_name": f"U{user_id}", "language_code": "id"}
    entities = [{"type": "bot_command", "offset": 0, "length": 6}]
    return {
        "update_id": update_id,
        "message": {"message_id": 1, "date": int(time.time()), "chat": chat, "from": sender, "text": "/start", "entities": entities},
    }


def test_webhook_updates_answered_200_then_killed_are_handled_after_restart(webhook_bot: BotProcess, double: BotApiDouble) -> None:
    webhook_bot.start()
    users = [double.user(21_300 + n, f"U{21_300 + n}") for n in range(5)]
    statuses = [post(webhook_bot, start_update(900 + n, user.id)) for n, user in enumerate(users)]
    webhook_bot.kill(between_updates=False)  # right after the fifth 200
    assert statuses == [200] * 5
    webhook_bot.start()
    wait_until(lambda: all(user.messages() for user in users), timeout=30)
    time.sleep(4)  # past the lease: an update is handled by one worker, not once per lease
    # The kill may land after Telegram accepted a welcome and before its commit: that update comes
    # again and its welcome is repeated (at least once, README). Never a third, never another answer.
    assert all(1 <= len(user.messages()) <= 2 for user in users)
    assert all(sent.text.startswith("Selamat datang") for user in users for sent in user.messages())
    webhook_bot.stop()


def test_a_new_update_id_sequence_after_a_restart_is_answered(live_bot: BotProcess, double: BotApiDouble) -> None:
    people = [double.user(21_400 + n, f"U{n}") for n in range(10)]
    for _ in range(5):
        for person in people:
            person.send("/bantuan")
    wait_until(lambda: all(len(p.messages()) == 5 for p in people), timeout=60)  # updates 1-50 processed
    assert double.wait_all_confirmed()  # Telegram starts a new sequence only when no update waits
    live_bot.stop()
    double.restart_update_ids(1)
    live_bot.start()
    newcomer = double.user(21_499, "Baru")
    assert say(newcomer, "/start").text.startswith("Selamat datang")


def test_a_poison_update_is_set_aside_and_the_next_one_answered(live_bot: BotProcess, double: BotApiDouble, database_url: str) -> None:
    double.push_update(
        {
            "message": {
                "message_id": 1,
                "chat": {"id": 21_501, "type": "private"},
                "from": {"id": 21_501, "is_bot": False, "first_name": "X"},
            }
        }
    )
    sari = double.user(21_500, "Sari")
    assert say(sari, "/start").text.startswith("Selamat datang")
    assert live_bot.process is not None and live_bot.process.poll() is None
    [(kind, telegram_id)] = query(database_url, select(DeadLetter.kind, DeadLetter.telegram_id))
    assert kind.startswith("unreadable update") and telegram_id == 21_501
    assert "Sari" not in live_bot.log()


def test_failing_cosmetic_calls_do_not_stop_onboarding(live_bot: BotProcess, double: BotApiDouble, database_url: str) -> None:
    code = new_cohort_code(database_url, "Angkatan Tombol")
    sari = double.user(21_600, "Sari")
    say(sari, f"/start {code}")
    double.fail_next("editMessageText", 429, "Too Many Requests: retry after 30", retry_after=30)
    double.fail_next("answerCallbackQuery", 502, "Bad Gateway")
    assert "nama lengkap" in tap(sari, "Saya setuju").text
    say(sari, "Sari")
    tap(sari, "Panggil saya Sari")
    for answer in ("Dinas A", "Bidang B", "198503122010012004"):
        say(sari, answer)
    double.fail_next("editMessageText", 502, "Bad Gateway")
    assert "zona waktu" in tap(sari, "Pengawas").text


def test_a_failing_set_my_commands_at_start_does_not_stop_the_bot(live_bot: BotProcess, double: BotApiDouble) -> None:
    live_bot.stop()
    double.commands.clear()
    double.fail_next("setMyCommands", 500, "Internal Server Error", times=2)
    live_bot.start()
    assert say(double.user(21_700, "Sari"), "/start").text.startswith("Selamat datang")
    wait_until(lambda: len(double.commands) == 4, timeout=30)  # published once Telegram took them


EMOJI = "🌱"  # two UTF-16 units each: Telegram's 4096 is 2048 of these


def test_an_onboarding_of_emoji_up_to_every_limit_completes_and_every_view_works(
    live_bot: BotProcess, double: BotApiDouble, database_url: str
) -> None:
    from conversations.onboarding import LIMITS

    code = new_cohort_code(database_url, "Angkatan Emoji")
    sari = double.user(21_800, "Sari")
    say(sari, f"/start {code}")
    tap(sari, "Saya setuju")
    say(sari, EMOJI * LIMITS["name"])
    say(sari, "🌷" * LIMITS["short_name"])  # another emoji: the counts below are of her entry's
    for field in ("agency", "work_unit"):
        say(sari, EMOJI * LIMITS[field])
    say(sari, "19850312 201001 2 004")
    tap(sari, "Pengawas")
    tap(sari, "WIB")
    for field in ("title", "problem", "goal", "indicator", "baseline", "target", "resources", "relevance"):
        say(sari, EMOJI * LIMITS[field])
    tap(sari, "Pakai")
    for offset in (1, 2):
        say(sari, EMOJI * LIMITS["milestone"])
        say(sari, (date(2026, 2, 20) + timedelta(days=30 * offset)).strftime("%d-%m-%Y"))
    tap(sari, "Selesai")
    tap(sari, "Jumat")
    tap(sari, "15.00")  # the summary comes in parts; its buttons under the last
    wait_until(lambda: "💾 Simpan" in sari.last_with_buttons().button_texts)
    sari.skip_read()
    sari.press("Simpan")
    assert "Tersimpan" in sari.next_message(timeout=20).text
    view = replies(sari, "/pap", until=lambda m: "Ubah" in " ".join(m.button_texts))
    assert sum(utf16(m.text) for m in view) > 4096 and all(utf16(m.text) <= 4096 for m in view)  # in parts, each within the limit
    say(sari, "/logbook")
    tap(sari, "Umum")
    say(sari, EMOJI * 2000)
    for question, label in (("Ada kendala", "Lewati"), ("Dukungan apa", "Lewati"), ("Bukti implementasi", "Selesai")):
        press_under(sari, question, label)  # by the question: a check-in invitation may arrive meanwhile
    wait_until(lambda: any("Logbook tersimpan" in m.text for m in sari.messages()))
    sari.skip_read()
    listing = replies(sari, "/logbook_saya", until=lambda m: "Ubah" in " ".join(m.button_texts))
    assert sum(m.text.count(EMOJI) for m in listing) == 2000
    document = replies(sari, "/portofolio", until=lambda m: m.method == "sendDocument", timeout=60)[-1]
    assert document.file is not None and document.file.data.startswith(b"%PDF")
    refused = [description for _, description in double.refusals if "too long" in description or "parse" in description]
    assert refused == []


def press_under(user: FakeUser, question: str, label: str) -> None:
    """Press `label` under the question that asks `question`, once it has come."""
    wait_until(lambda: any(question in m.text and label in " ".join(m.button_texts) for m in user.messages()))
    user.press(label, next(m for m in reversed(user.messages()) if question in m.text and label in " ".join(m.button_texts)))


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def replies(user: FakeUser, text: str, *, until: Callable[[Sent], bool], timeout: float = 20) -> list[Sent]:
    """Send `text`; return every message that came back, up to the first that satisfies `until`."""
    start = len(user.messages())
    user.send(text)
    wait_until(lambda: any(until(m) for m in user.messages()[start:]), timeout=timeout)
    came = user.messages()[start:]
    user.skip_read()
    return came[: next(i for i, m in enumerate(came) if until(m)) + 1]


PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def test_evidence_is_judged_by_its_content(live_bot: BotProcess, double: BotApiDouble, database_url: str) -> None:
    [sari] = alumnae(database_url, double, 1, first_id=21_900)
    say(sari, "/logbook")
    tap(sari, "Tahap 1")
    say(sari, "Rapat")
    tap(sari, "50%")
    tap(sari, "Lewati")
    tap(sari, "Lewati")
    sari.send_document(b"MZ\x90\x00" + b"\x00" * 200, "bukti.pdf", "application/pdf")  # a program, renamed
    assert "tidak diterima" in sari.next_message(timeout=20).text
    sari.send_document(b"just words, no picture", "bukti.png", "image/png")
    assert "tidak diterima" in sari.next_message(timeout=20).text
    long_name = "laporan " + "a" * 150 + "\x00" + "b" * 150 + ".pdf"
    sari.send_document(PDF, long_name, "application/pdf")
    assert "diterima" in sari.next_message(timeout=20).text
    sari.send_photo(b"\xff\xd8 not really a JPEG")  # the double lets a broken photo through; Telegram would not
    sari.next_message(timeout=20)
    assert "tersimpan" in tap(sari, "Selesai").text
    [(name, mime)] = query(database_url, select(Evidence.name, Evidence.mime_type).where(Evidence.kind == "document"))
    assert "\x00" not in name and len(name) == 255 and name.startswith("laporan aaa") and mime == "application/pdf"
    assert query(database_url, select(func.count()).select_from(LogEntry)) == [(1,)]
    sari.skip_read()
    sari.send("/portofolio")
    wait_until(lambda: any(m.method == "sendDocument" for m in sari.messages()), timeout=60)
    files = list((Path(live_bot.env["ECOACH_DATA_DIR"]) / "evidence").rglob("*"))
    assert not any(f.suffix in (".exe", ".png") for f in files)  # the refused ones were removed again


def test_a_second_poller_gives_way_within_a_minute(live_bot: BotProcess, api_server: DoubleServer) -> None:
    env = {**os.environ, **live_bot.env, "TELEGRAM_BOT_TOKEN": api_server.double.token, "TELEGRAM_API_URL": api_server.url}
    started = time.monotonic()
    second = subprocess.run([sys.executable, "-m", "bot.cli", "run"], env=env, capture_output=True, text=True, timeout=90)
    assert second.returncode == 3 and time.monotonic() - started < 60
    assert "another process is already polling this bot" in second.stderr and "Traceback" not in second.stderr
    assert live_bot.process is not None and live_bot.process.poll() is None  # the first one keeps going
    assert say(api_server.double.user(22_000, "Sari"), "/start").text.startswith("Selamat datang")


def test_a_second_poller_on_another_database_gives_way_on_telegrams_409(
    live_bot: BotProcess, api_server: DoubleServer, tmp_path: Path
) -> None:
    assert say(api_server.double.user(22_002, "Rina"), "/start").text.startswith("Selamat datang")  # the first one is serving
    other = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'other.sqlite3'}", "ECOACH_DATA_DIR": str(tmp_path / "other")}
    env = {**os.environ, **live_bot.env, **other, "TELEGRAM_BOT_TOKEN": api_server.double.token, "TELEGRAM_API_URL": api_server.url}
    started = time.monotonic()
    second = subprocess.run([sys.executable, "-m", "bot.cli", "run"], env=env, capture_output=True, text=True, timeout=90)
    assert second.returncode == 3 and time.monotonic() - started < 60
    assert "409 Conflict" in second.stderr and "Traceback" not in second.stderr
    assert live_bot.process is not None and live_bot.process.poll() is None
    assert say(api_server.double.user(22_001, "Sari"), "/start").text.startswith("Selamat datang")


def test_sigterm_stops_it_within_two_seconds_while_the_bot_api_is_down(live_bot: BotProcess, double: BotApiDouble) -> None:
    double.fail_next("getUpdates", 502, "Bad Gateway", times=1000)
    time.sleep(8)  # its back-off grows: 1, 2, 4 s...
    assert live_bot.process is not None
    started = time.monotonic()
    live_bot.process.send_signal(signal.SIGTERM)
    live_bot.process.wait(10)
    assert time.monotonic() - started < 2.0
