"""The rate limiter's two lanes: a call made while an update is handled takes the next free slot
before the sweeps' queued bulk calls; calls to no chat are not paced."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import Any, cast

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import build_application
from bot.kernel.context import UpdateScope, current_scope
from bot.kernel.lanes import Lanes
from bot.kernel.settings import Settings
from devtools.double import BotApiDouble, DoubleServer
from devtools.process import BotProcess
from tests.support.bots import TOKEN
from tests.support.live import answer_until_milestones, bot_env, new_cohort_code


async def _send(
    lanes: Lanes, order: list[str], name: str, *, chat_id: int | None, while_handling: bool, endpoint: str = "sendMessage"
) -> None:
    async def call(*_: Any) -> bool:
        order.append(name)
        return True

    if while_handling:  # as EcoachApplication.process_update sets it for the update's task
        current_scope.set(UpdateScope(session=cast("AsyncSession", None), locale="id"))  # the lane reads only its presence
    data = {"chat_id": chat_id} if chat_id is not None else {}
    await lanes.process_request(call, (), {}, endpoint, data, None)


async def test_a_reply_goes_at_once_while_bulk_sends_are_paced() -> None:
    lanes = Lanes(rate=4)  # bulk: a slot every 1/3.6 s; a reply: at once while the second holds fewer than 4
    order: list[str] = []
    bulk = [asyncio.create_task(_send(lanes, order, f"bulk {n}", chat_id=1000 + n, while_handling=False)) for n in range(6)]
    await asyncio.sleep(0.05)  # the first bulk call took the free slot; five wait for theirs
    reply = asyncio.create_task(_send(lanes, order, "reply", chat_id=42, while_handling=True))
    fetch = asyncio.create_task(_send(lanes, order, "getUpdates", chat_id=None, while_handling=False))
    await asyncio.sleep(0.01)
    assert order == ["bulk 0", "reply", "getUpdates"]  # neither waited for the next bulk slot
    await asyncio.gather(*bulk, reply, fetch)
    assert order[3:] == [f"bulk {n}" for n in range(1, 6)]  # the bulk sends keep their order
    await lanes.shutdown()


async def test_when_the_last_second_is_full_a_reply_waits_and_still_goes_before_bulk() -> None:
    lanes = Lanes(rate=4)
    order: list[str] = []
    for n in range(4):  # four replies fill the second; each in its own task, as updates are handled
        await asyncio.create_task(_send(lanes, order, f"reply {n}", chat_id=50 + n, while_handling=True))
    bulk = asyncio.create_task(_send(lanes, order, "bulk", chat_id=1000, while_handling=False))
    await asyncio.sleep(0.01)
    late = asyncio.create_task(_send(lanes, order, "reply 4", chat_id=54, while_handling=True))
    await asyncio.sleep(0.5)
    assert order == ["reply 0", "reply 1", "reply 2", "reply 3"]  # the second is full: both wait
    await asyncio.gather(bulk, late)
    assert order[4:] == ["reply 4", "bulk"]
    await lanes.shutdown()


async def test_a_reply_made_while_bulk_sends_wait_takes_the_next_bulk_slot() -> None:
    """The bulk lane gives up a slot for each reply, so the second keeps room for the next reply
    instead of the bulk lane filling it again: two replies 80 ms apart both go at once."""
    lanes = Lanes(rate=20)  # bulk: a slot every 1/19 s; replies: while the second holds fewer than 20
    order: list[str] = []
    bulk = [asyncio.create_task(_send(lanes, order, f"bulk {n}", chat_id=1000 + n, while_handling=False)) for n in range(40)]
    await bulk[20]  # a full second of bulk sends: the second holds 19 of them
    first = asyncio.create_task(_send(lanes, order, "reply A", chat_id=42, while_handling=True))
    await asyncio.sleep(0.08)  # past the next bulk slot (1/19 s), before the one after
    second = asyncio.create_task(_send(lanes, order, "reply B", chat_id=43, while_handling=True))
    await asyncio.gather(first, second)
    at = order.index("reply A")
    assert order[at : at + 2] == ["reply A", "reply B"]  # without the slot given up, bulk 21 came between and B waited
    await asyncio.gather(*bulk)
    assert [name for name in order if name.startswith("bulk")] == [f"bulk {n}" for n in range(40)]
    await lanes.shutdown()


async def test_no_second_telegram_counts_ever_holds_more_calls_than_the_rate() -> None:
    """Telegram counts a call at some moment between its start and its answer. Replies and bulk sends
    mixed, each answered 0-200 ms after it left and counted at a random moment in between: no sliding
    second holds more than the rate. Counting each call from when it leaves, as if Telegram saw it
    then, lets the network's delays bunch eleven into one of Telegram's seconds."""
    lanes = Lanes(rate=10)
    loop = asyncio.get_running_loop()
    rng = random.Random(5)
    counted: list[float] = []

    async def call(*_: Any) -> bool:
        delay = rng.uniform(0, 0.2)
        at = rng.uniform(0, delay)
        await asyncio.sleep(at)
        counted.append(loop.time())  # the moment Telegram counts it
        await asyncio.sleep(delay - at)
        return True

    async def one(n: int, urgent: bool) -> None:
        if urgent:
            current_scope.set(UpdateScope(session=cast("AsyncSession", None), locale="id"))
        await lanes.process_request(call, (), {}, "sendMessage", {"chat_id": 1000 + n}, None)

    async def replies() -> None:
        for n in range(12):
            await asyncio.create_task(one(100 + n, True))
            await asyncio.sleep(rng.uniform(0, 0.2))

    await asyncio.gather(*(one(n, False) for n in range(30)), replies())
    busiest = max(sum(1 for t in counted if start <= t < start + 1) for start in counted)
    assert len(counted) == 42 and busiest <= 10
    await lanes.shutdown()


async def test_a_bulk_send_cancelled_while_waiting_gives_its_slot_away() -> None:
    lanes = Lanes(rate=4)
    order: list[str] = []
    first = asyncio.create_task(_send(lanes, order, "bulk 0", chat_id=1, while_handling=False))
    doomed = asyncio.create_task(_send(lanes, order, "bulk 1", chat_id=2, while_handling=False))
    last = asyncio.create_task(_send(lanes, order, "bulk 2", chat_id=3, while_handling=False))
    await asyncio.sleep(0.05)
    doomed.cancel()  # a sweep stopped at shutdown
    await asyncio.gather(first, last)
    assert order == ["bulk 0", "bulk 2"]
    await lanes.shutdown()


async def test_a_private_chat_gets_three_new_messages_at_once_then_one_a_second_in_both_lanes() -> None:
    """Telegram: about one message a second in one chat, short bursts allowed. Her reply's messages and a
    reminder due for her share her chat's three at once, then one a second; edits are not counted, and
    another chat is not held up."""
    lanes = Lanes(rate=30)
    loop = asyncio.get_running_loop()
    order: list[str] = []
    sent_at: dict[str, float] = {}

    async def send(name: str, chat_id: int, *, urgent: bool, endpoint: str = "sendMessage") -> None:
        await _send(lanes, order, name, chat_id=chat_id, while_handling=urgent, endpoint=endpoint)
        sent_at[name] = loop.time()

    start = loop.time()
    calls = [
        asyncio.create_task(send("reply 1", 42, urgent=True)),
        asyncio.create_task(send("reminder", 42, urgent=False)),
        asyncio.create_task(send("reply 2", 42, urgent=True)),
        asyncio.create_task(send("reply 3", 42, urgent=True)),
        asyncio.create_task(send("reminder 2", 42, urgent=False)),
    ]
    await asyncio.sleep(0.2)
    await send("edit marking her choice", 42, urgent=True, endpoint="editMessageText")
    await send("someone else", 43, urgent=True)
    assert sorted(order) == sorted(["reply 1", "reminder", "reply 2", "edit marking her choice", "someone else"])
    await asyncio.gather(*calls)
    assert order[-2:] == ["reply 3", "reminder 2"]  # her chat's calls in the order they came
    assert sent_at["reply 3"] - start >= 1 and sent_at["reminder 2"] - start >= 2  # a second apart, from the first answers
    await lanes.shutdown()


@pytest.mark.slow
def test_an_alumna_answering_faster_than_her_chat_may_be_sent_to_gets_every_question_and_no_429(database_url: str, tmp_path: Path) -> None:
    """The real process against a double that keeps Telegram's flood limits: she answers each question
    the moment it comes, eighteen in a row, and the bot keeps her chat to three at once, then one a second."""
    double = BotApiDouble(TOKEN, rate_limit_per_second=30)
    with DoubleServer(double) as server:
        process = BotProcess(double, server.url, bot_env(database_url, tmp_path), tmp_path / "bot.log").start()
        try:
            sari = double.user(4101, "Sari")
            answer_until_milestones(sari, new_cohort_code(database_url, "Angkatan Cepat"))
        finally:
            process.stop()
    assert double.rate_limited() == 0
    assert len(sari.messages(include_edits=False)) >= 18


async def test_a_broadcast_leaves_no_bucket_behind_for_each_recipient() -> None:
    lanes = Lanes(rate=10_000)
    order: list[str] = []
    await asyncio.gather(*(_send(lanes, order, "delivery", chat_id=1000 + n, while_handling=False) for n in range(1_000)))
    await asyncio.sleep(1.1)  # every recipient's bucket is empty again
    await _send(lanes, order, "next delivery", chat_id=5000, while_handling=False)
    assert len(order) == 1_001 and len(lanes._chats) == 1  # what the process keeps is the promise
    await lanes.shutdown()


def test_processes_that_send_share_the_rate(tmp_path: Path) -> None:
    """Two workers at 30 each would be 60 a second to Telegram: each keeps its share."""
    settings = Settings(
        _env_file=None, TELEGRAM_BOT_TOKEN=TOKEN, ECOACH_DATA_DIR=str(tmp_path), ECOACH_SEND_RATE=30, ECOACH_SENDING_PROCESSES=2
    )
    limiter = build_application(settings).bot.rate_limiter
    assert isinstance(limiter, Lanes) and limiter.rate == 15
    alone = build_application(Settings(_env_file=None, TELEGRAM_BOT_TOKEN=TOKEN, ECOACH_DATA_DIR=str(tmp_path))).bot.rate_limiter
    assert isinstance(alone, Lanes) and alone.rate == 30


async def test_two_workers_replying_in_one_group_keep_its_twenty_a_minute_between_them(tmp_path: Path) -> None:
    """Each worker paces a group on its own: at 20 a minute each, two would send Telegram 40."""
    settings = Settings(_env_file=None, TELEGRAM_BOT_TOKEN=TOKEN, ECOACH_DATA_DIR=str(tmp_path), ECOACH_SENDING_PROCESSES=2)
    workers = [build_application(settings).bot.rate_limiter for _ in range(2)]
    order: list[str] = []
    calls = [
        asyncio.create_task(_send(cast("Lanes", limiter), order, f"worker {w} reply {n}", chat_id=-100123, while_handling=True))
        for w, limiter in enumerate(workers)
        for n in range(12)
    ]
    await asyncio.sleep(0.5)  # ten from each, all a group may have at once; the next waits six seconds
    assert len(order) == 20
    for call in calls:
        call.cancel()
    await asyncio.gather(*calls, return_exceptions=True)
    for limiter in workers:
        await cast("Lanes", limiter).shutdown()
