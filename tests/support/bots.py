"""The bot as tests hold it: its token, the PostgreSQL switch, and the real Application fed in-process."""

from __future__ import annotations

import os
from dataclasses import dataclass

from telegram import Update

from bot.app import EcoachApplication
from bot.kernel.clock import FrozenClock
from devtools.double import BotApiDouble

PG_URL = os.environ.get("ECOACH_TEST_DATABASE_URL")
TOKEN = "7000001:TEST-" + "x" * 30  # fixed so a test can search logs for it


@dataclass
class InProcessBot:
    """The real Application, fed updates from the double without HTTP."""

    app: EcoachApplication
    double: BotApiDouble
    clock: FrozenClock
    _offset: int = 0

    async def run_pending(self) -> int:
        """Process every update the double's users have sent so far; return how many."""
        status, body = self.double.call(TOKEN, "getUpdates", {"offset": self._offset, "timeout": 0})
        assert status == 200, body
        for data in body["result"]:
            await self.app.process_update(Update.de_json(data, self.app.bot))
            self._offset = data["update_id"] + 1
        return len(body["result"])
