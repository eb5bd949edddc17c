"""The community group as a forum: whether it has topics, and the topics the bot opened there

Revision ID: 0024
Revises: 0023
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from db.models import UTCDateTime

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

TOPIC = sa.Enum("announcements", "jobs", "agenda", "tips", "gallery", "questions", name="forumtopic", native_enum=False, length=24)


def upgrade() -> None:
    with op.batch_alter_table("cop_chats") as batch:
        batch.add_column(sa.Column("is_forum", sa.Boolean, nullable=False, server_default=sa.false()))
    op.create_table(
        "cop_topics",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("chat_id", sa.BigInteger, nullable=False),
        sa.Column("topic", TOPIC, nullable=False),
        sa.Column("thread_id", sa.BigInteger, nullable=True),
        sa.Column("lease_until", UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("chat_id", "topic"),
    )


def downgrade() -> None:
    op.drop_table("cop_topics")
    with op.batch_alter_table("cop_chats") as batch:
        batch.drop_column("is_forum")
