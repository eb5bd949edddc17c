"""Alembic environment: async engine, URL handed in by db.migrate."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from db.engine import create_engine, is_sqlite
from db.models import Base
from db.poller import LOCK_SPACE

config = context.config
target_metadata = Base.metadata


def _configure(connection: Connection) -> None:
    sqlite = is_sqlite(str(connection.engine.url))
    if sqlite:
        # A batch migration copies a table and drops the old one; with foreign keys enforced, that drop
        # would cascade into every child row (a rater's answers with their link). Off while migrating.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()  # end the transaction the PRAGMA began: the migrations run in their own
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=sqlite, compare_type=True)
    try:
        with context.begin_transaction():
            if not sqlite:  # processes starting together (a webhook and its workers) upgrade one at a time
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({LOCK_SPACE}, 0)")  # 0: no bot's id
            context.run_migrations()
    finally:
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()


async def _run_async(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_configure)
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:  # tests hand in a live connection
        _configure(connection)
        return
    asyncio.run(_run_async(config.attributes["database_url"]))


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; use `ecoach db upgrade`")
run_migrations_online()
