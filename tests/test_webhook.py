"""Webhook mode with a secret: real HTTP POSTs to the real process."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from db.models import InboxStatus, InboxUpdate
from devtools.double import DoubleServer
from devtools.process import BotProcess
from tests.support.bots import TOKEN
from tests.support.live import query, wait_until

pytestmark = pytest.mark.slow  # the real process over HTTP: `pytest -m "not slow"` leaves it out

SECRET = "s3cret-webhook-token-for-tests_0123"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_webhook(api_server: DoubleServer, database_url: str, tmp_path: Path) -> tuple[BotProcess, str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram-hook"
    env = {
        "DATABASE_URL": database_url,
        "ECOACH_DATA_DIR": str(tmp_path / "data"),
        "ECOACH_WEEKLY_TIPS": "false",
        "ECOACH_WEBHOOK_URL": url,
        "ECOACH_WEBHOOK_SECRET": SECRET,
        "ECOACH_WEBHOOK_PORT": str(port),
    }
    process = BotProcess(api_server.double, api_server.url, env, tmp_path / "bot.log", args=["--webhook"]).start()
    for _ in range(50):  # the server starts listening just around setWebhook
        try:
            httpx.post(url, content=b"")
            break
        except httpx.ConnectError:
            time.sleep(0.1)
    return process, url


def test_webhook_rejects_requests_without_the_secret(api_server: DoubleServer, database_url: str, tmp_path: Path) -> None:
    process, url = start_webhook(api_server, database_url, tmp_path)
    try:
        [(_, params)] = [call for call in api_server.double.calls if call[0] == "setWebhook"]
        assert params["url"] == url and params["secret_token"] == SECRET
        sari = api_server.double.user(3101, "Sari")
        update = {
            "update_id": 501,
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": {"id": 3101, "type": "private", "first_name": "Sari"},
                "from": {"id": 3101, "is_bot": False, "first_name": "Sari", "language_code": "id"},
                "text": "/start",
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            },
        }
        body = json.dumps(update)
        missing = httpx.post(url, content=body, headers={"Content-Type": "application/json"})
        assert missing.status_code == 403
        wrong = httpx.post(url, content=body, headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": "x" * 20})
        assert wrong.status_code == 403
        garbage = httpx.post(url, content=b"{not json", headers={"Content-Type": "application/json"})
        assert garbage.status_code == 403  # refused on the header, before the body is parsed
        time.sleep(0.5)
        assert sari.messages() == []
        good = httpx.post(url, content=body, headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET})
        assert good.status_code == 200
        assert sari.next_message().text.startswith("Selamat datang, Sari!")
        wait_until(lambda: query(database_url, select(InboxUpdate.status, InboxUpdate.payload)) == [(InboxStatus.DONE, {})])
    finally:
        assert process.stop() == 0  # handled: its id is kept against redelivery, what she wrote is not
    log = process.log()
    assert SECRET not in log and TOKEN not in log


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise LookupError("no VmRSS")


def post_huge(url: str, megabytes: int) -> int | None:
    """POST `megabytes` MB without the secret, streamed from here: the status, or None when the server
    closed the connection before the client finished sending."""
    chunk = b"x" * (1024 * 1024)

    def body() -> Iterator[bytes]:
        for _ in range(megabytes):
            yield chunk

    headers = {"Content-Type": "application/json", "Content-Length": str(megabytes * len(chunk))}
    try:
        return httpx.post(url, content=body(), headers=headers, timeout=60).status_code
    except httpx.HTTPError:
        return None


def test_huge_bodies_without_the_secret_are_refused_without_growing(api_server: DoubleServer, database_url: str, tmp_path: Path) -> None:
    process, url = start_webhook(api_server, database_url, tmp_path)
    try:
        assert process.process is not None
        before = rss_mib(process.process.pid)
        with ThreadPoolExecutor(4) as pool:
            statuses = list(pool.map(lambda _: post_huge(url, 95), range(4)))
        assert all(status in (403, None) for status in statuses), statuses
        grown = rss_mib(process.process.pid) - before
        assert grown < 10, f"the process grew by {grown:.1f} MiB"
        with_secret = httpx.post(url, content=b"x" * (2 * 1024 * 1024), headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
        assert with_secret.status_code == 413  # even with the secret: refused by its length
    finally:
        assert process.stop() == 0


def test_an_unreadable_body_leaves_nothing_of_it_in_the_log(api_server: DoubleServer, database_url: str, tmp_path: Path) -> None:
    process, url = start_webhook(api_server, database_url, tmp_path)
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}
    try:
        assert httpx.post(url, content=b'{"update_id": "ZQX-hook-1', headers=headers).status_code == 400
        not_an_update = {"update_id": 77, "message": {"text": "ZQX-hook-2", "chat": {"first_name": "ZQX-hook-3"}}}
        assert httpx.post(url, json=not_an_update, headers=headers).status_code == 200
        deadline = time.monotonic() + 10
        while "dead letter" not in process.log() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        assert process.stop() == 0
    log = process.log()
    assert "refused" in log and "dead letter" in log
    assert "zqx-hook" not in log.lower()


def test_a_short_webhook_secret_is_refused(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "ECOACH_WEBHOOK_SECRET": "short", "ECOACH_WEBHOOK_URL": "https://example.org/hook"}
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run", "--webhook"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2 and done.stderr.startswith("ecoach: error: ECOACH_WEBHOOK_SECRET is invalid")
    assert "short" not in done.stderr
