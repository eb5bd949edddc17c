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


def _modelled(obj: object, name: str | None, kind: str, reflected: bool, compare_to: object) -> bool:
    """The gallery's full-text index is made by its migration alone: an FTS5 table (and its shadow
    tables) on SQLite, an expression index on PostgreSQL; neither can be a model."""
    return not (name or "").startswith(("gallery_search", "ix_gallery_search"))


async def test_models_and_migrations_do_not_differ(database_url: str) -> None:
    engine = create_engine(database_url)
    async with engine.connect() as connection:
        diff = await connection.run_sync(
            lambda sync: compare_metadata(
                MigrationContext.configure(sync, opts={"compare_type": True, "include_object": _modelled}), Base.metadata
            )
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


def test_existing_rater_answers_become_one_round_with_one_answer_per_account(database_url: str) -> None:
    """Upgrading past 0013 keeps her links and answers: one round, and an account that answered two of
    her links keeps its first answer only."""
    import asyncio

    from sqlalchemy import text

    from db.migrate import downgrade, upgrade

    downgrade(database_url, "0012")

    async def seed_and_read(statements: list[str], query: str) -> list[tuple[object, ...]]:
        engine = create_engine(database_url)
        async with engine.begin() as connection:
            for statement in statements:
                await connection.execute(text(statement))
            rows = [tuple(row) for row in (await connection.execute(text(query))).all()] if query else []
        await engine.dispose()
        return rows

    now, later = "2026-03-01 00:00:00+00:00", "2026-03-31 00:00:00+00:00"
    people = (
        "INSERT INTO people (id, telegram_id, name, locale, timezone, active, reflection_weekday, reflection_time, reminders_on,"
        " tips_on, created_at, updated_at)"
        f" VALUES (1, 501, 'Sari', 'id', 'Asia/Jakarta', true, 4, '15:00:00', true, true, '{now}', '{now}')"
    )
    links = (
        "INSERT INTO rater_links (id, person_id, role, code, created_at, expires_at)"
        f" VALUES (1, 1, 'peer', 'r_a', '{now}', '{later}'), (2, 1, 'unit', 'r_b', '{now}', '{later}')"
    )
    answers = (  # account 900 answered both of her links
        "INSERT INTO rater_responses (id, link_id, rater_telegram_id, communication, collaboration, initiative, service_effect,"
        f" overall, created_at) VALUES (1, 1, 900, 5, 5, 5, 5, 5, '{now}'), (2, 2, 900, 1, 1, 1, 1, 1, '{now}'),"
        f" (3, 2, 901, 3, 3, 3, 3, 3, '{now}')"
    )
    asyncio.run(seed_and_read([people, links, answers], ""))
    upgrade(database_url)
    rounds = asyncio.run(seed_and_read([], "SELECT id, person_id FROM feedback_rounds"))
    answered = asyncio.run(seed_and_read([], "SELECT id, round_id, rater_telegram_id FROM rater_responses ORDER BY id"))
    kept = asyncio.run(seed_and_read([], "SELECT round_id FROM rater_links"))
    assert len(rounds) == 1 and rounds[0][1] == 1
    assert answered == [(1, rounds[0][0], 900), (3, rounds[0][0], 901)]
    assert kept == [(rounds[0][0],), (rounds[0][0],)]
