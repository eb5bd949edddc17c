"""The rate limiter's two lanes: a call made while an update is handled takes the next free slot
before the sweeps' queued bulk calls; calls to no chat are not paced."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncSession

from bot.kernel.context import UpdateScope, current_scope
from bot.kernel.lanes import Lanes


async def _send(lanes: Lanes, order: list[str], name: str, *, chat_id: int | None, while_handling: bool) -> None:
    async def call(*_: Any) -> bool:
        order.append(name)
        return True

    if while_handling:  # as EcoachApplication.process_update sets it for the update's task
        current_scope.set(UpdateScope(session=cast("AsyncSession", None), locale="id"))  # the lane reads only its presence
    data = {"chat_id": chat_id} if chat_id is not None else {}
    await lanes.process_request(call, (), {}, "sendMessage", data, None)


async def test_a_reply_goes_before_the_queued_bulk_sends() -> None:
    lanes = Lanes(rate=4)  # a slot every 250 ms
    order: list[str] = []
    bulk = [asyncio.create_task(_send(lanes, order, f"bulk {n}", chat_id=1000 + n, while_handling=False)) for n in range(6)]
    await asyncio.sleep(0.05)  # the first bulk call took the free slot; five wait for theirs
    reply = asyncio.create_task(_send(lanes, order, "reply", chat_id=42, while_handling=True))
    fetch = asyncio.create_task(_send(lanes, order, "getUpdates", chat_id=None, while_handling=False))
    await asyncio.gather(*bulk, reply, fetch)
    assert order[:3] == ["bulk 0", "getUpdates", "reply"]  # no chat: not paced; then the reply, at the next slot
    assert order[3:] == [f"bulk {n}" for n in range(1, 6)]  # the bulk sends keep their order
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
