"""a PAP's last activity: any logbook entry, check-in answer or reflection

Kept on the PAP so that every view reads one fact. Filled from what is already stored.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.models

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("paps") as batch:
        batch.add_column(sa.Column("last_activity_at", db.models.UTCDateTime(timezone=True), nullable=True))
    op.execute(
        """
        UPDATE paps SET last_activity_at = (
            SELECT MAX(moment) FROM (
                SELECT MAX(e.created_at) AS moment FROM log_entries e WHERE e.pap_id = paps.id
                UNION ALL SELECT MAX(c.answered_at) FROM checkins c WHERE c.person_id = paps.person_id AND c.cohort_id = paps.cohort_id
                UNION ALL SELECT MAX(r.updated_at) FROM reflections r WHERE r.person_id = paps.person_id
            ) AS moments
        )
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("paps") as batch:
        batch.drop_column("last_activity_at")
