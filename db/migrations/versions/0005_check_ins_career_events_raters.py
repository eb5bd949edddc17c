"""check-ins, career events, raters

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.models

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "checkins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum("regular", "final", "outcome", name="checkinkind", native_enum=False, length=16), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("with_feedback", sa.Boolean(), nullable=False),
        sa.Column("due_at", db.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "planned",
                "sending",
                "sent",
                "reminded",
                "missed",
                "answered",
                "skipped",
                name="checkinstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("sent_at", db.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", db.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("answered_at", db.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column(
            "pap_status",
            sa.Enum("on_track", "delayed", "stuck", "completed", "abandoned", name="papstatus", native_enum=False, length=16),
            nullable=True,
        ),
        sa.Column("implementation", sa.Integer(), nullable=True),
        sa.Column(
            "obstacle",
            sa.Enum(
                "time", "budget", "supervisor", "team", "skills", "other", "none", name="obstaclecategory", native_enum=False, length=16
            ),
            nullable=True,
        ),
        sa.Column("obstacle_text", sa.Text(), nullable=True),
        sa.Column("wants_coaching", sa.Boolean(), nullable=True),
        sa.Column("forums", sa.JSON(), nullable=True),
        sa.Column("satisfaction", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohorts.id"], name=op.f("fk_checkins_cohort_id_cohorts"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_checkins_person_id_people"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkins")),
        sa.UniqueConstraint("person_id", "cohort_id", "sequence", name=op.f("uq_checkins_person_id_cohort_id_sequence")),
    )
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checkins_cohort_id"), ["cohort_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_checkins_person_id"), ["person_id"], unique=False)
        batch_op.create_index("ix_checkins_status_due_at", ["status", "due_at"], unique=False)

    op.create_table(
        "rater_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.Enum("supervisor", "peer", "unit", name="raterrole", native_enum=False, length=16), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("created_at", db.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", db.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_rater_links_person_id_people"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rater_links")),
        sa.UniqueConstraint("code", name=op.f("uq_rater_links_code")),
    )
    with op.batch_alter_table("rater_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rater_links_person_id"), ["person_id"], unique=False)

    op.create_table(
        "career_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("checkin_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind", sa.Enum("promoted", "assignment", "talent_pool", name="careereventkind", native_enum=False, length=16), nullable=False
        ),
        sa.Column("event_date", sa.Date(), nullable=False),
        sa.Column("created_at", db.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["checkin_id"], ["checkins.id"], name=op.f("fk_career_events_checkin_id_checkins"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_career_events_person_id_people"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_career_events")),
    )
    with op.batch_alter_table("career_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_career_events_person_id"), ["person_id"], unique=False)

    op.create_table(
        "rater_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("rater_telegram_id", sa.BigInteger(), nullable=False),
        sa.Column("communication", sa.Integer(), nullable=False),
        sa.Column("collaboration", sa.Integer(), nullable=False),
        sa.Column("initiative", sa.Integer(), nullable=False),
        sa.Column("service_effect", sa.Integer(), nullable=False),
        sa.Column("overall", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_at", db.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["link_id"], ["rater_links.id"], name=op.f("fk_rater_responses_link_id_rater_links"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rater_responses")),
        sa.UniqueConstraint("link_id", "rater_telegram_id", name=op.f("uq_rater_responses_link_id_rater_telegram_id")),
    )
    with op.batch_alter_table("rater_responses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rater_responses_link_id"), ["link_id"], unique=False)

    with op.batch_alter_table("cohorts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("checkin_interval_weeks", sa.Integer(), server_default="4", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("cohorts", schema=None) as batch_op:
        batch_op.drop_column("checkin_interval_weeks")

    with op.batch_alter_table("rater_responses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rater_responses_link_id"))

    op.drop_table("rater_responses")
    with op.batch_alter_table("career_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_career_events_person_id"))

    op.drop_table("career_events")
    with op.batch_alter_table("rater_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rater_links_person_id"))

    op.drop_table("rater_links")
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.drop_index("ix_checkins_status_due_at")
        batch_op.drop_index(batch_op.f("ix_checkins_person_id"))
        batch_op.drop_index(batch_op.f("ix_checkins_cohort_id"))

    op.drop_table("checkins")
