"""reflections and reminders

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.models

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reflections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("week_year", sa.Integer(), nullable=False),
        sa.Column("week", sa.Integer(), nullable=False),
        sa.Column("went_well", sa.Text(), nullable=True),
        sa.Column("challenge", sa.Text(), nullable=True),
        sa.Column("learned", sa.Text(), nullable=True),
        sa.Column(
            "domain",
            sa.Enum(
                "soft_skills",
                "hard_skills",
                "empowerment",
                "inclusive",
                "ethics_reform",
                name="competencydomain",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("confidence", sa.Integer(), nullable=False),
        sa.Column("next_step", sa.Text(), nullable=True),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("created_at", db.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", db.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_reflections_person_id_people"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reflections")),
        sa.UniqueConstraint("person_id", "week_year", "week", name=op.f("uq_reflections_person_id_week_year_week")),
    )
    with op.batch_alter_table("reflections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reflections_person_id"), ["person_id"], unique=False)

    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum("reflection", "reflection_followup", name="reminderkind", native_enum=False, length=24), nullable=False),
        sa.Column("week_year", sa.Integer(), nullable=False),
        sa.Column("week", sa.Integer(), nullable=False),
        sa.Column("due_at", db.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum("pending", "sending", "sent", "skipped", "failed", name="sendstatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sent_at", db.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_reminders_person_id_people"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders")),
        sa.UniqueConstraint("person_id", "kind", "week_year", "week", name=op.f("uq_reminders_person_id_kind_week_year_week")),
    )
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reminders_person_id"), ["person_id"], unique=False)
        batch_op.create_index("ix_reminders_status_due_at", ["status", "due_at"], unique=False)

    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reminders_on", sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column("reminders_paused_until", db.models.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("reminders_paused_until")
        batch_op.drop_column("reminders_on")

    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_index("ix_reminders_status_due_at")
        batch_op.drop_index(batch_op.f("ix_reminders_person_id"))

    op.drop_table("reminders")
    with op.batch_alter_table("reflections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reflections_person_id"))

    op.drop_table("reflections")
