"""Galeri PAP: finished projects published to the alumni library, with full-text search (SQLite FTS5,
PostgreSQL tsvector with the 'simple' configuration)

Revision ID: 0026
Revises: 0025
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from db.models import UTCDateTime

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

THEME = sa.Enum("gender_service", "women_forum", "digital", "other", name="gallerytheme", native_enum=False, length=16)
LEVEL = sa.Enum(
    "pelaksana", "fungsional", "pengawas", "administrator", "pimpinan_tinggi", "other", name="positionlevel", native_enum=False, length=16
)


def upgrade() -> None:
    op.create_table(
        "gallery_entries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("pap_id", sa.Integer, sa.ForeignKey("paps.id", ondelete="CASCADE"), nullable=False, unique=True),
        sa.Column("person_id", sa.Integer, sa.ForeignKey("people.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("theme", THEME, nullable=False),
        sa.Column("level", LEVEL, nullable=True),
        sa.Column("zone", sa.String(64), nullable=False),
        sa.Column("agency", sa.String(200), nullable=True),
        sa.Column("result", sa.Text, nullable=False),
        sa.Column("evidence_ids", sa.JSON, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("published_at", UTCDateTime(timezone=True), nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_gallery_search ON gallery_entries USING gin (to_tsvector('simple', body))")
    else:
        # FTS5 has no expression indexes: its table of words follows the rows by triggers, which also
        # fire when her erasure deletes them by cascade.
        op.execute("CREATE VIRTUAL TABLE gallery_search USING fts5(body, tokenize = 'unicode61 remove_diacritics 2')")
        op.execute(
            "CREATE TRIGGER gallery_search_add AFTER INSERT ON gallery_entries "
            "BEGIN INSERT INTO gallery_search (rowid, body) VALUES (new.id, new.body); END"
        )
        op.execute(
            "CREATE TRIGGER gallery_search_remove AFTER DELETE ON gallery_entries "
            "BEGIN DELETE FROM gallery_search WHERE rowid = old.id; END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_gallery_search")
    else:
        op.execute("DROP TRIGGER gallery_search_remove")
        op.execute("DROP TRIGGER gallery_search_add")
        op.execute("DROP TABLE gallery_search")
    op.drop_table("gallery_entries")
