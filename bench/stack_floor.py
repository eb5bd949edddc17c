"""Benchmark: how far below the echo bot the stack itself sits, before any of ecoach's own work.

    .venv/bin/python bench/stack_floor.py [--alumnae 100]
        [--postgres postgresql+asyncpg://postgres@127.0.0.1:5432/postgres]

bench/inbound.py's read-only workload (each alumna asks /pap 10 times, all waiting at once) goes to
the bare echo bot, then right after to bench/floor_bot.py: the echo bot plus the least database work an update
of ecoach can do. It records the update (the redelivery guarantee: one INSERT and the commit), and
reads 0, 1 or 6 rows by primary key: ecoach's /pap makes the claim, 6 reads (her membership, her
PAP with its milestones, its status's facts, where it was begun from) and the mark that it was
answered; 1 is /pap written as one query. Each runs through SQLAlchemy's async layer, with ecoach's
own engine, and through the bare driver. Reported: the ratio of each to the echo bot in the same
run, and its CPU ms per update. A ratio below 0.5 here is one ecoach cannot reach on that stack.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from common import POSTGRES_HELP, ROOT, throwaway_postgres
from inbound import BASE_ID, PAP, TOKEN, ObservedDouble, Pass, report, timed

READS = (0, 1, 6)
DRIVERS = ("sqlalchemy", "raw")


def one_pass(alumnae: int, folder: Path, command: str, env: dict[str, str], name: str) -> Pass:
    double = ObservedDouble(TOKEN)
    users = [double.user(BASE_ID + n, f"Alumna {n}") for n in range(alumnae)]
    return timed(double, users, [PAP] * alumnae, alumnae, env, [sys.executable, str(ROOT / "bench" / command)], folder / f"{name}.log")


@contextmanager
def sqlite_file(folder: Path) -> Iterator[str]:
    yield f"sqlite+aiosqlite:///{folder / 'floor.sqlite3'}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alumnae", type=int, default=100, help="each asks /pap 10 times")
    parser.add_argument("--postgres", help=POSTGRES_HELP)
    args = parser.parse_args()
    print(f"/pap: {args.alumnae} alumnae x 10, all in flight, sends unthrottled", flush=True)
    databases = [("SQLite", None)] + ([("PostgreSQL", args.postgres)] if args.postgres else [])
    for label, server in databases:
        folder = Path(tempfile.mkdtemp(prefix="ecoach-floor-"))
        with sqlite_file(folder) if server is None else throwaway_postgres(server) as url:
            for reads in READS:
                for driver in DRIVERS:
                    echo = one_pass(args.alumnae, folder, "echo_bot.py", {}, "echo")  # right before, as the machine drifts
                    report("echo bot (PTB)", echo)
                    env = {"FLOOR_URL": url, "FLOOR_READS": str(reads), "FLOOR_DRIVER": driver}
                    result = one_pass(args.alumnae, folder, "floor_bot.py", env, f"{driver}-{reads}")
                    report(f"{label}, {driver}, claim + {reads} reads", result, echo)


if __name__ == "__main__":
    main()
