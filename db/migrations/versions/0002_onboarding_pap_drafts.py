"""onboarding, PAP, drafts

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.models

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("telegram_id", sa.BigInteger(), nullable=False),
        sa.Column("flow", sa.String(length=32), nullable=False),
        sa.Column("step", sa.String(length=32), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=True),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("updated_at", db.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drafts")),
        sa.UniqueConstraint("telegram_id", "flow", name=op.f("uq_drafts_telegram_id_flow")),
    )
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_drafts_telegram_id"), ["telegram_id"], unique=False)

    op.create_table(
        "processed_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("processed_at", db.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_processed_updates")),
    )
    with op.batch_alter_table("processed_updates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_processed_updates_processed_at"), ["processed_at"], unique=False)

    op.create_table(
        "consent_refusals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("telegram_id", sa.BigInteger(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("refused_at", db.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohorts.id"], name=op.f("fk_consent_refusals_cohort_id_cohorts"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_refusals")),
    )
    with op.batch_alter_table("consent_refusals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consent_refusals_telegram_id"), ["telegram_id"], unique=False)

    op.create_table(
        "paps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("goal", sa.Text(), nullable=False),
        sa.Column("indicator", sa.Text(), nullable=False),
        sa.Column("baseline", sa.Text(), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("resources", sa.Text(), nullable=False),
        sa.Column("relevance", sa.Text(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("created_at", db.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", db.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohorts.id"], name=op.f("fk_paps_cohort_id_cohorts"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_paps_person_id_people"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paps")),
        sa.UniqueConstraint("person_id", "cohort_id", name=op.f("uq_paps_person_id_cohort_id")),
    )
    with op.batch_alter_table("paps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_paps_cohort_id"), ["cohort_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_paps_person_id"), ["person_id"], unique=False)

    op.create_table(
        "milestones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pap_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column(
            "status", sa.Enum("planned", "in_progress", "done", name="milestonestatus", native_enum=False, length=16), nullable=False
        ),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("done_at", db.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["pap_id"], ["paps.id"], name=op.f("fk_milestones_pap_id_paps"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestones")),
    )
    with op.batch_alter_table("milestones", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_milestones_pap_id"), ["pap_id"], unique=False)

    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("agency", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("work_unit", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column(
                "position_level",
                sa.Enum(
                    "pelaksana",
                    "fungsional",
                    "pengawas",
                    "administrator",
                    "pimpinan_tinggi",
                    "other",
                    name="positionlevel",
                    native_enum=False,
                    length=16,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("reflection_weekday", sa.Integer(), server_default="4", nullable=False))
        batch_op.add_column(sa.Column("reflection_time", sa.Time(), server_default="15:00:00", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("reflection_time")
        batch_op.drop_column("reflection_weekday")
        batch_op.drop_column("position_level")
        batch_op.drop_column("work_unit")
        batch_op.drop_column("agency")

    with op.batch_alter_table("milestones", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_milestones_pap_id"))

    op.drop_table("milestones")
    with op.batch_alter_table("paps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_paps_person_id"))
        batch_op.drop_index(batch_op.f("ix_paps_cohort_id"))

    op.drop_table("paps")
    with op.batch_alter_table("consent_refusals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_refusals_telegram_id"))

    op.drop_table("consent_refusals")
    with op.batch_alter_table("processed_updates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_processed_updates_processed_at"))

    op.drop_table("processed_updates")
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_drafts_telegram_id"))

    op.drop_table("drafts")
