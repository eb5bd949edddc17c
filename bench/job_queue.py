"""Benchmark: the webhook inbox's per-chat queue against procrastinate, the PostgreSQL job library
the issue names (its per-key `lock` keeps one chat's jobs in order).

    .venv/bin/pip install procrastinate 'psycopg[binary,pool]'    # for this benchmark only
    .venv/bin/python bench/job_queue.py [--chats 300] [--per-chat 10] [--workers 8]
        [--postgres postgresql+asyncpg://postgres@127.0.0.1:5432/postgres]

Both queues get the same updates (10 from each of 300 chats, in a throwaway database each), stored
one transaction each as the webhook stores them, all before the workers start. Then --workers tasks
in this one process take them with a handler that only notes the order: what is measured is the
queue alone (store, take in chat order, mark done), which is what choosing one would change; the
update's own work is the same either way. Reported for each: updates stored and taken per second,
the CPU ms per update of this process and of PostgreSQL's processes for each phase, and whether
every chat's updates were taken in order, each once.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import POSTGRES_HELP, stat_cpu, throwaway_postgres
from sqlalchemy.engine import make_url

from db.engine import create_engine, session_factory
from db.inbox import claim_next, finish, store
from db.migrate import upgrade
from db.models import InboxStatus

BOT_ID = 7000013
LEASE = timedelta(minutes=5)


@dataclass
class Phase:
    seconds: float
    cpu: float  # this process's
    server_cpu: float  # PostgreSQL's processes'


def postgres_cpu() -> dict[int, float]:
    """CPU seconds spent so far by each PostgreSQL server process on this machine, by pid."""
    spent = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            name, seconds = stat_cpu(stat.read_text())
        except OSError:
            continue  # gone meanwhile
        if name == "postgres":
            spent[int(stat.parent.name)] = seconds
    return spent


def server_cpu_since(before: dict[int, float]) -> float:
    """What PostgreSQL's processes spent since `before`; a process that ended meanwhile is not counted."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in postgres_cpu().items())


@dataclass
class Outcome:
    stored: Phase
    taken: Phase
    order: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))

    def verdict(self, chats: int, per_chat: int) -> str:
        expected = list(range(per_chat))
        wrong = [chat for chat in range(chats) if self.order.get(chat) != expected]
        return "every chat in order, each once" if not wrong else f"{len(wrong)} chats out of order or not exactly once, e.g. {wrong[:3]}"


def payload(update_id: int, chat: int, seq: int) -> dict[str, object]:
    user = {"id": chat, "is_bot": False, "first_name": f"Alumna {chat}"}
    message = {"message_id": seq + 1, "date": 0, "chat": {"id": chat, "type": "private"}, "from": user, "text": str(seq)}
    return {"update_id": update_id, "message": message}


async def timed(work: Callable[[], Awaitable[None]]) -> Phase:
    wall, cpu, server = time.perf_counter(), time.process_time(), postgres_cpu()
    await work()
    return Phase(time.perf_counter() - wall, time.process_time() - cpu, server_cpu_since(server))


async def inbox(url: str, chats: int, per_chat: int, workers: int) -> Outcome:
    engine = create_engine(url)
    sessions = session_factory(engine)
    order: dict[int, list[int]] = defaultdict(list)

    async def store_all() -> None:
        for seq in range(per_chat):
            for chat in range(chats):
                async with sessions() as session:
                    await store(session=session, bot_id=BOT_ID, payload=payload(seq * chats + chat, chat, seq), now=datetime.now(UTC))
                    await session.commit()

    async def worker() -> None:  # bot/webhook.py's `work`, with a handler that only notes the order
        while True:
            async with sessions() as session:
                row = await claim_next(session=session, bot_id=BOT_ID, now=datetime.now(UTC), lease=LEASE)
                await session.commit()
            if row is None:
                return  # everything stored is taken or in hand (no chat's next update waits on one in hand for long)
            message = row.payload["message"]
            order[message["chat"]["id"]].append(int(message["text"]))
            async with sessions() as session:
                await finish(session=session, row_id=row.id, status=InboxStatus.DONE, now=datetime.now(UTC))
                await session.commit()

    async def take_all() -> None:
        while sum(len(seen) for seen in order.values()) < chats * per_chat:
            await asyncio.gather(*(worker() for _ in range(workers)))

    stored = await timed(store_all)
    taken = await timed(take_all)
    await engine.dispose()
    return Outcome(stored, taken, order)


async def procrastinate_queue(url: str, chats: int, per_chat: int, workers: int) -> Outcome:
    from procrastinate import App, PsycopgConnector

    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    app = App(connector=PsycopgConnector(conninfo=conninfo, max_size=workers + 2))
    order: dict[int, list[int]] = defaultdict(list)

    @app.task(name="handle_update")
    async def handle_update(chat: int, seq: int) -> None:
        order[chat].append(seq)

    async with app.open_async():
        await app.schema_manager.apply_schema_async()

        async def store_all() -> None:  # one job per update, locked by its chat: the chat's jobs run in order
            for seq in range(per_chat):
                for chat in range(chats):
                    await handle_update.configure(lock=f"chat:{chat}").defer_async(chat=chat, seq=seq)

        async def take_all() -> None:  # wait=False: the worker stops when nothing is takeable, as the inbox's loop above
            while sum(len(seen) for seen in order.values()) < chats * per_chat:
                await app.run_worker_async(concurrency=workers, wait=False, install_signal_handlers=False)

        stored = await timed(store_all)
        taken = await timed(take_all)
    return Outcome(stored, taken, order)


def report(name: str, outcome: Outcome, chats: int, per_chat: int) -> None:
    total = chats * per_chat

    def phase(what: str, measured: Phase) -> str:
        return (
            f"{what} {total / measured.seconds:6.1f}/s, CPU ms each: "
            f"{measured.cpu * 1000 / total:4.2f} here + {measured.server_cpu * 1000 / total:4.2f} PostgreSQL"
        )

    taken = phase("taken and marked", outcome.taken)
    print(f"{name:14} {phase('stored', outcome.stored)}   {taken}   {outcome.verdict(chats, per_chat)}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=300)
    parser.add_argument("--per-chat", type=int, default=10)
    parser.add_argument("--workers", type=int, default=8, help="worker tasks taking updates at once")
    parser.add_argument("--postgres", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres", help=POSTGRES_HELP)
    args = parser.parse_args()
    print(f"{args.chats} chats x {args.per_chat} updates, {args.workers} worker tasks, PostgreSQL", flush=True)
    for name, run in (("inbox", inbox), ("procrastinate", procrastinate_queue)):
        with throwaway_postgres(args.postgres) as url:
            if run is inbox:
                upgrade(url)
            report(name, asyncio.run(run(url, args.chats, args.per_chat, args.workers)), args.chats, args.per_chat)


if __name__ == "__main__":
    main()
