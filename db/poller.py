"""One poller per bot and database: a second `ecoach run` on the same database gives way at once.

Telegram lets only one process long-poll a bot (it answers 409 to the others), and two pollers on
one database would also split each other's conversations. The lock dies with its process, also
under SIGKILL: an advisory lock on PostgreSQL (held by a connection kept open), a file lock beside
the SQLite database.
"""

from __future__ import annotations

import fcntl
import os

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from db.engine import is_sqlite

LOCK_SPACE = 0x6563_6F61  # "ecoa": keeps our advisory locks apart from anyone else's


class PollerLock:
    """Held for the life of the polling process."""

    def __init__(self, engine: AsyncEngine, url: str, bot_id: int) -> None:
        self.engine, self.url, self.bot_id = engine, url, bot_id
        self._connection: AsyncConnection | None = None
        self._fd: int | None = None
        database = make_url(url).database if is_sqlite(url) else None
        self._file = f"{os.path.abspath(database)}.poller-{bot_id}.lock" if database and database != ":memory:" else None

    async def acquire(self) -> bool:
        """True when this process is now the bot's one poller."""
        if is_sqlite(self.url):
            if self._file is None:
                return True
            fd = os.open(self._file, os.O_CREAT | os.O_RDWR, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                return False
            self._fd = fd
            return True
        connection = await self.engine.connect()
        held = await connection.scalar(text("SELECT pg_try_advisory_lock(:space, :bot)"), {"space": LOCK_SPACE, "bot": self.bot_id % 2**31})
        if not held:
            await connection.close()
            return False
        await connection.commit()  # the lock belongs to the session, not the transaction
        self._connection = connection
        return True

    async def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if self._connection is not None:
            await self._connection.close()
            self._connection = None
