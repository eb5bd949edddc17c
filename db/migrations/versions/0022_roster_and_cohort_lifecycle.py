"""Imported class lists with personal single-use invite codes; cohorts closed to joins or archived

Revision ID: 0022
Revises: 0021
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from db.models import UTCDateTime

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cohorts") as batch:
        batch.add_column(sa.Column("closed_at", UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("archived_at", UTCDateTime(timezone=True), nullable=True))
    op.create_table(
        "roster_entries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("cohort_id", sa.Integer, sa.ForeignKey("cohorts.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("nip", sa.String(18), nullable=True),
        sa.Column("agency", sa.String(200), nullable=True),
        sa.Column("work_unit", sa.String(200), nullable=True),
        sa.Column("email", sa.String(200), nullable=True),
        sa.Column("phone", sa.String(40), nullable=True),
        sa.Column("code", sa.String(64), nullable=False, unique=True),
        sa.Column("telegram_id", sa.BigInteger, nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", UTCDateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("cohort_id", "nip"),
    )


def downgrade() -> None:
    op.drop_table("roster_entries")
    with op.batch_alter_table("cohorts") as batch:
        batch.drop_column("archived_at")
        batch.drop_column("closed_at")
