"""milestone reminders: 3 days before, on the day, and a week after an open milestone's due date

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.models

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "milestone_reminders",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("milestone_id", sa.Integer(), sa.ForeignKey("milestones.id", ondelete="CASCADE"), nullable=False),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.Enum("before", "due", "overdue", name="milestonenotice", native_enum=False, length=16), nullable=False),
        sa.Column("for_date", sa.Date(), nullable=False),
        sa.Column("due_at", db.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum("pending", "sending", "sent", "skipped", "failed", name="sendstatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_until", db.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sent_at", db.models.UTCDateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("milestone_id", "kind", "for_date"),
    )
    op.create_index("ix_milestone_reminders_person_id", "milestone_reminders", ["person_id"])
    op.create_index("ix_milestone_reminders_claim_order", "milestone_reminders", ["status", "due_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_milestone_reminders_claim_order", "milestone_reminders")
    op.drop_index("ix_milestone_reminders_person_id", "milestone_reminders")
    op.drop_table("milestone_reminders")
