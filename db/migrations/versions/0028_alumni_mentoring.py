"""Alumni mentoring: offers to mentor, requests for a mentor, and the pairs they make

Revision ID: 0028
Revises: 0027
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from db.models import UTCDateTime

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

STATUS = sa.Enum("asked", "active", "declined", "ended", name="pairstatus", native_enum=False, length=16)


def upgrade() -> None:
    op.create_table(
        "mentoring_offers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("person_id", sa.Integer, sa.ForeignKey("people.id", ondelete="CASCADE"), nullable=False, unique=True),
        sa.Column("topics", sa.JSON, nullable=False),
        sa.Column("capacity", sa.Integer, nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", UTCDateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "mentoring_requests",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("person_id", sa.Integer, sa.ForeignKey("people.id", ondelete="CASCADE"), nullable=False, unique=True),
        sa.Column("topics", sa.JSON, nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "mentoring_pairs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("mentor_id", sa.Integer, sa.ForeignKey("people.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("mentee_id", sa.Integer, sa.ForeignKey("people.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("topics", sa.JSON, nullable=False),
        sa.Column("cross_cohort", sa.Boolean, nullable=False),
        sa.Column("status", STATUS, nullable=False),
        sa.Column("asked_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("checkin_4w", sa.String(16), nullable=True),
        sa.Column("checkin_8w", sa.String(16), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("mentoring_pairs")
    op.drop_table("mentoring_requests")
    op.drop_table("mentoring_offers")
