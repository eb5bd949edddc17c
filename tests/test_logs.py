"""No personal data in the log: each known error path is caused with marker strings in her answers,
then the real process's log is searched for them."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from db.engine import create_engine, is_sqlite
from db.models import Cohort
from devtools.double import BotApiDouble
from devtools.process import BotProcess
from tests.support.live import say, tap, wait_until

pytestmark = pytest.mark.slow

MARKERS = ("ZQX-name-7731", "ZQX-api-4410", "ZQX-outage-9902", "ZQX-reply-5120")


def execute(database_url: str, *statements: str) -> None:
    async def run() -> None:
        engine = create_engine(database_url)
        async with engine.begin() as connection:
            for statement in statements:
                await connection.execute(text(statement))
        await engine.dispose()

    asyncio.run(run())


def refuse_rows_with_the_marker(database_url: str) -> None:
    """A database that fails on her answer, quoting the row in its message as PostgreSQL does for
    constraint errors."""
    if is_sqlite(database_url):
        execute(
            database_url,
            "CREATE TRIGGER refuse_marker BEFORE UPDATE ON drafts WHEN NEW.data LIKE '%ZQX-name%' "
            "BEGIN SELECT RAISE(ABORT, 'refused'); END",
        )
        return
    execute(
        database_url,
        """CREATE FUNCTION refuse_marker() RETURNS trigger AS $$ BEGIN
             IF NEW.data::text LIKE '%ZQX-name%' THEN RAISE EXCEPTION 'refused row: %', NEW.data::text; END IF;
             RETURN NEW; END $$ LANGUAGE plpgsql""",
        "CREATE TRIGGER refuse_marker BEFORE UPDATE ON drafts FOR EACH ROW EXECUTE FUNCTION refuse_marker()",
    )


def database_outage(database_url: str, down: bool) -> None:
    """PostgreSQL refuses every connection to this database (and drops the open ones), or takes them again."""
    name = database_url.rsplit("/", 1)[1]
    admin = database_url.rsplit("/", 1)[0] + "/postgres"
    statements = [f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {"false" if down else "true"}']
    if down:
        statements.append(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()")

    async def run() -> None:
        engine = create_engine(admin).execution_options(isolation_level="AUTOCOMMIT")
        async with engine.connect() as connection:
            for statement in statements:
                await connection.execute(text(statement))
        await engine.dispose()

    asyncio.run(run())


def test_no_marker_reaches_the_log(live_bot: BotProcess, double: BotApiDouble, cohort: Cohort, database_url: str) -> None:
    sari = double.user(5301, "Sari")
    say(sari, f"/start {cohort.alumni_code}")
    assert "nama lengkap" in tap(sari, "Saya setuju").text

    refuse_rows_with_the_marker(database_url)  # a database error on her answer
    apology = say(sari, f"Ibu {MARKERS[0]}").text
    assert "Mohon maaf" in apology or "sibuk" in apology

    # A Bot API 400 whose description quotes her text, and a handler exception with it.
    double.fail_next("sendMessage", 400, f"Bad Request: can't parse entities: {MARKERS[1]}", chat_id=sari.id)
    sari.send(f"Ibu {MARKERS[3]}")
    wait_until(lambda: "failed" in live_bot.log() and "BadRequest" in live_bot.log())
    assert "Mohon maaf" in sari.next_message().text

    if not is_sqlite(database_url):  # the database goes away while she answers
        database_outage(database_url, down=True)
        try:
            assert "sibuk" in say(sari, f"Ibu {MARKERS[2]}").text
        finally:
            database_outage(database_url, down=False)

    log = live_bot.log()
    for marker in MARKERS:  # PTB rewrites the case of a Bot API description
        assert marker.lower() not in log.lower(), f"{marker} is in the log"
    assert "message withheld" in log  # the errors were logged, by type and frames
