"""Replications: an alumna asks to replicate a published PAP, and its author agrees to be contacted

Revision ID: 0027
Revises: 0026
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from db.models import UTCDateTime

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

STATUS = sa.Enum("asked", "agreed", "declined", name="replicationstatus", native_enum=False, length=16)


def upgrade() -> None:
    op.create_table(
        "replications",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("original_pap_id", sa.Integer, sa.ForeignKey("paps.id", ondelete="SET NULL"), nullable=True),
        sa.Column("author_id", sa.Integer, sa.ForeignKey("people.id", ondelete="SET NULL"), nullable=True, index=True),
        sa.Column("requester_id", sa.Integer, sa.ForeignKey("people.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("cross_cohort", sa.Boolean, nullable=False),
        sa.Column("status", STATUS, nullable=False),
        sa.Column("asked_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("answered_at", UTCDateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("requester_id", "original_pap_id"),
    )


def downgrade() -> None:
    op.drop_table("replications")
