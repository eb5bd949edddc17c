"""The stack's floor: the echo bot (bench/echo_bot.py) plus the least database work an ecoach update
can do: record the update, so a redelivered one is not applied twice, read FLOOR_READS rows by
primary key, and commit. No templates, no ORM objects, no rules.

Started by bench/stack_floor.py with TELEGRAM_BOT_TOKEN, TELEGRAM_API_URL, FLOOR_URL (a SQLAlchemy
URL), FLOOR_READS and FLOOR_DRIVER: `sqlalchemy` goes through SQLAlchemy's async layer with ecoach's
own engine (db/engine.py: the same pragmas and pool), `raw` through the bare driver (aiosqlite or
asyncpg). On PostgreSQL, 8 updates run at once, as ecoach runs them there; on SQLite one at a time.
"""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import Integer, String, insert, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from db.engine import create_engine, is_sqlite, session_factory

ROWS = 1_000
CONCURRENT_ON_POSTGRES = 8


class Base(DeclarativeBase):
    pass


class Row(Base):
    __tablename__ = "floor_rows"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[str] = mapped_column(String(50))


class Seen(Base):
    __tablename__ = "floor_seen"
    update_id: Mapped[int] = mapped_column(Integer, primary_key=True)


URL = os.environ["FLOOR_URL"]
READS = int(os.environ["FLOOR_READS"])
RAW = os.environ["FLOOR_DRIVER"] == "raw"
SQLITE = is_sqlite(URL)
engine = create_engine(URL)
open_session = session_factory(engine)
raw_db: Any = None  # an aiosqlite connection or an asyncpg pool, opened at start


async def through_sqlalchemy(update_id: int, user_id: int) -> None:
    async with open_session() as session:
        await session.execute(insert(Seen).values(update_id=update_id))
        for n in range(READS):
            await session.execute(select(Row.value).where(Row.id == (user_id + n) % ROWS))
        await session.commit()


async def through_aiosqlite(update_id: int, user_id: int) -> None:
    await raw_db.execute("INSERT INTO floor_seen (update_id) VALUES (?)", (update_id,))
    for n in range(READS):
        async with raw_db.execute("SELECT value FROM floor_rows WHERE id = ?", ((user_id + n) % ROWS,)) as cursor:
            await cursor.fetchall()
    await raw_db.commit()


async def through_asyncpg(update_id: int, user_id: int) -> None:
    async with raw_db.acquire() as connection, connection.transaction():
        await connection.execute("INSERT INTO floor_seen (update_id) VALUES ($1)", update_id)
        for n in range(READS):
            await connection.fetch("SELECT value FROM floor_rows WHERE id = $1", (user_id + n) % ROWS)


record = through_sqlalchemy if not RAW else through_aiosqlite if SQLITE else through_asyncpg


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_user is not None
    await record(update.update_id, update.effective_user.id)
    if update.callback_query:
        await update.callback_query.answer()
        await update.callback_query.message.reply_text(update.callback_query.data or "-")
    elif update.message:
        await update.message.reply_text(update.message.text or "photo")


async def start(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    global raw_db
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.drop_all)
        await connection.run_sync(Base.metadata.create_all)
        await connection.execute(insert(Row), [{"id": n, "value": f"row {n}"} for n in range(ROWS)])
    if RAW and SQLITE:
        import aiosqlite

        raw_db = await aiosqlite.connect(engine.url.database or "")
        await raw_db.execute("PRAGMA journal_mode=WAL")
        await raw_db.execute("PRAGMA busy_timeout=30000")
    elif RAW:
        import asyncpg

        plain = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        raw_db = await asyncpg.create_pool(plain, min_size=1, max_size=CONCURRENT_ON_POSTGRES)


def main() -> None:
    api = os.environ["TELEGRAM_API_URL"]
    application = (
        ApplicationBuilder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .concurrent_updates(1 if SQLITE else CONCURRENT_ON_POSTGRES)
        .post_init(start)
        .build()
    )
    application.add_handler(MessageHandler(filters.ALL, echo))
    application.add_handler(CallbackQueryHandler(echo))
    application.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
