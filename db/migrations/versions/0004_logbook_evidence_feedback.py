"""logbook, evidence, feedback

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.models

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "log_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("pap_id", sa.Integer(), nullable=False),
        sa.Column("milestone_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=True),
        sa.Column("obstacles", sa.Text(), nullable=True),
        sa.Column("support", sa.Text(), nullable=True),
        sa.Column("created_at", db.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", db.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("verified_at", db.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("verified_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["milestone_id"], ["milestones.id"], name=op.f("fk_log_entries_milestone_id_milestones"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["pap_id"], ["paps.id"], name=op.f("fk_log_entries_pap_id_paps"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_log_entries_person_id_people"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["verified_by"], ["people.id"], name=op.f("fk_log_entries_verified_by_people"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_log_entries")),
    )
    with op.batch_alter_table("log_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_log_entries_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_log_entries_milestone_id"), ["milestone_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_log_entries_pap_id"), ["pap_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_log_entries_person_id"), ["person_id"], unique=False)
        batch_op.create_index("ix_log_entries_person_id_created_at", ["person_id", "created_at"], unique=False)

    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum("photo", "document", "link", name="evidencekind", native_enum=False, length=16), nullable=False),
        sa.Column("file_id", sa.String(length=255), nullable=True),
        sa.Column("file_unique_id", sa.String(length=64), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("mime_type", sa.String(length=128), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("local_path", sa.String(length=500), nullable=True),
        sa.Column("created_at", db.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["entry_id"], ["log_entries.id"], name=op.f("fk_evidence_entry_id_log_entries"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence")),
        sa.UniqueConstraint("entry_id", "file_unique_id", name=op.f("uq_evidence_entry_id_file_unique_id")),
    )
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidence_entry_id"), ["entry_id"], unique=False)

    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("coach_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", db.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["coach_id"], ["people.id"], name=op.f("fk_feedback_coach_id_people"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["entry_id"], ["log_entries.id"], name=op.f("fk_feedback_entry_id_log_entries"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
    )
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_entry_id"), ["entry_id"], unique=False)

    with op.batch_alter_table("cohorts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("group_entry_notices", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("cohorts", schema=None) as batch_op:
        batch_op.drop_column("group_entry_notices")

    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_entry_id"))

    op.drop_table("feedback")
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_entry_id"))

    op.drop_table("evidence")
    with op.batch_alter_table("log_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_log_entries_person_id_created_at")
        batch_op.drop_index(batch_op.f("ix_log_entries_person_id"))
        batch_op.drop_index(batch_op.f("ix_log_entries_pap_id"))
        batch_op.drop_index(batch_op.f("ix_log_entries_milestone_id"))
        batch_op.drop_index(batch_op.f("ix_log_entries_created_at"))

    op.drop_table("log_entries")
