"""Migrations create the schema, and the models match them exactly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from db.engine import create_engine
from db.models import Base

EXPECTED_TABLES = {"alembic_version", "people", "cohorts", "memberships", "cohort_chats"}


async def test_models_and_migrations_do_not_differ(database_url: str) -> None:
    engine = create_engine(database_url)
    async with engine.connect() as connection:
        diff = await connection.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync, opts={"compare_type": True}), Base.metadata)
        )
    await engine.dispose()
    assert diff == []


@pytest.mark.slow
def test_db_upgrade_command_creates_the_schema(tmp_path: Path, database_url: str) -> None:
    """`ecoach db upgrade` on an empty database (a fresh SQLite file; on PostgreSQL the already
    migrated copy, which must stay at head and unchanged)."""
    if database_url.startswith("sqlite"):
        database_url = f"sqlite+aiosqlite:///{tmp_path / 'fresh' / 'new.sqlite3'}"
    env = {**os.environ, "DATABASE_URL": database_url}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    done = subprocess.run([sys.executable, "-m", "bot.cli", "db", "upgrade"], env=env, capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "up to date" in done.stdout

    async def tables() -> set[str]:
        engine = create_engine(database_url)
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
        await engine.dispose()
        return names

    import asyncio

    assert asyncio.run(tables()) >= EXPECTED_TABLES
