"""Forum participation counted with her consent: the days she posted or replied, never what she wrote

Revision ID: 0025
Revises: 0024
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from db.models import UTCDateTime

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("forum_counted_since", UTCDateTime(timezone=True), nullable=True))
    op.create_table(
        "forum_days",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("person_id", sa.Integer, sa.ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("posts", sa.Integer, nullable=False),
        sa.Column("replies", sa.Integer, nullable=False),
        sa.UniqueConstraint("person_id", "day"),
    )


def downgrade() -> None:
    op.drop_table("forum_days")
    with op.batch_alter_table("people") as batch:
        batch.drop_column("forum_counted_since")
