"""community of practice: broadcasts, tips, events, quizzes

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.models

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cop_chats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=True),
        sa.Column("linked_by", sa.BigInteger(), nullable=False),
        sa.Column("linked_at", db.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cop_chats")),
        sa.UniqueConstraint("chat_id", name=op.f("uq_cop_chats_chat_id")),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("starts_at", db.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("place", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", db.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohorts.id"], name=op.f("fk_events_cohort_id_cohorts"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by"], ["people.id"], name=op.f("fk_events_created_by_people"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_events_cohort_id"), ["cohort_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_events_starts_at"), ["starts_at"], unique=False)

    op.create_table(
        "quiz_polls",
        sa.Column("poll_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("tip_slug", sa.String(length=100), nullable=False),
        sa.Column("correct_option", sa.Integer(), nullable=False),
        sa.Column("sent_at", db.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_quiz_polls_person_id_people"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("poll_id", name=op.f("pk_quiz_polls")),
    )
    with op.batch_alter_table("quiz_polls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quiz_polls_person_id"), ["person_id"], unique=False)

    op.create_table(
        "broadcasts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("tip", "event", "job", "talent_pool", "general", "event_reminder", name="broadcastkind", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("cohort_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("tip_slug", sa.String(length=100), nullable=True),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", db.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohorts.id"], name=op.f("fk_broadcasts_cohort_id_cohorts"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by"], ["people.id"], name=op.f("fk_broadcasts_created_by_people"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name=op.f("fk_broadcasts_event_id_events"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcasts")),
    )
    op.create_table(
        "quiz_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("option", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("answered_at", db.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_quiz_answers_person_id_people"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["poll_id"], ["quiz_polls.poll_id"], name=op.f("fk_quiz_answers_poll_id_quiz_polls"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_answers")),
        sa.UniqueConstraint("poll_id", "person_id", name=op.f("uq_quiz_answers_poll_id_person_id")),
    )
    with op.batch_alter_table("quiz_answers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quiz_answers_person_id"), ["person_id"], unique=False)

    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("broadcast_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("pending", "sending", "sent", "failed", "blocked", name="deliverystatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("due_at", db.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", db.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["broadcast_id"], ["broadcasts.id"], name=op.f("fk_deliveries_broadcast_id_broadcasts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_deliveries_person_id_people"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
        sa.UniqueConstraint("broadcast_id", "chat_id", name=op.f("uq_deliveries_broadcast_id_chat_id")),
    )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deliveries_broadcast_id"), ["broadcast_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_deliveries_person_id"), ["person_id"], unique=False)
        batch_op.create_index("ix_deliveries_status_due_at", ["status", "due_at"], unique=False)

    op.create_table(
        "tip_weeks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("week_year", sa.Integer(), nullable=False),
        sa.Column("week", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=100), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("broadcast_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["broadcast_id"], ["broadcasts.id"], name=op.f("fk_tip_weeks_broadcast_id_broadcasts"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tip_weeks")),
        sa.UniqueConstraint("week_year", "week", name=op.f("uq_tip_weeks_week_year_week")),
    )
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tips_on", sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("tips_on")

    op.drop_table("tip_weeks")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_deliveries_status_due_at")
        batch_op.drop_index(batch_op.f("ix_deliveries_person_id"))
        batch_op.drop_index(batch_op.f("ix_deliveries_broadcast_id"))

    op.drop_table("deliveries")
    with op.batch_alter_table("quiz_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quiz_answers_person_id"))

    op.drop_table("quiz_answers")
    op.drop_table("broadcasts")
    with op.batch_alter_table("quiz_polls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quiz_polls_person_id"))

    op.drop_table("quiz_polls")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_starts_at"))
        batch_op.drop_index(batch_op.f("ix_events_cohort_id"))

    op.drop_table("events")
    op.drop_table("cop_chats")
