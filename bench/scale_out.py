"""Benchmark: several processes on PostgreSQL. A webhook that only receives, and 1, then 2 `ecoach worker`s.

    .venv/bin/python bench/scale_out.py --postgres postgresql+asyncpg://postgres@127.0.0.1:5432/postgres
        [--alumnae 300] [--in-flight 300]

The workload is bench/inbound.py's: each alumna writes a reflection or a logbook entry with a photo,
10 updates, sending the next when the last is answered; sends are unthrottled, so this measures the
software, not Telegram's 30 a second. The double posts every update to the webhook as Telegram does
(up to 40 at once, one chat's in turn, again until it answers 2xx). Passes, each on a fresh database:
- polling, one `ecoach run` (the reference);
- webhook plus 1 worker; webhook plus 2 workers;
- webhook plus 2 workers, one of them SIGKILLed when half the updates are answered (its updates come
  back when their 5 s lease runs out; the other worker finishes the run).

Reported per pass: updates per second, p50 and p99 from update to answer, the CPU seconds each
process and this driver (the double and its users) spent per update, answers beyond one per update
(none expected), answers sent twice in a row (a kill between a reply and its commit repeats
the reply: README, "at least once"; the driver sets them aside), and whether every answer was
stored once; the peak RSS is the largest process's. A chat's updates answered out of
order derail her script: the run stops with "no answer", or stores less than it should.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from common import POSTGRES_HELP, cpu_seconds, seed_enrolled, throwaway_postgres
from inbound import BASE_ID, LOGBOOK, REFLECTION, TOKEN, ObservedDouble, Pass, drive, report, stored

from db.migrate import upgrade
from devtools.double import DoubleServer
from devtools.process import BotProcess

LEASE = "5"  # seconds before a killed worker's updates are taken again


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run_pass(url: str, folder: Path, alumnae: int, in_flight: int, workers: int, *, kill: bool = False) -> tuple[Pass, str]:
    """One pass; `workers` 0 is polling. Returns the measures and a line of CPU per update."""
    double = ObservedDouble(TOKEN, watch_repeats=True)
    users = [double.user(BASE_ID + n, f"Alumna {n}") for n in range(alumnae)]
    scripts = [REFLECTION if n % 2 == 0 else LOGBOOK for n in range(alumnae)]
    data_dir = folder / "data"
    upgrade(url)
    seed_enrolled(url, BASE_ID, alumnae)
    port = free_port()
    env = {
        "DATABASE_URL": url, "ECOACH_DATA_DIR": str(data_dir), "ECOACH_SWEEP_SECONDS": "3600", "ECOACH_WEEKLY_TIPS": "false",
        "ECOACH_SEND_RATE": "0", "ECOACH_LEASE_SECONDS": LEASE, "ECOACH_WEBHOOK_URL": f"http://127.0.0.1:{port}/hook",
        "ECOACH_WEBHOOK_PORT": str(port), "ECOACH_WEBHOOK_SECRET": "bench-webhook-secret-0123456789",
    }  # fmt: skip
    worker = [sys.executable, "-m", "bot.cli", "worker"]
    total = sum(len(script) for script in scripts)
    with DoubleServer(double) as server:
        if workers == 0:
            processes = {"ecoach run": BotProcess(double, server.url, env, folder / "run.log").start()}
        else:
            processes = {"webhook": BotProcess(double, server.url, env, folder / "web.log", args=["--webhook", "--receive-only"]).start()}
            for n in range(1, workers + 1):
                processes[f"worker {n}"] = BotProcess(double, server.url, env, folder / f"worker{n}.log", command=worker).start()
        victim = processes.get("worker 1")
        spent: dict[str, float] = {}

        def halfway(answered: int) -> None:
            if kill and victim is not None and answered == total // 2:
                spent["worker 1 (killed)"] = cpu_seconds(victim)
                victim.kill(between_updates=False)

        driver_before = time.process_time()
        try:
            result = drive(double, users, scripts, in_flight, echo=False, on_answer=halfway)
            spent["driver and double"] = time.process_time() - driver_before
            alive = {name: process for name, process in processes.items() if process.process is not None and process.process.poll() is None}
            spent.update({name: cpu_seconds(process) for name, process in alive.items()})
            result.peak_rss_mib = max(process.peak_rss_mib() for process in alive.values())
            result.api_calls = sum(1 for method, _ in double.calls if method.lower() not in ("getupdates", "setmycommands"))
        finally:
            for process in processes.values():
                process.stop()
    result.stored = stored(url, alumnae, data_dir) + f"; {double.repeated} answers repeated"
    cpu = "   ".join(f"{name} {seconds * 1000 / result.updates:.1f}" for name, seconds in spent.items())
    return result, f"CPU ms per update: {cpu}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", required=True, help=POSTGRES_HELP)
    parser.add_argument("--alumnae", type=int, default=300, help="each sends 10 updates")
    parser.add_argument("--in-flight", type=int, default=300, help="alumnae waiting for an answer at once")
    args = parser.parse_args()
    in_flight = min(args.in_flight, args.alumnae)
    print(f"{args.alumnae} alumnae x 10 updates, {in_flight} in flight, sends unthrottled, PostgreSQL; {os.cpu_count()} cores", flush=True)
    for name, workers, kill in [
        ("polling, 1 process", 0, False),
        ("webhook + 1 worker", 1, False),
        ("webhook + 2 workers", 2, False),
        ("2 workers, 1 killed", 2, True),
    ]:
        folder = Path(tempfile.mkdtemp(prefix="ecoach-scale-"))
        with throwaway_postgres(args.postgres) as url:
            result, cpu = run_pass(url, folder, args.alumnae, in_flight, workers, kill=kill)
        report(name, result)
        print(f"{'':20} {cpu}", flush=True)
        print(f"{'':20} {result.stored}", flush=True)


if __name__ == "__main__":
    main()
