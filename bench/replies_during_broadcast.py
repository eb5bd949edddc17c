"""Benchmark: how long an alumna waits for her next question while a broadcast goes out.

    .venv/bin/python bench/replies_during_broadcast.py [--recipients 10000] [--alumnae 50] [--think 10:40]
    .venv/bin/python bench/replies_during_broadcast.py --back-to-back [--recipients 3000]

The real `ecoach run` at its default pace (30 calls a second), the double answering 429 above 30
sends a second as Telegram does. `--alumnae` enrolled alumnae each go through a 10-step flow (half
a reflection, half a logbook entry with a photo, /pap before and after, as bench/inbound.py), each
answering a question after a think time drawn from `--think` seconds; first on a quiet bot, then
while a broadcast to `--recipients` other alumnae goes out. Reported: p50 and p99 from her answer
to the bot's next question in both phases and their ratio (target at most 1.3), the broadcast's
rate (target at least 0.9 of 30 a second), and the load the alumnae offered.

Telegram's 30 a second is shared: a broadcast at 0.9 of it leaves about 3 sends a second for
everyone else. 50 alumnae answering every 25 s on average offer 2 a second, which fits. Replies
asked faster than that must wait for Telegram's window whatever the bot does; `--back-to-back` is
that overload: /pap asked by one alumna after another, as fast as the bot answers. Thirty alumnae
take turns, each asking about once a second: one alumna asking over and over would meet her own
chat's limit (about one message a second, which the double keeps too) before Telegram's 30.
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import queue
import random
import statistics
import tempfile
import time
from pathlib import Path

from broadcast import BASE_ID, broadcast, pending, seed
from common import percentile, seed_enrolled
from inbound import LOGBOOK, REFLECTION, ObservedDouble, act

from db.migrate import upgrade
from devtools.double import DoubleServer, FakeUser
from devtools.process import BotProcess

TOKEN = "7000012:BENCH-" + "r" * 30
ASKING = 70_000_000  # the alumnae who answer questions (BASE_ID.. are the broadcast's recipients)
BACK_TO_BACK = 30  # alumnae taking turns in --back-to-back: ~30 asks a second in all, about one each


def converse(
    double: ObservedDouble, users: list[FakeUser], scripts: list[list[tuple[str, str | None]]], think: tuple[float, float]
) -> list[float]:
    """Each alumna answers her next question `think` seconds after it arrives; return the seconds
    from each answer to the next question."""
    rng = random.Random(7)
    script_of = {user.id: (user, script) for user, script in zip(users, scripts, strict=True)}
    cursor = dict.fromkeys(script_of, 0)
    due = [(time.monotonic() + rng.uniform(0, think[1]), user.id) for user in users]  # she opens the chat when she likes
    heapq.heapify(due)
    pushed_at: dict[int, float] = {}
    waits: list[float] = []
    while due or pushed_at:
        while due and due[0][0] <= time.monotonic():
            _, chat = heapq.heappop(due)
            user, script = script_of[chat]
            pushed_at[chat] = time.monotonic()
            act(user, script[cursor[chat]])
        timeout = min(30.0, max(0.0, due[0][0] - time.monotonic())) if due else 30.0
        try:
            chat, at, _ = double.answers.get(timeout=timeout)
        except queue.Empty:
            if pushed_at and not due:
                raise RuntimeError(f"no answer for 30 s; {len(pushed_at)} alumnae waiting") from None
            continue
        if chat not in pushed_at:
            continue  # a broadcast recipient's message
        waits.append(at - pushed_at.pop(chat))
        cursor[chat] += 1
        if cursor[chat] < len(script_of[chat][1]):
            heapq.heappush(due, (time.monotonic() + rng.uniform(*think), chat))
    return waits


def back_to_back(people: list[FakeUser], asks: int) -> list[float]:
    """Seconds from each /pap to its reply, the people taking turns as fast as the bot answers."""
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
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--alumnae", type=int, default=50)
    parser.add_argument("--think", default="10:40", help="seconds before she answers, drawn uniformly from this range")
    parser.add_argument("--back-to-back", action="store_true", help="the overload: alumnae asking /pap in turn as fast as answered")
    parser.add_argument("--asks", type=int, default=60, help="with --back-to-back: /pap asked in each phase")
    args = parser.parse_args()
    low, high = (float(part) for part in args.think.split(":"))
    alumnae = BACK_TO_BACK if args.back_to_back else args.alumnae
    folder = Path(tempfile.mkdtemp())
    url = f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}"
    upgrade(url)
    asyncio.run(seed(url, args.recipients))
    seed_enrolled(url, ASKING, 2 * alumnae)  # one half answers on the quiet bot, the other during the broadcast
    double = ObservedDouble(TOKEN, rate_limit_per_second=30)
    for i in range(args.recipients):
        double.user(BASE_ID + i, f"A{i}")
    people = [double.user(ASKING + n, f"Alumna {n}") for n in range(2 * alumnae)]
    scripts = [REFLECTION if n % 2 == 0 else LOGBOOK for n in range(alumnae)]
    if args.back_to_back:
        print(f"{alumnae} alumnae in turn ask /pap {args.asks} times in all, quiet and during a broadcast to {args.recipients}")
    else:
        load = alumnae / ((low + high) / 2)
        print(
            f"{alumnae} alumnae x 10 steps, answering after {low:g}-{high:g} s (about {load:.1f} updates/s), quiet, then {alumnae} more",
            end="",
        )
        print(f" during a broadcast to {args.recipients}")
    env = {"DATABASE_URL": url, "ECOACH_DATA_DIR": str(folder), "ECOACH_SWEEP_SECONDS": "1", "ECOACH_WEEKLY_TIPS": "false"}

    def phase(who: list[FakeUser]) -> list[float]:
        return back_to_back(who, args.asks) if args.back_to_back else converse(double, who, scripts, (low, high))

    with DoubleServer(double) as server:
        process = BotProcess(double, server.url, env, folder / "bot.log").start()
        try:
            quiet = phase(people[:alumnae])
            asyncio.run(broadcast(url, only_recipients=True))  # the alumnae answering questions get none
            while not any(double.sent(BASE_ID + i) for i in range(args.recipients)):
                time.sleep(0.05)
            time.sleep(2)  # well under way
            busy = phase(people[alumnae:])
            still_sending = asyncio.run(pending(url))
            while asyncio.run(pending(url)):
                time.sleep(1)
        finally:
            process.stop()
    sends = sorted(s.at for i in range(args.recipients) for s in double.sent(BASE_ID + i))
    rate = (len(sends) - 1) / (sends[-1] - sends[0])
    q50, q99, b50, b99 = (percentile(w, p) * 1000 for w, p in ((quiet, 0.5), (quiet, 0.99), (busy, 0.5), (busy, 0.99)))
    print(f"quiet bot: p50 {q50:.0f} ms, p99 {q99:.0f} ms, mean {statistics.mean(quiet) * 1000:.0f} ms ({len(quiet)} answers)")
    during = "all during it" if still_sending else "the broadcast ended before the last: raise --recipients"
    busy_mean = statistics.mean(busy) * 1000
    answers = f"{len(busy)} answers; {still_sending} still pending: {during}"
    print(f"during the broadcast: p50 {b50:.0f} ms, p99 {b99:.0f} ms, mean {busy_mean:.0f} ms ({answers})")
    print(f"ratio during/quiet: p50 {b50 / q50:.2f}, p99 {b99 / q99:.2f} (target <= 1.3)")
    print(f"broadcast: {rate:.2f} msg/s = {rate / 30:.3f} of 30 (target >= 0.9); 429s answered {double.rate_limited()}")


if __name__ == "__main__":
    main()
