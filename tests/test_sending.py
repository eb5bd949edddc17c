"""The one send policy: what each Bot API failure means, and that no scheduled send retries forever."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.kernel.sending import IN_FLIGHT, MAX_ATTEMPTS, Verdict, classify, retry_at, send_claimed
from db.models import CheckIn, CheckInStatus, Person
from handlers.checkins import sweep_checkins
from tests.support import factories
from tests.support.bots import InProcessBot

NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)  # 09:00 WIB


def _timed_out(cause: Exception) -> TimedOut:
    try:
        raise TimedOut() from cause
    except TimedOut as exc:
        return exc


@pytest.mark.parametrize(
    ("error", "verdict"),
    [
        (RetryAfter(timedelta(seconds=7)), Verdict.RETRY),
        (NetworkError("Bad Gateway"), Verdict.RETRY),
        (_timed_out(httpx.ConnectTimeout("connect")), Verdict.RETRY),
        (_timed_out(httpx.ReadTimeout("read")), Verdict.UNKNOWN),
        (Forbidden("Forbidden: bot was blocked by the user"), Verdict.UNDELIVERABLE),
        (Forbidden("Forbidden: user is deactivated"), Verdict.UNDELIVERABLE),
        (BadRequest("Bad Request: chat not found"), Verdict.UNDELIVERABLE),
        (BadRequest("Bad Request: can't parse entities: unsupported start tag"), Verdict.BUG),
    ],
)
def test_every_failure_has_one_verdict(error: TelegramError, verdict: Verdict) -> None:
    assert classify(error).verdict is verdict


def test_retries_back_off_and_stop() -> None:
    failure = classify(NetworkError("Bad Gateway"))
    waits = [retry_at(failure, attempts, NOW) for attempts in range(1, MAX_ATTEMPTS + 1)]
    assert [w - NOW for w in waits[:3] if w] == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
    assert waits[-1] is None  # the last attempt is final
    assert retry_at(classify(RetryAfter(timedelta(seconds=7))), 1, NOW) == NOW + timedelta(seconds=7)
    assert retry_at(classify(BadRequest("Bad Request: message text is empty")), 1, NOW) is None


async def _due_checkin(bot: InProcessBot) -> int:
    bot.clock.set(NOW)
    async with bot.app.runtime.open_session() as session:
        cohort = await factories.cohort(session, NOW, training_end=date(2026, 5, 1), months=3)
        person = await factories.alumna(session, NOW, cohort, 9801, name="Rina")
        checkin = CheckIn(
            person_id=person.id, cohort_id=cohort.id, sequence=1, kind="regular", month=1, due_at=NOW, status=CheckInStatus.PLANNED
        )
        session.add(checkin)
        await session.commit()
        return checkin.id


async def _state(bot: InProcessBot, checkin_id: int) -> tuple[CheckInStatus, int, bool]:
    async with bot.app.runtime.open_session() as session:
        checkin = await session.get(CheckIn, checkin_id)
        assert checkin is not None
        person = await session.get(Person, checkin.person_id)
        assert person is not None
        return checkin.status, checkin.attempts, person.active


async def test_a_checkin_to_a_chat_not_found_ends_at_once(bot: InProcessBot) -> None:
    checkin_id = await _due_checkin(bot)
    bot.double.fail_next("sendMessage", 400, "Bad Request: chat not found", times=1000)
    for minute in range(5):
        bot.clock.set(NOW + timedelta(minutes=minute))
        await sweep_checkins(bot.app.runtime, bot.app.bot)
    assert await _state(bot, checkin_id) == (CheckInStatus.SKIPPED, 1, False)
    assert bot.double.count_calls("sendMessage") == 1


async def test_a_checkin_to_a_failing_server_ends_failed_after_bounded_attempts(bot: InProcessBot) -> None:
    checkin_id = await _due_checkin(bot)
    bot.double.fail_next("sendMessage", 502, "Bad Gateway", times=1000)
    moment = NOW
    for _ in range(200):  # a sweep every 5 minutes for more than 16 hours
        bot.clock.set(moment)
        await sweep_checkins(bot.app.runtime, bot.app.bot)
        moment += timedelta(minutes=5)
    status, attempts, active = await _state(bot, checkin_id)
    assert (status, attempts, active) == (CheckInStatus.FAILED, MAX_ATTEMPTS, True)
    assert bot.double.count_calls("sendMessage") == MAX_ATTEMPTS


def test_the_policy_lives_in_one_module() -> None:
    """Reminders, check-ins, the outbox and coach notices all take their verdicts from bot/kernel/sending.py,
    and no sender catches Telegram's errors its own way."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    senders = [root / "handlers" / name for name in ("reflection.py", "checkins.py", "community.py")] + [
        root / "bot" / "kernel" / "notices.py"
    ]
    for path in senders:
        text = path.read_text()
        assert "from bot.kernel.sending import" in text, path
        assert "except Forbidden" not in text and "except RetryAfter" not in text, path


async def test_a_sweep_claims_the_next_rows_while_the_claimed_ones_are_sent() -> None:
    """Telegram's pace and the database's overlap: rows go on being claimed while earlier sends wait,
    never more than IN_FLIGHT at once, and every send is counted once."""
    rows = list(range(IN_FLIGHT + 10))
    claimed: list[int] = []
    released = asyncio.Event()
    waiting = 0

    async def claim_next() -> int | None:
        if not rows:
            return None
        claimed.append(rows.pop(0))
        return claimed[-1]

    async def send(row: int) -> int:
        nonlocal waiting
        waiting += 1
        await released.wait()
        return 1

    sweep = asyncio.create_task(send_claimed(claim_next, send, lambda: False))
    await asyncio.sleep(0.05)
    assert len(claimed) == waiting == IN_FLIGHT  # claimed ahead of the sends, up to the bound
    released.set()
    assert await sweep == IN_FLIGHT + 10
    assert claimed == list(range(IN_FLIGHT + 10))


async def test_a_failing_send_lets_the_others_finish_and_is_raised() -> None:
    rows = [1, 2, 3]
    finished: list[int] = []

    async def claim_next() -> int | None:
        return rows.pop(0) if rows else None

    async def send(row: int) -> int:
        await asyncio.sleep(0.01 * row)
        if row == 1:
            raise RuntimeError("the database went away")
        finished.append(row)
        return 1

    with pytest.raises(RuntimeError):
        await send_claimed(claim_next, send, lambda: False)
    assert finished == [2, 3]
