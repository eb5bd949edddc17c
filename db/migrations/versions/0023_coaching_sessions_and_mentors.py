"""1-on-1 coaching sessions (slots, bookings, GROW notes, agreed actions) and the supervisor as mentor;
notices that carry a file, can be withdrawn by topic and expire

Revision ID: 0023
Revises: 0022
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from db.models import UTCDateTime

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

BOOKING_END = sa.Enum("cancelled", "alumna_absent", "coach_absent", name="bookingend", native_enum=False, length=16)


def _at(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "coaching_slots",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("coach_id", sa.Integer, sa.ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
        _at("starts_at"),
        sa.Column("minutes", sa.Integer, nullable=False),
        sa.Column("link", sa.Text, nullable=True),
        sa.Column("place", sa.String(200), nullable=True),
        _at("created_at"),
        _at("cancelled_at", nullable=True),
    )
    op.create_index("ix_coaching_slots_coach_start", "coaching_slots", ["coach_id", "starts_at"])
    op.create_table(
        "bookings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("slot_id", sa.Integer, sa.ForeignKey("coaching_slots.id", ondelete="CASCADE"), nullable=False),
        sa.Column("person_id", sa.Integer, sa.ForeignKey("people.id", ondelete="CASCADE"), nullable=False, index=True),
        _at("booked_at"),
        sa.Column("ended", BOOKING_END, nullable=True),
        _at("ended_at", nullable=True),
        sa.Column("ended_by", sa.Integer, sa.ForeignKey("people.id", ondelete="SET NULL"), nullable=True),
        sa.Column("goal", sa.Text, nullable=True),
        sa.Column("reality", sa.Text, nullable=True),
        sa.Column("options", sa.Text, nullable=True),
        _at("noted_at", nullable=True),
    )
    live = sa.text("ended IS NULL")
    op.create_index("uq_bookings_live_slot", "bookings", ["slot_id"], unique=True, sqlite_where=live, postgresql_where=live)
    op.create_table(
        "agreed_actions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("booking_id", sa.Integer, sa.ForeignKey("bookings.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("person_id", sa.Integer, sa.ForeignKey("people.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("due_date", sa.Date, nullable=False),
        sa.Column("first_due_date", sa.Date, nullable=False),
        _at("done_at", nullable=True),
        _at("created_at"),
    )
    op.create_table(
        "mentor_links",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("person_id", sa.Integer, sa.ForeignKey("people.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("code", sa.String(64), nullable=False, unique=True),
        sa.Column("mentor_telegram_id", sa.BigInteger, nullable=True, index=True),
        sa.Column("mentor_name", sa.String(200), nullable=True),
        sa.Column("locale", sa.String(8), nullable=True),
        _at("created_at"),
        _at("consented_at", nullable=True),
        _at("ended_at", nullable=True),
        _at("next_dialogue_at", nullable=True),
    )
    op.create_table(
        "mentor_dialogues",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("link_id", sa.Integer, sa.ForeignKey("mentor_links.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("person_id", sa.Integer, sa.ForeignKey("people.id", ondelete="CASCADE"), nullable=False, index=True),
        _at("asked_at"),
        _at("answered_at", nullable=True),
        sa.Column("obstacle", sa.Text, nullable=True),
        sa.Column("opportunity", sa.Boolean, nullable=True),
        sa.Column("opportunity_text", sa.Text, nullable=True),
    )
    with op.batch_alter_table("career_events") as batch:
        batch.add_column(sa.Column("dialogue_id", sa.Integer, nullable=True))
        batch.create_foreign_key(
            "fk_career_events_dialogue_id_mentor_dialogues", "mentor_dialogues", ["dialogue_id"], ["id"], ondelete="SET NULL"
        )
    with op.batch_alter_table("notices") as batch:
        batch.add_column(sa.Column("attachment_name", sa.String(100), nullable=True))
        batch.add_column(sa.Column("attachment", sa.Text, nullable=True))
        batch.add_column(sa.Column("topic", sa.String(40), nullable=True))
        batch.add_column(_at("expires_at", nullable=True))
        batch.create_index("ix_notices_topic", ["topic"])


def downgrade() -> None:
    with op.batch_alter_table("notices") as batch:
        batch.drop_index("ix_notices_topic")
        for column in ("expires_at", "topic", "attachment", "attachment_name"):
            batch.drop_column(column)
    with op.batch_alter_table("career_events") as batch:
        batch.drop_constraint("fk_career_events_dialogue_id_mentor_dialogues", type_="foreignkey")
        batch.drop_column("dialogue_id")
    op.drop_table("mentor_dialogues")
    op.drop_table("mentor_links")
    op.drop_table("agreed_actions")
    op.drop_index("uq_bookings_live_slot", "bookings")
    op.drop_table("bookings")
    op.drop_index("ix_coaching_slots_coach_start", "coaching_slots")
    op.drop_table("coaching_slots")
