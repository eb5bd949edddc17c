"""a coach of several cohorts chooses the one her private chat shows

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("coaching_cohort_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_people_coaching_cohort_id_cohorts"), "cohorts", ["coaching_cohort_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.drop_constraint(op.f("fk_people_coaching_cohort_id_cohorts"), type_="foreignkey")
        batch.drop_column("coaching_cohort_id")
