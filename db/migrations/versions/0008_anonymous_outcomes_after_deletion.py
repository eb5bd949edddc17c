"""anonymous outcomes after deletion

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "anonymous_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("promoted_or_assigned", sa.Boolean(), nullable=False),
        sa.Column("pap_implemented", sa.Boolean(), nullable=False),
        sa.Column("checkins_due", sa.Integer(), nullable=False),
        sa.Column("checkins_answered", sa.Integer(), nullable=False),
        sa.Column("forum_participant", sa.Boolean(), nullable=False),
        sa.Column("recorded_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohorts.id"], name=op.f("fk_anonymous_outcomes_cohort_id_cohorts"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_anonymous_outcomes")),
    )
    with op.batch_alter_table("anonymous_outcomes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_anonymous_outcomes_cohort_id"), ["cohort_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("anonymous_outcomes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_anonymous_outcomes_cohort_id"))

    op.drop_table("anonymous_outcomes")
