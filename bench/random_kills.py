"""Soak: many SIGKILLs at random moments while alumnae keep writing logbook entries.

    .venv/bin/python bench/random_kills.py [--kills 200] [--alumnae 5] [--seed 1]

Invariants checked at the end: every entry whose "saved" reply she saw is stored exactly once;
no entry is stored twice; no reply was ever an apology for an error. The test suite runs a
bounded version of the same loop (tests/test_random_kills.py).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from collections import Counter
from pathlib import Path

from common import seed_enrolled
from sqlalchemy import select

from db.engine import create_engine, session_factory
from db.migrate import upgrade
from db.models import LogEntry
from devtools.double import BotApiDouble, DoubleServer, FakeUser
from devtools.process import BotProcess

TOKEN = "7000011:SOAK-" + "k" * 30
FLOW = [("say", "/logbook"), ("tap", "Umum"), ("say", None), ("tap", "Lewati"), ("tap", "Lewati"), ("tap", "Selesai")]


def stored_texts(url: str) -> Counter[str]:
    async def run() -> Counter[str]:
        engine = create_engine(url)
        async with session_factory(engine)() as session:
            texts = Counter(await session.scalars(select(LogEntry.text)))
        await engine.dispose()
        return texts

    return asyncio.run(run())


class Alumna:
    """Walks the logbook flow again and again; after a kill she starts the entry over."""

    def __init__(self, user: FakeUser) -> None:
        self.user = user
        self.step = 0
        self.number = 0
        self.confirmed: list[str] = []

    def act(self) -> None:
        action, value = FLOW[self.step]
        if self.step == 0:
            self.number += 1  # every attempt has its own text, so a duplicate can only be the bot's
        if action == "say":
            self.user.send(value or f"entri {self.user.id}-{self.number}")
        else:
            try:
                self.user.press(value)
            except LookupError:  # her screen is not where she thought: start the entry over
                self.step = 0
                self.number += 1
                self.user.send("/logbook")

    def read(self, timeout: float) -> bool:
        """Take the bot's reply; False when none came (the bot was killed)."""
        try:
            reply = self.user.next_message(timeout=timeout)
        except TimeoutError:
            return False
        assert not reply.text.startswith("Mohon maaf"), reply.text
        if "Logbook tersimpan" in reply.text:
            self.confirmed.append(f"entri {self.user.id}-{self.number}")
            self.step = 0
        else:
            self.step = min(self.step + 1, len(FLOW) - 1)
        return True


def soak(kills: int, alumnae: int, seed_value: int, folder: Path) -> dict[str, int]:
    rng = random.Random(seed_value)
    url = f"sqlite+aiosqlite:///{folder / 'soak.sqlite3'}"
    upgrade(url)
    seed_enrolled(url, 8_100_000, alumnae)
    double = BotApiDouble(TOKEN)
    people = [Alumna(double.user(8_100_000 + n, f"Alumna {n}")) for n in range(alumnae)]
    with DoubleServer(double) as server:
        env = {"DATABASE_URL": url, "ECOACH_DATA_DIR": str(folder / "data"), "ECOACH_SWEEP_SECONDS": "5", "ECOACH_WEEKLY_TIPS": "false"}
        process = BotProcess(double, server.url, env, folder / "bot.log").start()
        try:
            for _ in range(kills):
                for person in rng.sample(people, k=rng.randint(1, alumnae)):
                    for _ in range(rng.randint(1, 5)):  # a few answers, each with its reply
                        person.act()
                        if not person.read(timeout=5):
                            break
                rng.choice(people).act()  # one more answer in flight when the kill lands
                time.sleep(rng.uniform(0, 0.1))  # anywhere: before, during or after its handling
                process.kill(between_updates=False)
                process.start()
                for person in people:
                    while person.read(timeout=0.3):
                        pass
        finally:
            process.stop()
    stored = stored_texts(url)
    confirmed = [text for person in people for text in person.confirmed]
    missing = [text for text in confirmed if stored[text] == 0]
    duplicated = [text for text, count in stored.items() if count > 1]
    return {
        "kills": kills,
        "confirmed": len(confirmed),
        "stored": sum(stored.values()),
        "missing": len(missing),
        "duplicated": len(duplicated),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--alumnae", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    result = soak(args.kills, args.alumnae, args.seed, Path(tempfile.mkdtemp()))
    print(
        f"{result['kills']} kills survived; {result['confirmed']} confirmed entries, {result['stored']} stored; "
        f"missing {result['missing']}, duplicated {result['duplicated']} (targets 0 and 0)"
    )


if __name__ == "__main__":
    main()
