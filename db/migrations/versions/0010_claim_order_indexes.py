"""claim-order indexes: (status, due_at, id)

The sweeps take the next due row with ORDER BY due_at, id LIMIT 1. With (status, due_at) alone,
rows falling due at the same moment (a cohort's check-ins) had to be sorted on every claim:
20,000 due check-ins on PostgreSQL went out at 42 a second.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TABLES = ("reminders", "checkins", "deliveries")


def upgrade() -> None:
    for table in TABLES:
        op.drop_index(f"ix_{table}_status_due_at", table_name=table)
        op.create_index(f"ix_{table}_claim_order", table, ["status", "due_at", "id"])


def downgrade() -> None:
    for table in TABLES:
        op.drop_index(f"ix_{table}_claim_order", table_name=table)
        op.create_index(f"ix_{table}_status_due_at", table, ["status", "due_at"])
