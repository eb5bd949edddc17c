"""feedback rounds, coach requests, the audit log

- feedback_rounds: answers are released per closed round; one Telegram account answers a round once
  (whichever role link it opened). Existing links become one round per alumna; where one account
  answered two of her links, its first answer is kept.
- coach_requests: the coach link asks the organizers; only an approval makes a coach. Coaches
  already enrolled stay coaches.
- audit_events: grants, revocations, code rotations and group links.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.models

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

UTC_TIME = db.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "feedback_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("opened_at", UTC_TIME, nullable=False),
        sa.Column("closes_at", UTC_TIME, nullable=False),
        sa.Column("closed_at", UTC_TIME, nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_feedback_rounds_person_id_people"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_rounds")),
    )
    op.create_index(op.f("ix_feedback_rounds_person_id"), "feedback_rounds", ["person_id"])

    # One round per alumna for the links she already has, then every link and answer joins it.
    op.execute(
        "INSERT INTO feedback_rounds (person_id, opened_at, closes_at) "
        "SELECT person_id, MIN(created_at), MAX(expires_at) FROM rater_links GROUP BY person_id"
    )
    with op.batch_alter_table("rater_links") as batch:
        batch.add_column(sa.Column("round_id", sa.Integer(), nullable=True))
    op.execute("UPDATE rater_links SET round_id = (SELECT r.id FROM feedback_rounds r WHERE r.person_id = rater_links.person_id)")
    with op.batch_alter_table("rater_responses") as batch:
        batch.add_column(sa.Column("round_id", sa.Integer(), nullable=True))
    op.execute("UPDATE rater_responses SET round_id = (SELECT l.round_id FROM rater_links l WHERE l.id = rater_responses.link_id)")
    op.execute("DELETE FROM rater_responses WHERE id NOT IN (SELECT MIN(id) FROM rater_responses GROUP BY round_id, rater_telegram_id)")
    with op.batch_alter_table("rater_links") as batch:
        batch.alter_column("round_id", existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key(
            op.f("fk_rater_links_round_id_feedback_rounds"), "feedback_rounds", ["round_id"], ["id"], ondelete="CASCADE"
        )
        batch.create_index(op.f("ix_rater_links_round_id"), ["round_id"])
    with op.batch_alter_table("rater_responses") as batch:
        batch.alter_column("round_id", existing_type=sa.Integer(), nullable=False)
        batch.drop_constraint("uq_rater_responses_link_id_rater_telegram_id", type_="unique")
        batch.create_unique_constraint(op.f("uq_rater_responses_round_id_rater_telegram_id"), ["round_id", "rater_telegram_id"])
        batch.create_foreign_key(
            op.f("fk_rater_responses_round_id_feedback_rounds"), "feedback_rounds", ["round_id"], ["id"], ondelete="CASCADE"
        )
        batch.create_index(op.f("ix_rater_responses_round_id"), ["round_id"])

    op.create_table(
        "coach_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("telegram_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("status", sa.Enum("pending", "approved", "declined", name="requeststatus", native_enum=False, length=16), nullable=False),
        sa.Column("requested_at", UTC_TIME, nullable=False),
        sa.Column("decided_by", sa.BigInteger(), nullable=True),
        sa.Column("decided_at", UTC_TIME, nullable=True),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohorts.id"], name=op.f("fk_coach_requests_cohort_id_cohorts"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coach_requests")),
    )
    op.create_index(op.f("ix_coach_requests_cohort_id"), "coach_requests", ["cohort_id"])
    op.create_index(op.f("ix_coach_requests_telegram_id"), "coach_requests", ["telegram_id"])

    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTC_TIME, nullable=False),
        sa.Column("actor_telegram_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "action",
            sa.Enum(
                "coach_approved",
                "coach_declined",
                "coach_revoked",
                "codes_rotated",
                "group_linked",
                name="auditaction",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("cohort_id", sa.Integer(), nullable=True),
        sa.Column("subject_telegram_id", sa.BigInteger(), nullable=True),
        sa.Column("detail", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohorts.id"], name=op.f("fk_audit_events_cohort_id_cohorts"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index(op.f("ix_audit_events_at"), "audit_events", ["at"])


def downgrade() -> None:
    op.drop_table("audit_events")
    op.drop_table("coach_requests")
    with op.batch_alter_table("rater_responses") as batch:
        batch.drop_index(op.f("ix_rater_responses_round_id"))
        batch.drop_constraint(op.f("fk_rater_responses_round_id_feedback_rounds"), type_="foreignkey")
        batch.drop_constraint(op.f("uq_rater_responses_round_id_rater_telegram_id"), type_="unique")
        batch.create_unique_constraint("uq_rater_responses_link_id_rater_telegram_id", ["link_id", "rater_telegram_id"])
        batch.drop_column("round_id")
    with op.batch_alter_table("rater_links") as batch:
        batch.drop_index(op.f("ix_rater_links_round_id"))
        batch.drop_constraint(op.f("fk_rater_links_round_id_feedback_rounds"), type_="foreignkey")
        batch.drop_column("round_id")
    op.drop_table("feedback_rounds")
