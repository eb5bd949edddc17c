"""Replications begun as a PAP: the replicating alumna's PAP, pre-filled from the original, linked to it

Revision ID: 0029
Revises: 0028
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from db.models import UTCDateTime

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("replications") as batch:
        batch.add_column(sa.Column("pap_id", sa.Integer, nullable=True))
        batch.add_column(sa.Column("started_at", UTCDateTime(timezone=True), nullable=True))
        batch.create_foreign_key("fk_replications_pap_id_paps", "paps", ["pap_id"], ["id"], ondelete="SET NULL")
        batch.create_unique_constraint("uq_replications_pap_id", ["pap_id"])


def downgrade() -> None:
    with op.batch_alter_table("replications") as batch:
        batch.drop_constraint("uq_replications_pap_id", type_="unique")
        batch.drop_constraint("fk_replications_pap_id_paps", type_="foreignkey")
        batch.drop_column("started_at")
        batch.drop_column("pap_id")
