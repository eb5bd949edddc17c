"""coach views: nudges, progress time

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.models

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "nudges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("coach_id", sa.Integer(), nullable=True),
        sa.Column("sent_at", db.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["coach_id"], ["people.id"], name=op.f("fk_nudges_coach_id_people"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_nudges_person_id_people"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nudges")),
    )
    with op.batch_alter_table("nudges", schema=None) as batch_op:
        batch_op.create_index("ix_nudges_person_id_sent_at", ["person_id", "sent_at"], unique=False)

    with op.batch_alter_table("log_entries", schema=None) as batch_op:
        batch_op.create_index("ix_log_entries_pap_id_created_at", ["pap_id", "created_at"], unique=False)

    with op.batch_alter_table("paps", schema=None) as batch_op:
        batch_op.add_column(sa.Column("progress_changed_at", db.models.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("paps", schema=None) as batch_op:
        batch_op.drop_column("progress_changed_at")

    with op.batch_alter_table("log_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_log_entries_pap_id_created_at")

    with op.batch_alter_table("nudges", schema=None) as batch_op:
        batch_op.drop_index("ix_nudges_person_id_sent_at")

    op.drop_table("nudges")
