"""Webhook mode with a secret: real HTTP POSTs to the real process."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import httpx
import pytest

from devtools.double import DoubleServer
from devtools.process import BotProcess
from tests.support.bots import TOKEN

pytestmark = pytest.mark.slow  # the real process over HTTP: `pytest -m "not slow"` leaves it out

SECRET = "s3cret-webhook-token-for-tests_0123"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_webhook_rejects_requests_without_the_secret(api_server: DoubleServer, database_url: str, tmp_path: Path) -> None:
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
        for _ in range(50):  # the server starts listening just around setWebhook
            try:
                missing = httpx.post(url, content=body, headers={"Content-Type": "application/json"})
                break
            except httpx.ConnectError:
                time.sleep(0.1)
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
    finally:
        assert process.stop() == 0
    log = process.log()
    assert SECRET not in log and TOKEN not in log


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
