"""SQLAlchemy 2 typed models. Every timestamp is timezone-aware UTC."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Integer,
    MetaData,
    String,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Deterministic constraint names keep migrations identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC and always hands back an aware datetime, also on SQLite."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), date: Date()}


class Role(enum.StrEnum):
    ALUMNI = "alumni"
    COACH = "coach"


class ChatPurpose(enum.StrEnum):
    COACH_GROUP = "coach_group"
    COP = "cop"


def _enum(cls: type[enum.Enum]) -> Enum:
    # VARCHAR, not a native type: adding a value later is a plain migration on both databases.
    return Enum(cls, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])


class Person(Base):
    """Anyone who talks to the bot and was stored: alumna, coach or organizer."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    name: Mapped[str] = mapped_column(String(200))
    locale: Mapped[str] = mapped_column(String(8))
    timezone: Mapped[str] = mapped_column(String(64))
    consent_at: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    memberships: Mapped[list[Membership]] = relationship(back_populates="person")


class Cohort(Base):
    """One intake (angkatan) of the leadership program."""

    __tablename__ = "cohorts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    alumni_code: Mapped[str] = mapped_column(String(64), unique=True)
    coach_code: Mapped[str] = mapped_column(String(64), unique=True)
    training_end: Mapped[date]
    monitoring_months: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]

    memberships: Mapped[list[Membership]] = relationship(back_populates="cohort")
    chats: Mapped[list[CohortChat]] = relationship(back_populates="cohort")


class Membership(Base):
    """A person's role in a cohort."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("person_id", "cohort_id", "role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(_enum(Role))
    joined_at: Mapped[datetime]

    person: Mapped[Person] = relationship(back_populates="memberships")
    cohort: Mapped[Cohort] = relationship(back_populates="memberships")


class CohortChat(Base):
    """A group or channel linked to a cohort: the coaches' group or the community of practice."""

    __tablename__ = "cohort_chats"
    __table_args__ = (UniqueConstraint("chat_id", "purpose"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    purpose: Mapped[ChatPurpose] = mapped_column(_enum(ChatPurpose))
    linked_by: Mapped[int] = mapped_column(BigInteger)
    linked_at: Mapped[datetime]

    cohort: Mapped[Cohort] = relationship(back_populates="chats")

