"""Run the real `ecoach run` process against a double, and kill or stop it like an operator."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from sqlalchemy import text

from db.engine import application_name, create_engine, is_sqlite
from devtools.double.core import BotApiDouble

WORKER_STARTED = "Application started (worker)"
WEB_STARTED = "Application started (dashboard)"


class BotProcess:
    """One `ecoach run` child process (or another bot's `command`); its output goes to `log_path`."""

    started: ClassVar[list[BotProcess]] = []  # for stop_all(): held even when a test dropped its own reference

    def __init__(
        self,
        double: BotApiDouble,
        api_url: str,
        env: dict[str, str],
        log_path: Path,
        args: list[str] | None = None,
        *,
        command: list[str] | None = None,
    ) -> None:
        self.args = args or []
        self.command = command or [sys.executable, "-m", "bot.cli", "run"]
        self.double = double
        self.api_url = api_url
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60, *, fake_time: str | None = None) -> BotProcess:
        """Start the bot and wait until it polls for updates.

        `fake_time` ("2026-03-06 09:00:00", UTC) starts its clock there through libfaketime, as a
        person would check with faketime that something due days ahead really arrives.
        """
        # Scripted users type faster than any person: the per-person throttle is off unless a test sets it,
        # and so is a private chat's pace, unless the double keeps Telegram's flood limits.
        quick = {"ECOACH_UPDATES_PER_MINUTE": "0"} | ({} if self.double.rate_limit_per_second else {"ECOACH_CHAT_BURST": "0"})
        env = {**os.environ, **quick, **self.env}
        env.update({"TELEGRAM_BOT_TOKEN": self.double.token, "TELEGRAM_API_URL": self.api_url})
        if fake_time is not None:
            import libfaketime  # a test extra

            env.update(libfaketime.get_reload_information()[1])
            env.update({"FAKETIME": f"@{fake_time}", "TZ": "UTC", "FAKETIME_DONT_FAKE_MONOTONIC": "1"})
        ready = self._readiness()
        log = self.log_path.open("ab")
        self.process = subprocess.Popen([*self.command, *self.args], env=env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        BotProcess.started.append(self)
        deadline = time.monotonic() + timeout
        while not ready():
            if self.process.poll() is not None:
                raise RuntimeError(f"ecoach run exited with {self.process.returncode}:\n{self.log()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"ecoach run did not start polling in {timeout}s:\n{self.log()}")
            time.sleep(0.05)
        return self

    def _readiness(self) -> Callable[[], bool]:
        """Polling (getUpdates), listening (setWebhook), or for a worker or the dashboard, its "started" line."""
        words = self.command + self.args
        line = WORKER_STARTED if "worker" in words else WEB_STARTED if "web" in words else None
        if line is not None:
            lines = self.log().count(line)
            return lambda: self.log().count(line) > lines
        call = "setWebhook" if "--webhook" in self.args else "getUpdates"
        calls = self.double.count_calls(call)
        return lambda: self.double.count_calls(call) > calls

    def kill(self, *, between_updates: bool = True) -> None:
        """SIGKILL: no shutdown code runs, as when a machine loses power.

        `between_updates` first waits until the bot has confirmed every update it was sent, so a
        test kills it at a known step; False kills at whatever moment it is (random-kill runs).
        """
        if between_updates:
            self.double.wait_all_confirmed()
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
            self._wait_backends_gone(self.process.pid)

    def _wait_backends_gone(self, pid: int, timeout: float = 10) -> None:
        """On PostgreSQL, wait until the server has ended the killed process's connections. A COMMIT
        already in the socket when the process died is still carried out after its death; a test that
        counted rows before that would count a moment that never lasted."""
        url = self.env.get("DATABASE_URL", "")
        if not url or is_sqlite(url):
            return  # SQLite's file lock dies with the process: what is committed is all there is

        async def remaining() -> int:
            engine = create_engine(url)
            async with engine.connect() as connection:
                query = text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name")
                count = (await connection.execute(query, {"name": application_name(pid)})).scalar_one()
            await engine.dispose()
            return int(count)

        deadline = time.monotonic() + timeout
        while asyncio.run(remaining()):
            if time.monotonic() > deadline:
                raise TimeoutError(f"PostgreSQL still holds connections of the killed process {pid}")
            time.sleep(0.05)

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM and wait for a clean exit; return the exit code."""
        if self.process is None:
            return 0
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        return self.process.returncode

    @classmethod
    def stop_all(cls) -> int:
        """Stop every process still running (a test that failed before its own stop); how many were."""
        running = [bot for bot in cls.started if bot.process is not None and bot.process.poll() is None]
        cls.started.clear()
        for bot in running:
            bot.stop(timeout=5)
        return len(running)

    def peak_rss_mib(self) -> float:
        """The process's peak resident memory so far (Linux VmHWM), in MiB."""
        assert self.process is not None
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmHWM in /proc: not Linux?")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
