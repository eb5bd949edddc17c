"""Engine and session factory for SQLite (default) and PostgreSQL."""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def on_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def dialect_insert(session: AsyncSession) -> Any:
    """The session's dialect's INSERT, which has ON CONFLICT (PostgreSQL's or SQLite's)."""
    return postgresql.insert if on_postgres(session) else sqlite.insert


def application_name(pid: int) -> str:
    return f"ecoach-{pid}"


def create_engine(url: str) -> AsyncEngine:
    """Create the engine; on SQLite turn on WAL, foreign keys and a busy timeout.

    `hide_parameters`: a database error's message would otherwise quote the statement's values, her words.
    On PostgreSQL each connection is named after its process (`ecoach-<pid>` in pg_stat_activity), so an
    operator can tell the workers apart, and a test can tell when a killed one's transactions are over."""
    if not is_sqlite(url):
        named = {"server_settings": {"application_name": application_name(os.getpid())}}
        return create_async_engine(url, pool_pre_ping=True, hide_parameters=True, connect_args=named)
    engine = create_async_engine(url, connect_args={"timeout": 30}, hide_parameters=True)

    @event.listens_for(engine.sync_engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA secure_delete=ON")  # deleted rows are overwritten, not left in free pages
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
