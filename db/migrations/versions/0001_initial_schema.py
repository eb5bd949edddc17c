"""initial schema

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.models

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cohorts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("alumni_code", sa.String(length=64), nullable=False),
        sa.Column("coach_code", sa.String(length=64), nullable=False),
        sa.Column("training_end", sa.Date(), nullable=False),
        sa.Column("monitoring_months", sa.Integer(), nullable=False),
        sa.Column("created_at", db.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cohorts")),
        sa.UniqueConstraint("alumni_code", name=op.f("uq_cohorts_alumni_code")),
        sa.UniqueConstraint("coach_code", name=op.f("uq_cohorts_coach_code")),
    )
    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("telegram_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("consent_at", db.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", db.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", db.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
        sa.UniqueConstraint("telegram_id", name=op.f("uq_people_telegram_id")),
    )
    op.create_table(
        "cohort_chats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("purpose", sa.Enum("coach_group", "cop", name="chatpurpose", native_enum=False, length=16), nullable=False),
        sa.Column("linked_by", sa.BigInteger(), nullable=False),
        sa.Column("linked_at", db.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohorts.id"], name=op.f("fk_cohort_chats_cohort_id_cohorts"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cohort_chats")),
        sa.UniqueConstraint("chat_id", "purpose", name=op.f("uq_cohort_chats_chat_id_purpose")),
    )
    with op.batch_alter_table("cohort_chats", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cohort_chats_cohort_id"), ["cohort_id"], unique=False)

    op.create_table(
        "memberships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.Enum("alumni", "coach", name="role", native_enum=False, length=16), nullable=False),
        sa.Column("joined_at", db.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohorts.id"], name=op.f("fk_memberships_cohort_id_cohorts"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_memberships_person_id_people"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_memberships")),
        sa.UniqueConstraint("person_id", "cohort_id", "role", name=op.f("uq_memberships_person_id_cohort_id_role")),
    )
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_memberships_cohort_id"), ["cohort_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_memberships_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_memberships_person_id"))
        batch_op.drop_index(batch_op.f("ix_memberships_cohort_id"))

    op.drop_table("memberships")
    with op.batch_alter_table("cohort_chats", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cohort_chats_cohort_id"))

    op.drop_table("cohort_chats")
    op.drop_table("people")
    op.drop_table("cohorts")
