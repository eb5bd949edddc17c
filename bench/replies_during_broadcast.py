"""Benchmark: how long an alumna waits for a reply while a broadcast goes out.

    .venv/bin/python bench/replies_during_broadcast.py [--recipients 3000] [--asks 60]

The real `ecoach run` at its default pace (30 calls a second), the double answering 429 above 30
sends a second as Telegram does. Three enrolled alumnae ask `/pap` one after another, `--asks`
times in all, first on a quiet bot, then while a broadcast to `--recipients` alumnae is being sent.
Reported: p50 and p99 from her message to the bot's reply in both phases and their ratio (target at
most 1.3), and the broadcast's own rate (target at least 0.9 of 30 a second).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from broadcast import BASE_ID, broadcast, pending, seed
from common import percentile, seed_enrolled

from db.migrate import upgrade
from devtools.double import BotApiDouble, DoubleServer, FakeUser
from devtools.process import BotProcess

TOKEN = "7000012:BENCH-" + "r" * 30
ASKING = 70_000_000  # the three alumnae who ask /pap


def ask(people: list[FakeUser], asks: int) -> list[float]:
    """Seconds from each /pap to its reply, the people taking turns."""
    waits = []
    for n in range(asks):
        person = people[n % len(people)]
        person.skip_read()
        started = time.monotonic()
        person.send("/pap")
        person.next_message(timeout=60)
        waits.append(time.monotonic() - started)
    return waits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=3000)
    parser.add_argument("--asks", type=int, default=60)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    url = f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}"
    upgrade(url)
    asyncio.run(seed(url, args.recipients))
    seed_enrolled(url, ASKING, 3)
    double = BotApiDouble(TOKEN, rate_limit_per_second=30)
    for i in range(args.recipients):
        double.user(BASE_ID + i, f"A{i}")
    people = [double.user(ASKING + n, f"Alumna {n}") for n in range(3)]
    env = {"DATABASE_URL": url, "ECOACH_DATA_DIR": str(folder), "ECOACH_SWEEP_SECONDS": "1", "ECOACH_WEEKLY_TIPS": "false"}
    with DoubleServer(double) as server:
        process = BotProcess(double, server.url, env, folder / "bot.log").start()
        try:
            quiet = ask(people, args.asks)
            asyncio.run(broadcast(url))
            while not any(double.sent(BASE_ID + i) for i in range(args.recipients)):
                time.sleep(0.05)
            time.sleep(2)  # well under way
            busy = ask(people, args.asks)
            still_sending = asyncio.run(pending(url))
            while asyncio.run(pending(url)):
                time.sleep(1)
        finally:
            process.stop()
    sends = sorted(s.at for i in range(args.recipients) for s in double.sent(BASE_ID + i))
    rate = (len(sends) - 1) / (sends[-1] - sends[0])
    q50, q99, b50, b99 = (percentile(w, p) * 1000 for w, p in ((quiet, 0.5), (quiet, 0.99), (busy, 0.5), (busy, 0.99)))
    print(f"quiet bot: p50 {q50:.0f} ms, p99 {q99:.0f} ms ({len(quiet)} replies)")
    during = "all asked during it" if still_sending else "the broadcast ended before the last: raise --recipients"
    print(f"during the broadcast: p50 {b50:.0f} ms, p99 {b99:.0f} ms ({len(busy)} replies; {still_sending} still pending: {during})")
    print(f"ratio during/quiet: p50 {b50 / q50:.2f}, p99 {b99 / q99:.2f} (target <= 1.3)")
    print(f"broadcast: {rate:.2f} msg/s = {rate / 30:.3f} of 30 (target >= 0.9); 429s answered {double.rate_limited()}")


if __name__ == "__main__":
    main()
