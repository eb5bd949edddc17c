"""leases on scheduled sends, the webhook inbox, the notice outbox, dead letters, updates keyed by bot

- reminders, check-ins and deliveries hold a lease while being sent: a row whose lease expired
  unconfirmed (the process died) is sent again;
- a delivery remembers that its message went and only a tip's quiz is left (stage);
- processed_updates is keyed by (bot, update id) with the update's digest, so a new token or a new
  update-id sequence is not mistaken for redeliveries. The table only guards the 48 hours Telegram
  keeps updates, so it is made afresh;
- inbox: webhook updates stored before Telegram gets its 200;
- notices: coach notices and other single messages, sent from an outbox;
- dead_letters: updates that could not be read or whose handling failed.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.models

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

UTC_TIME = db.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    for table in ("reminders", "checkins", "deliveries"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("lease_until", UTC_TIME, nullable=True))
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("stage", sa.Integer(), server_default="0", nullable=False))

    with op.batch_alter_table("processed_updates") as batch:
        batch.drop_index("ix_processed_updates_processed_at")
    op.drop_table("processed_updates")
    op.create_table(
        "processed_updates",
        sa.Column("bot_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("processed_at", UTC_TIME, nullable=False),
        sa.Column("completed", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("bot_id", "update_id", name=op.f("pk_processed_updates")),
    )
    op.create_index(op.f("ix_processed_updates_processed_at"), "processed_updates", ["processed_at"])

    op.create_table(
        "inbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("bot_id", sa.BigInteger(), nullable=False),
        sa.Column("update_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_key", sa.BigInteger(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column(
            "status", sa.Enum("pending", "handling", "done", "dead", name="inboxstatus", native_enum=False, length=16), nullable=False
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_until", UTC_TIME, nullable=True),
        sa.Column("received_at", UTC_TIME, nullable=False),
        sa.Column("handled_at", UTC_TIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox")),
        sa.UniqueConstraint("bot_id", "update_id", name=op.f("uq_inbox_bot_id_update_id")),
    )
    op.create_index("ix_inbox_status_chat_key_id", "inbox", ["status", "chat_key", "id"])

    op.create_table(
        "dead_letters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bot_id", sa.BigInteger(), nullable=False),
        sa.Column("update_id", sa.BigInteger(), nullable=True),
        sa.Column("telegram_id", sa.BigInteger(), nullable=True),
        sa.Column("kind", sa.String(length=200), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dead_letters")),
    )
    op.create_index(op.f("ix_dead_letters_telegram_id"), "dead_letters", ["telegram_id"])
    op.create_index(op.f("ix_dead_letters_created_at"), "dead_letters", ["created_at"])

    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("about_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("markup", sa.JSON(), nullable=True),
        sa.Column(
            "status",
            sa.Enum("pending", "sending", "sent", "skipped", "failed", name="sendstatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("due_at", UTC_TIME, nullable=False),
        sa.Column("lease_until", UTC_TIME, nullable=True),
        sa.Column("sent_at", UTC_TIME, nullable=True),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(["about_id"], ["people.id"], name=op.f("fk_notices_about_id_people"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
    )
    op.create_index(op.f("ix_notices_about_id"), "notices", ["about_id"])
    op.create_index("ix_notices_claim_order", "notices", ["status", "due_at", "id"])


def downgrade() -> None:
    op.drop_table("notices")
    op.drop_table("dead_letters")
    op.drop_table("inbox")
    op.drop_table("processed_updates")
    op.create_table(
        "processed_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("processed_at", UTC_TIME, nullable=False),
        sa.Column("completed", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_processed_updates")),
    )
    op.create_index(op.f("ix_processed_updates_processed_at"), "processed_updates", ["processed_at"])
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("stage")
    for table in ("reminders", "checkins", "deliveries"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("lease_until")
