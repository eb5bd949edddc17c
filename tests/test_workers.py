"""Several processes on PostgreSQL: a webhook that only receives, and two `ecoach worker`s sharing its inbox.

The double posts each update to the webhook as Telegram does (several at once, one chat's in turn).
Every alumna sends five messages without waiting, all stored before the workers start, and the
send rate is on (shared by the two), so a reply waits for its slot and one update's handling
overlaps the next claims: a worker free to take her next update while the last is in hand would
answer out of order (checked by taking the per-chat rule out of db/inbox.py's claim: this fails).
Her answers must come in the order she wrote, each once.
"""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.kernel.clock import SystemClock
from conversations.reflection import REFLECTION
from db.models import Draft, InboxStatus, InboxUpdate, ProcessedUpdate
from devtools.double import DoubleServer
from devtools.process import BotProcess
from tests.support import factories
from tests.support.bots import PG_URL
from tests.support.live import bot_env, query, run, wait_until

pytestmark = [
    pytest.mark.slow,  # three real processes over HTTP
    pytest.mark.skipif(not PG_URL, reason="several processes need PostgreSQL; SQLite is one process (ECOACH_TEST_DATABASE_URL)"),
]

ALUMNAE = 12
FIRST_ID = 41_000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def burst(n: int) -> list[str]:
    return ["/bantuan", "/refleksi", f"Baik {n}", f"Tantangan {n}", f"Pelajaran {n}"]


@pytest.mark.parametrize("kill", [False, True], ids=["both-live", "one-killed"])
def test_two_workers_answer_each_chat_in_order_and_once(api_server: DoubleServer, database_url: str, tmp_path: Path, kill: bool) -> None:
    double = api_server.double

    async def seed(session: AsyncSession) -> None:
        now = SystemClock().now()
        cohort = await factories.cohort(session, now)
        for n in range(ALUMNAE):
            await factories.alumna(session, now, cohort, FIRST_ID + n, name=f"Alumna {n}", reminders=False)

    run(database_url, seed)
    port = free_port()
    env = bot_env(
        database_url, tmp_path, ECOACH_WEBHOOK_URL=f"http://127.0.0.1:{port}/hook", ECOACH_WEBHOOK_PORT=str(port),
        ECOACH_WEBHOOK_SECRET="s3cret-webhook-token-for-tests_0123", ECOACH_SENDING_PROCESSES="2", ECOACH_CONCURRENT_UPDATES="4",
        ECOACH_LEASE_SECONDS="3",
    )  # fmt: skip
    worker = [sys.executable, "-m", "bot.cli", "worker"]
    web = BotProcess(double, api_server.url, env, tmp_path / "web.log", args=["--webhook", "--receive-only"]).start()
    workers = [BotProcess(double, api_server.url, env, tmp_path / f"worker{n}.log", command=worker) for n in (1, 2)]
    try:
        users = [double.user(FIRST_ID + n, f"Alumna {n}") for n in range(ALUMNAE)]
        for n, user in enumerate(users):
            for text in burst(n):
                user.send(text)
        # All stored before a worker starts: each worker's first claims could take one chat's next updates side by side.
        assert double.wait_all_confirmed(timeout=30)
        assert query(database_url, select(func.count()).select_from(InboxUpdate)) == [(ALUMNAE * 5,)]
        for process in workers:
            process.start()
        if kill:  # mid-run, holding updates: they come back to the other worker when their lease runs out
            wait_until(lambda: sum(len(user.messages()) for user in users) >= ALUMNAE, timeout=60)
            workers[0].kill(between_updates=False)
        wait_until(lambda: all(len(user.messages()) >= 5 for user in users), timeout=90)
        waiting = select(func.count()).select_from(InboxUpdate).where(InboxUpdate.status != InboxStatus.DONE)
        wait_until(lambda: query(database_url, waiting) == [(0,)], timeout=30)
        help_text = users[0].messages()[0].text
        for user in users:
            answers = [message.text for message in user.messages()]
            if kill:  # a reply sent just before the kill, its commit lost, is sent again (README: at least once)
                answers = [text for i, text in enumerate(answers) if i == 0 or text != answers[i - 1]]
            assert len(answers) == 5, answers  # once each: none missing, none out of turn
            assert answers[0] == help_text and help_text.startswith("Bantuan ecoach")
            assert "· 1/7" in answers[1] and [answer[:3] for answer in answers[2:]] == ["2/7", "3/7", "4/7"], answers
        handled = query(database_url, select(func.count()).select_from(ProcessedUpdate))
        assert handled == [(ALUMNAE * 5,)]
        attempts = dict(query(database_url, select(InboxUpdate.attempts, func.count()).group_by(InboxUpdate.attempts)))
        if kill:
            assert attempts.get(2), attempts  # the killed worker held updates, and the other took them again
        else:
            assert attempts == {1: ALUMNAE * 5}  # each update taken by one worker, once
        drafts = dict(query(database_url, select(Draft.telegram_id, Draft.data).where(Draft.flow == REFLECTION.code)))
        for n, user in enumerate(users):  # what she wrote, each answer applied once, in its own place
            assert {key: drafts[user.id][key] for key in ("went_well", "challenge", "learned")} == dict(
                zip(("went_well", "challenge", "learned"), burst(n)[2:], strict=True)
            )
    finally:
        exits = [process.stop() for process in (*workers, web)]
    assert exits == [-9 if kill else 0, 0, 0]  # the killed one, and clean stops
