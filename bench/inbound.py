"""Benchmark: inbound throughput of `ecoach run` against a bare python-telegram-bot echo bot.

    .venv/bin/python bench/inbound.py [--workload flows|pap] [--alumnae 500] [--in-flight 500]
        [--postgres postgresql+asyncpg://postgres@127.0.0.1:5432/postgres]

Two workloads. `flows`: 500 enrolled alumnae send 10 updates each (5,000 in all) through the
loopback Bot API double: half write a reflection, half a logbook entry with a photo, each opens
/pap before and after; a third of the updates are button presses. `pap`: a burst of read-only
commands, each alumna asking /pap 10 times. Each alumna sends her next update when the answer to
the last one arrives, and up to --in-flight alumnae are waiting at once. The echo bot gets the same
updates in the same run, right before each ecoach pass, so the ratio holds on a noisy machine.
Reported: updates per second, the bot's CPU ms per update, p50 and p99 from update to answer, the
ratio ecoach / echo, the bot's peak RSS, and whether every answer was stored. Both bots run without
a send-rate limit: this measures the software, not Telegram's 30 messages a second (bench/broadcast.py does that).
"""

from __future__ import annotations

import argparse
import asyncio
import queue
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common import POSTGRES_HELP, ROOT, cpu_seconds, percentile, seed_enrolled, throwaway_postgres
from sqlalchemy import func, select

from db.engine import create_engine, session_factory
from db.migrate import upgrade
from db.models import Evidence, LogEntry, Reflection
from devtools.double import BotApiDouble, DoubleServer, FakeUser
from devtools.double.core import Chat, StoredFile
from devtools.process import BotProcess

TOKEN = "7000012:INBOUND-" + "i" * 30
BASE_ID = 60_000_000
PHOTO = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 200  # a 51 kB "photo", downloaded and kept on disk

REFLECTION = [
    ("say", "/pap"),
    ("say", "/refleksi"),
    ("say", "Rapat koordinasi lancar"),
    ("say", "Waktu sempit"),
    ("tap", "Lewati"),
    ("tap", "Etika"),
    ("tap", "3"),
    ("say", "Delegasi tugas"),
    ("tap", "Simpan pribadi"),
    ("say", "/pap"),
]
LOGBOOK = [
    ("say", "/pap"),
    ("say", "/logbook"),
    ("tap", "Tahap 1"),
    ("say", "Sosialisasi layanan ke kelurahan"),
    ("tap", "75%"),
    ("say", "Jadwal padat"),
    ("tap", "Lewati"),
    ("photo", None),
    ("tap", "Selesai"),
    ("say", "/pap"),
]
PAP = [("say", "/pap")] * 10


class ObservedDouble(BotApiDouble):
    """The double, telling the driver the moment each answer (a new message, not an edit) lands.
    With `watch_repeats` (runs that kill the bot), an answer identical to the one before in its chat
    is flagged as a question asked again after a kill."""

    def __init__(self, token: str, *, watch_repeats: bool = False, rate_limit_per_second: float | None = None) -> None:
        super().__init__(token, rate_limit_per_second=rate_limit_per_second)
        self.watch_repeats = watch_repeats
        self.answers: queue.SimpleQueue[tuple[int, float, bool]] = queue.SimpleQueue()  # chat, when, a repeat
        self.repeated = 0  # answers identical to the one before in the chat: a reply sent again after a kill
        self._last: dict[int, str | None] = {}

    def _record(
        self, method: str, chat: Chat, message: dict[str, Any], raw: str | None, parse_mode: str | None, stored: StoredFile | None = None
    ) -> dict[str, Any]:
        result = super()._record(method, chat, message, raw, parse_mode, stored)
        if not method.startswith("edit"):
            with self._cond:
                again = self.watch_repeats and raw is not None and self._last.get(chat.id) == raw
                self._last[chat.id] = raw
                self.repeated += again
            self.answers.put((chat.id, time.monotonic(), again))
        return result


@dataclass
class Pass:
    updates: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    extra_answers: int = 0
    peak_rss_mib: float = 0.0
    cpu_seconds: float = 0.0  # the bot's, while the driver ran
    api_calls: int = 0  # every Bot API call but getUpdates
    stored: str = ""

    @property
    def rate(self) -> float:
        return self.updates / self.seconds


def stored(url: str, alumnae: int, data_dir: Path, workload: str = "flows") -> str:
    async def run() -> tuple[int, int, int, list[str]]:
        engine = create_engine(url)
        async with session_factory(engine)() as session:
            reflections = await session.scalar(
                select(func.count()).select_from(Reflection).where(Reflection.went_well == "Rapat koordinasi lancar")
            )
            entries = await session.scalar(select(func.count()).select_from(LogEntry).where(LogEntry.progress == 75))
            paths = list(await session.scalars(select(Evidence.local_path)))
        await engine.dispose()
        return reflections or 0, entries or 0, len(paths), paths

    reflections, entries, evidence, paths = asyncio.run(run())
    if workload == "pap":
        return "read-only: " + ("nothing stored" if reflections == entries == evidence == 0 else "SOMETHING STORED")
    on_disk = sum(1 for path in paths if path and (data_dir / path).read_bytes() == PHOTO)
    expected = alumnae // 2
    ok = reflections == alumnae - expected and entries == expected and on_disk == expected
    return (
        f"{'all' if ok else 'NOT ALL'} stored: {reflections} reflections, {entries} logbook entries, "
        f"{evidence} photos ({on_disk} on disk); expected {alumnae - expected}, {expected}, {expected}"
    )


def act(user: FakeUser, step: tuple[str, str | None], *, echo: bool = False) -> None:
    """She takes one step of her script: says something, sends the photo, or taps a button."""
    action, value = step
    if action == "say":
        user.send(value or "")
    elif action == "photo":
        user.send_photo(PHOTO)
    elif echo:  # the label as data: the echo bot's answer differs from the one before, as a new question does
        user.press_data(value or "", user.messages()[-1])
    else:
        user.press(value or "")


def drive(
    double: ObservedDouble,
    users: list[FakeUser],
    scripts: list[list[tuple[str, str | None]]],
    in_flight: int,
    echo: bool,
    on_answer: Callable[[int], None] | None = None,
) -> Pass:
    """Each alumna sends her next update when her last one is answered; return what was measured.
    `on_answer` is told how many updates are answered so far, after each."""
    cursor = {user.id: 0 for user in users}
    by_id = {user.id: (user, script) for user, script in zip(users, scripts, strict=True)}
    waiting = list(reversed(users))
    pushed_at: dict[int, float] = {}
    latencies: list[float] = []
    extra = 0

    def push(user: FakeUser) -> None:
        pushed_at[user.id] = time.monotonic()
        act(user, by_id[user.id][1][cursor[user.id]], echo=echo)

    started = time.monotonic()
    while waiting and len(pushed_at) < in_flight:
        push(waiting.pop())
    last = started
    while pushed_at:
        try:
            chat_id, at, repeat = double.answers.get(timeout=30)
        except queue.Empty as empty:
            stuck = sorted(pushed_at)[:5]
            raise RuntimeError(
                f"no answer for 30 s; {len(pushed_at)} alumnae waiting, e.g. {stuck}: "
                + "; ".join(f"{by_id[c][1][cursor[c]]} after {[s.text[:40] for s in by_id[c][0].messages()[-2:]]}" for c in stuck)
            ) from empty
        if repeat:  # her question asked again after a kill: a person taps the new copy, the old one's buttons are spent
            if chat_id in pushed_at and by_id[chat_id][1][cursor[chat_id]][0] == "tap":
                push(by_id[chat_id][0])
            continue
        if chat_id not in pushed_at:
            extra += 1  # a second answer to one update: the driver would go out of step
            continue
        latencies.append(at - pushed_at.pop(chat_id))
        if on_answer is not None:
            on_answer(len(latencies))
        last = max(last, at)
        cursor[chat_id] += 1
        user, script = by_id[chat_id]
        if cursor[chat_id] < len(script):
            push(user)
        elif waiting:
            push(waiting.pop())
    time.sleep(0.5)
    while not double.answers.empty():
        double.answers.get()
        extra += 1
    return Pass(updates=len(latencies), seconds=last - started, latencies=latencies, extra_answers=extra)


def run_pass(alumnae: int, in_flight: int, url: str | None, folder: Path, workload: str = "flows") -> Pass:
    """One pass: ecoach on `url`, or the echo bot when `url` is None."""
    double = ObservedDouble(TOKEN)
    users = [double.user(BASE_ID + n, f"Alumna {n}") for n in range(alumnae)]
    scripts = [PAP if workload == "pap" else REFLECTION if n % 2 == 0 else LOGBOOK for n in range(alumnae)]
    data_dir = folder / "data"
    if url is not None:
        upgrade(url)
        seed_enrolled(url, BASE_ID, alumnae)
        # Sweeps once at start (nothing is due) and then hourly: only answers reach her chat.
        env = {
            "DATABASE_URL": url,
            "ECOACH_DATA_DIR": str(data_dir),
            "ECOACH_SWEEP_SECONDS": "3600",
            "ECOACH_WEEKLY_TIPS": "false",
            "ECOACH_SEND_RATE": "0",
        }
        command = None
    else:
        env, command = {}, [sys.executable, str(ROOT / "bench" / "echo_bot.py")]
    result = timed(double, users, scripts, in_flight, env, command, folder / ("bot.log" if url else "echo.log"))
    if url is not None:
        result.stored = stored(url, alumnae, data_dir, workload)
    return result


def timed(
    double: ObservedDouble,
    users: list[FakeUser],
    scripts: list[list[tuple[str, str | None]]],
    in_flight: int,
    env: dict[str, str],
    command: list[str] | None,
    log_path: Path,
) -> Pass:
    """Start the bot (`ecoach run`, or `command`), drive the alumnae through it, and measure its CPU too."""
    with DoubleServer(double) as server:
        process = BotProcess(double, server.url, env, log_path, command=command).start()
        try:
            before = cpu_seconds(process)
            result = drive(double, users, scripts, in_flight, echo=command is not None)
            result.cpu_seconds = cpu_seconds(process) - before
            result.peak_rss_mib = process.peak_rss_mib()
            result.api_calls = sum(1 for method, _ in double.calls if method.lower() != "getupdates")
        finally:
            process.stop()
    return result


def report(name: str, result: Pass, echo: Pass | None = None) -> None:
    ms = [value * 1000 for value in result.latencies]
    line = (
        f"{name:20} {result.updates} updates in {result.seconds:6.1f} s = {result.rate:7.1f} updates/s   "
        f"{result.cpu_seconds * 1000 / result.updates:5.1f} ms CPU/update   "
        f"p50 {statistics.median(ms):7.1f} ms   p99 {percentile(ms, 0.99):7.1f} ms   "
        f"{result.api_calls / result.updates:.1f} API calls/update   peak RSS {result.peak_rss_mib:5.0f} MiB"
    )
    if result.extra_answers:
        line += f"   ({result.extra_answers} answers beyond one per update)"
    print(line, flush=True)
    if echo is not None:
        print(f"{'':20} ratio to the echo bot = {result.rate / echo.rate:.2f} (target >= 0.5); {result.stored}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", choices=("flows", "pap"), default="flows", help="answers within flows, or /pap over and over")
    parser.add_argument("--alumnae", type=int, default=500, help="each sends 10 updates")
    parser.add_argument("--in-flight", type=int, default=500, help="alumnae waiting for an answer at once")
    parser.add_argument("--postgres", help=POSTGRES_HELP)
    args = parser.parse_args()
    in_flight = min(args.in_flight, args.alumnae)
    print(f"{args.workload}: {args.alumnae} alumnae x 10 updates, {in_flight} in flight, sends unthrottled", flush=True)
    databases: list[tuple[str, Any]] = [("SQLite", None)]
    if args.postgres:
        databases.append(("PostgreSQL", args.postgres))
    for label, server in databases:
        folder = Path(tempfile.mkdtemp(prefix="ecoach-inbound-"))
        echo = run_pass(args.alumnae, in_flight, None, folder, args.workload)
        report("echo bot (PTB)", echo)
        if server is None:
            result = run_pass(args.alumnae, in_flight, f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}", folder, args.workload)
        else:
            with throwaway_postgres(server) as url:
                result = run_pass(args.alumnae, in_flight, url, folder, args.workload)
        report(f"ecoach, {label}", result, echo)


if __name__ == "__main__":
    main()
