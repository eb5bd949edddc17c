"""SQLAlchemy 2 typed models. Every timestamp is timezone-aware UTC."""

from __future__ import annotations

import enum
import re
from datetime import UTC, date, datetime, time
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Time,
    TypeDecorator,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import JSON

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
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), date: Date(), time: Time(), dict[str, Any]: JSON()}


class Role(enum.StrEnum):
    ALUMNI = "alumni"
    COACH = "coach"


class PositionLevel(enum.StrEnum):
    PELAKSANA = "pelaksana"
    FUNGSIONAL = "fungsional"
    PENGAWAS = "pengawas"
    ADMINISTRATOR = "administrator"
    PIMPINAN_TINGGI = "pimpinan_tinggi"
    OTHER = "other"


class MilestoneStatus(enum.StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"


class CompetencyDomain(enum.StrEnum):
    """The five competency domains of the program (seed, section 3.2)."""

    SOFT_SKILLS = "soft_skills"
    HARD_SKILLS = "hard_skills"
    EMPOWERMENT = "empowerment"
    INCLUSIVE_LEADERSHIP = "inclusive"
    ETHICS_REFORM = "ethics_reform"


class ReminderKind(enum.StrEnum):
    REFLECTION = "reflection"
    REFLECTION_FOLLOWUP = "reflection_followup"


class MilestoneNotice(enum.StrEnum):
    """The three reminders of one milestone due date."""

    BEFORE = "before"  # 3 days before
    DUE = "due"  # on the day
    OVERDUE = "overdue"  # a week after, when it is still open


class SendStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed under a lease: a process that died here leaves it to be sent again
    SENT = "sent"
    SKIPPED = "skipped"  # no longer needed: done, paused, turned off, or its week is over
    FAILED = "failed"


class EvidenceKind(enum.StrEnum):
    PHOTO = "photo"
    DOCUMENT = "document"
    LINK = "link"


class CheckInKind(enum.StrEnum):
    REGULAR = "regular"  # every few weeks during monitoring
    FINAL = "final"  # at the end of the monitoring months
    OUTCOME = "outcome"  # 6 and 12 months after the training: the promotion indicator


class CheckInStatus(enum.StrEnum):
    PLANNED = "planned"
    SENDING = "sending"
    SENT = "sent"
    REMINDING = "reminding"  # its reminder is going out, under the lease
    REMINDED = "reminded"
    MISSED = "missed"
    ANSWERED = "answered"
    SKIPPED = "skipped"  # not sent: she withdrew consent, blocked the bot, or her chat is gone
    FAILED = "failed"  # never delivered after every attempt, or refused as malformed


class PapStatus(enum.StrEnum):
    ON_TRACK = "on_track"
    DELAYED = "delayed"
    STUCK = "stuck"
    COMPLETED = "completed"
    ABANDONED = "abandoned"


class ObstacleCategory(enum.StrEnum):
    TIME = "time"
    BUDGET = "budget"
    SUPERVISOR = "supervisor"
    TEAM = "team"
    SKILLS = "skills"
    OTHER = "other"
    NONE = "none"


class CareerEventKind(enum.StrEnum):
    PROMOTED = "promoted"
    STRATEGIC_ASSIGNMENT = "assignment"
    TALENT_POOL = "talent_pool"


class RaterRole(enum.StrEnum):
    SUPERVISOR = "supervisor"
    PEER = "peer"
    UNIT = "unit"


class BroadcastKind(enum.StrEnum):
    TIP = "tip"
    EVENT = "event"
    JOB = "job"  # lowongan jabatan
    TALENT_POOL = "talent_pool"  # seleksi talent pool
    GENERAL = "general"
    EVENT_REMINDER = "event_reminder"


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed under a lease: sent again if it expires unconfirmed
    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"
    SKIPPED = "skipped"  # she withdrew consent or left before it went out


class ChatPurpose(enum.StrEnum):
    COACH_GROUP = "coach_group"
    COP = "cop"


def _enum(cls: type[enum.Enum], length: int = 16) -> Enum:
    # VARCHAR, not a native type: adding a value later is a plain migration on both databases.
    return Enum(cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


_TITLE = re.compile(r"^(?:prof|dr|drs|dra|drg|ir|hj|h|hajjah|apt|ns|bd)\.?$", re.IGNORECASE)


def first_name(full: str) -> str:
    """ "Dr. Ratna Kusumawati, S.E., M.A.P." → "Ratna": the name before the degrees, without prefix titles."""
    words = full.split(",")[0].split()
    names = [w for w in words if not _TITLE.match(w)] or words
    return names[0] if names else full


class Person(Base):
    """Anyone who talks to the bot and was stored: alumna, coach or organizer."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    name: Mapped[str] = mapped_column(String(200))  # in full, with titles: for documents
    short_name: Mapped[str | None] = mapped_column(String(60))  # nama panggilan: for greetings
    locale: Mapped[str] = mapped_column(String(8))
    timezone: Mapped[str] = mapped_column(String(64))
    consent_at: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(default=True)
    agency: Mapped[str | None] = mapped_column(String(200))  # instansi
    work_unit: Mapped[str | None] = mapped_column(String(200))  # unit kerja
    nip: Mapped[str | None] = mapped_column(String(18))  # Nomor Induk Pegawai, 18 digits; optional, for documents
    position_level: Mapped[PositionLevel | None] = mapped_column(_enum(PositionLevel))
    # The weekly reflection reminder, in her own time zone (0 = Monday).
    reflection_weekday: Mapped[int] = mapped_column(Integer, default=4, server_default="4")
    reflection_time: Mapped[time] = mapped_column(default=time(15, 0), server_default="15:00:00")
    reminders_on: Mapped[bool] = mapped_column(default=True, server_default=true())
    reminders_paused_until: Mapped[datetime | None]
    tips_on: Mapped[bool] = mapped_column(default=True, server_default=true())  # the weekly microlearning tip
    # She agreed (in /privasi) that the days she posts or replies in the community group are counted; never what she wrote
    forum_counted_since: Mapped[datetime | None]
    # A coach of several cohorts: the one her private-chat commands show (/angkatan); None: her latest.
    coaching_cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    # Deleting a person is left to the database's ON DELETE CASCADE (her right to erasure).
    memberships: Mapped[list[Membership]] = relationship(back_populates="person", passive_deletes=True)
    paps: Mapped[list[Pap]] = relationship(back_populates="person", order_by="Pap.id", passive_deletes=True)

    @property
    def called(self) -> str:
        """What the bot calls her: her nama panggilan, else her first name without titles."""
        return self.short_name or first_name(self.name)


class Cohort(Base):
    """One intake (angkatan) of the leadership program."""

    __tablename__ = "cohorts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    alumni_code: Mapped[str] = mapped_column(String(64), unique=True)
    coach_code: Mapped[str] = mapped_column(String(64), unique=True)
    training_end: Mapped[date]
    monitoring_months: Mapped[int] = mapped_column(Integer)
    checkin_interval_weeks: Mapped[int] = mapped_column(Integer, default=4, server_default="4")
    # Logbook notices to the coaches' group (name, milestone, progress only), when turned on.
    group_entry_notices: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]  # closed to new joins: its alumni links enrol nobody more
    archived_at: Mapped[datetime | None]  # archived: out of the dashboard's lists, its data kept

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


class Pap(Base):
    """A Project Action Plan: the SMART change project she carries out in her unit."""

    __tablename__ = "paps"
    __table_args__ = (UniqueConstraint("person_id", "cohort_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    problem: Mapped[str] = mapped_column(Text)
    goal: Mapped[str] = mapped_column(Text)  # specific
    indicator: Mapped[str] = mapped_column(Text)  # measurable
    baseline: Mapped[str] = mapped_column(Text)
    target: Mapped[str] = mapped_column(Text)
    resources: Mapped[str] = mapped_column(Text)  # achievable
    relevance: Mapped[str] = mapped_column(Text)  # relevant: unit mandate and gender mainstreaming
    end_date: Mapped[date]  # time-bound
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    progress_changed_at: Mapped[datetime | None]  # the last time a milestone's progress moved
    last_activity_at: Mapped[datetime | None]  # her last logbook entry, check-in answer or reflection
    # Her check-in facts for the status rules, kept by database triggers on `checkins` (migration 0020)
    # in the same transaction as any write to her check-ins: never written here.
    checkin_said: Mapped[PapStatus | None] = mapped_column(_enum(PapStatus))  # her word in her latest answered check-in
    checkins_missed_last_two: Mapped[bool] = mapped_column(default=False, server_default=false())

    person: Mapped[Person] = relationship(back_populates="paps")
    cohort: Mapped[Cohort] = relationship()
    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="pap", order_by="(Milestone.due_date, Milestone.id)", cascade="all, delete-orphan"
    )


class Milestone(Base):
    """One tahapan of a PAP."""

    __tablename__ = "milestones"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pap_id: Mapped[int] = mapped_column(ForeignKey("paps.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    due_date: Mapped[date]
    status: Mapped[MilestoneStatus] = mapped_column(_enum(MilestoneStatus), default=MilestoneStatus.PLANNED)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    done_at: Mapped[datetime | None]

    pap: Mapped[Pap] = relationship(back_populates="milestones")


class ConsentRefusal(Base):
    """She declined consent: the only thing kept about her, so she is not asked twice by mistake."""

    __tablename__ = "consent_refusals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    refused_at: Mapped[datetime]


class Draft(Base):
    """A conversation in progress, saved at every step so a restart loses nothing."""

    __tablename__ = "drafts"
    __table_args__ = (UniqueConstraint("telegram_id", "flow"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, index=True)
    flow: Mapped[str] = mapped_column(String(32))
    step: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    locale: Mapped[str | None] = mapped_column(String(8))  # before she has a profile
    paused: Mapped[bool] = mapped_column(default=False)  # at most one draft per person is not paused
    updated_at: Mapped[datetime]


class ProcessedUpdate(Base):
    """Updates already handled, per bot: a redelivered update after a crash is not applied twice.

    Telegram restarts update ids for a new token and, after a week without updates, at a random
    number: the key is (bot, update id), and the digest of the update tells a redelivery (the same
    update) from a new update that reuses an old id. Kept 48 hours, as long as Telegram keeps updates.
    """

    __tablename__ = "processed_updates"

    bot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    digest: Mapped[str] = mapped_column(String(64))
    processed_at: Mapped[datetime] = mapped_column(index=True)
    # False until every handler returned: a redelivery of an unfinished update asks her question again.
    completed: Mapped[bool] = mapped_column(default=False, server_default=false())


class InboxStatus(enum.StrEnum):
    PENDING = "pending"
    HANDLING = "handling"  # a worker holds it under a lease; handled again if the lease runs out
    DONE = "done"
    DEAD = "dead"  # could not be read, or took down its worker too often: see dead_letters


class InboxUpdate(Base):
    """Webhook mode: an update stored and committed before Telegram gets its 200. Workers take them in
    order of arrival, one at a time per chat. Done rows are kept 48 hours, then pruned."""

    __tablename__ = "inbox"
    __table_args__ = (UniqueConstraint("bot_id", "update_id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    bot_id: Mapped[int] = mapped_column(BigInteger)
    update_id: Mapped[int] = mapped_column(BigInteger)
    chat_key: Mapped[int] = mapped_column(BigInteger)  # her chat (or user) id: its updates are handled in order
    payload: Mapped[dict[str, Any]]
    status: Mapped[InboxStatus] = mapped_column(_enum(InboxStatus), default=InboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None]
    received_at: Mapped[datetime]
    handled_at: Mapped[datetime | None]


Index("ix_inbox_status_chat_key_id", InboxUpdate.status, InboxUpdate.chat_key, InboxUpdate.id)


class DeadLetter(Base):
    """An update that could not be read or whose handling failed: kept for diagnosis by its kind, and
    pruned after 30 days. `telegram_id` lets her erasure remove it."""

    __tablename__ = "dead_letters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bot_id: Mapped[int] = mapped_column(BigInteger)
    update_id: Mapped[int | None] = mapped_column(BigInteger)
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    kind: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(index=True)


class Notice(Base):
    """The outbox of single messages: a coach's notice of an entry or a coaching request, feedback
    delivered to her. Committed with the answer that caused it, sent right after that commit, and
    by the sweep when the process died first. Sent ones are pruned after a week."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    # The alumna the notice is about: her erasure takes its private text with her.
    about_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    markup: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # A file sent with the text as its caption (a session's .ics)
    attachment_name: Mapped[str | None] = mapped_column(String(100))
    attachment: Mapped[str | None] = mapped_column(Text)
    # What a later change may withdraw while it is still pending ("booking:12"), and when it stops being worth sending
    topic: Mapped[str | None] = mapped_column(String(40), index=True)
    expires_at: Mapped[datetime | None]
    status: Mapped[SendStatus] = mapped_column(_enum(SendStatus), default=SendStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


Index("ix_notices_claim_order", Notice.status, Notice.due_at, Notice.id)


class Reflection(Base):
    """The weekly reflection: one per ISO week, counted in her time zone. Private unless shared."""

    __tablename__ = "reflections"
    __table_args__ = (UniqueConstraint("person_id", "week_year", "week"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    week_year: Mapped[int] = mapped_column(Integer)
    week: Mapped[int] = mapped_column(Integer)
    went_well: Mapped[str | None] = mapped_column(Text)
    challenge: Mapped[str | None] = mapped_column(Text)
    learned: Mapped[str | None] = mapped_column(Text)
    domain: Mapped[CompetencyDomain] = mapped_column(_enum(CompetencyDomain))
    confidence: Mapped[int] = mapped_column(Integer)
    next_step: Mapped[str | None] = mapped_column(Text)
    shared: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    @property
    def monday(self) -> date:
        """The Monday of its week: weeks are shown by their dates, never by ISO number."""
        return date.fromisocalendar(self.week_year, self.week, 1)


class Reminder(Base):
    """A scheduled reminder: a row with a UTC due time, claimed and sent once by the sweep."""

    __tablename__ = "reminders"
    __table_args__ = (UniqueConstraint("person_id", "kind", "week_year", "week"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ReminderKind] = mapped_column(_enum(ReminderKind, length=24))
    week_year: Mapped[int] = mapped_column(Integer)
    week: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime]
    status: Mapped[SendStatus] = mapped_column(_enum(SendStatus), default=SendStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None]  # while SENDING: sent again if this passes unconfirmed
    sent_at: Mapped[datetime | None]

    person: Mapped[Person] = relationship()


Index("ix_reminders_claim_order", Reminder.status, Reminder.due_at, Reminder.id)  # the sweep's ORDER BY due_at, id LIMIT: no sort


class MilestoneReminder(Base):
    """A reminder of one milestone's due date: a row with a UTC due time, claimed and sent once by the sweep.

    Keyed by the date it reminds of: when she moves the milestone, the old rows are skipped and new ones planned.
    """

    __tablename__ = "milestone_reminders"
    __table_args__ = (UniqueConstraint("milestone_id", "kind", "for_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    milestone_id: Mapped[int] = mapped_column(ForeignKey("milestones.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    kind: Mapped[MilestoneNotice] = mapped_column(_enum(MilestoneNotice))
    for_date: Mapped[date]
    due_at: Mapped[datetime]
    status: Mapped[SendStatus] = mapped_column(_enum(SendStatus), default=SendStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]

    milestone: Mapped[Milestone] = relationship()
    person: Mapped[Person] = relationship()


Index("ix_milestone_reminders_claim_order", MilestoneReminder.status, MilestoneReminder.due_at, MilestoneReminder.id)


class LogEntry(Base):
    """A PAP logbook entry: what was done, progress, obstacles, support needed, and evidence."""

    __tablename__ = "log_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    pap_id: Mapped[int] = mapped_column(ForeignKey("paps.id", ondelete="CASCADE"), index=True)
    milestone_id: Mapped[int | None] = mapped_column(ForeignKey("milestones.id", ondelete="SET NULL"), index=True)
    text: Mapped[str] = mapped_column(Text)
    progress: Mapped[int | None] = mapped_column(Integer)  # the milestone's progress after this entry
    obstacles: Mapped[str | None] = mapped_column(Text)
    support: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime]
    verified_at: Mapped[datetime | None]
    verified_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))

    milestone: Mapped[Milestone | None] = relationship()
    evidence: Mapped[list[Evidence]] = relationship(back_populates="entry", cascade="all, delete-orphan", order_by="Evidence.id")
    feedback: Mapped[list[Feedback]] = relationship(back_populates="entry", cascade="all, delete-orphan", order_by="Feedback.id")


Index("ix_log_entries_person_id_created_at", LogEntry.person_id, LogEntry.created_at)
Index("ix_log_entries_pap_id_created_at", LogEntry.pap_id, LogEntry.created_at)


class Evidence(Base):
    """Bukti implementasi: a photo, a document or a link. Files keep Telegram's ids and a local copy."""

    __tablename__ = "evidence"
    __table_args__ = (UniqueConstraint("entry_id", "file_unique_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("log_entries.id", ondelete="CASCADE"), index=True)
    kind: Mapped[EvidenceKind] = mapped_column(_enum(EvidenceKind))
    file_id: Mapped[str | None] = mapped_column(String(255))
    file_unique_id: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(255))
    mime_type: Mapped[str | None] = mapped_column(String(128))
    size: Mapped[int | None] = mapped_column(BigInteger)
    url: Mapped[str | None] = mapped_column(Text)
    local_path: Mapped[str | None] = mapped_column(String(500))  # relative to ECOACH_DATA_DIR; None when too big
    created_at: Mapped[datetime]

    entry: Mapped[LogEntry] = relationship(back_populates="evidence")


class Feedback(Base):
    """A coach's reply to a logbook entry, delivered to the alumna."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("log_entries.id", ondelete="CASCADE"), index=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]

    entry: Mapped[LogEntry] = relationship(back_populates="feedback")
    coach: Mapped[Person] = relationship()


class CheckIn(Base):
    """A monitoring check-in: planned when she joins, sent by the sweep, answered in the chat."""

    __tablename__ = "checkins"
    __table_args__ = (UniqueConstraint("person_id", "cohort_id", "sequence"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    sequence: Mapped[int] = mapped_column(Integer)
    kind: Mapped[CheckInKind] = mapped_column(_enum(CheckInKind))
    month: Mapped[int] = mapped_column(Integer)  # months after the training end
    with_feedback: Mapped[bool] = mapped_column(default=False)  # sends the rater links (3 months)
    due_at: Mapped[datetime]
    status: Mapped[CheckInStatus] = mapped_column(_enum(CheckInStatus), default=CheckInStatus.PLANNED)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    lease_until: Mapped[datetime | None]  # while SENDING or REMINDING: sent again if this passes unconfirmed
    sent_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    late: Mapped[bool] = mapped_column(default=False)
    pap_status: Mapped[PapStatus | None] = mapped_column(_enum(PapStatus))
    implementation: Mapped[int | None] = mapped_column(Integer)
    obstacle: Mapped[ObstacleCategory | None] = mapped_column(_enum(ObstacleCategory))
    obstacle_text: Mapped[str | None] = mapped_column(Text)
    wants_coaching: Mapped[bool | None]
    forums: Mapped[list[str] | None] = mapped_column(JSON)
    satisfaction: Mapped[int | None] = mapped_column(Integer)

    person: Mapped[Person] = relationship()


Index("ix_checkins_claim_order", CheckIn.status, CheckIn.due_at, CheckIn.id)  # the sweep's ORDER BY due_at, id LIMIT: no sort


class CareerEvent(Base):
    """A promotion, a strategic assignment or a talent-pool selection, with its date."""

    __tablename__ = "career_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    checkin_id: Mapped[int | None] = mapped_column(ForeignKey("checkins.id", ondelete="SET NULL"))
    # Reported by her mentor in a monthly dialogue, not by her: counted, and marked as such.
    dialogue_id: Mapped[int | None] = mapped_column(ForeignKey("mentor_dialogues.id", ondelete="SET NULL"))
    kind: Mapped[CareerEventKind] = mapped_column(_enum(CareerEventKind))
    event_date: Mapped[date]
    created_at: Mapped[datetime]


class FeedbackRound(Base):
    """One round of feedback she asked for: its answers are shown only once it is closed (by her, or
    when its 30 days are over), and only when at least three different people answered. Nothing of
    a round is shown while answers can still come in, so no two readings can be subtracted."""

    __tablename__ = "feedback_rounds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    opened_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]  # she closed it early

    def closed(self, now: datetime) -> bool:
        return self.closed_at is not None or now >= self.closes_at


class RaterLink(Base):
    """A personal link she forwards to her supervisor, a peer or someone in her unit."""

    __tablename__ = "rater_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("feedback_rounds.id", ondelete="CASCADE"), index=True)
    role: Mapped[RaterRole] = mapped_column(_enum(RaterRole))
    code: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]

    person: Mapped[Person] = relationship()
    round: Mapped[FeedbackRound] = relationship()


class RaterResponse(Base):
    """One rater's answers: five 1–5 scores and an optional comment. Shown only as a closed round's
    averages. One Telegram account answers a round once, whichever role link it opened."""

    __tablename__ = "rater_responses"
    __table_args__ = (UniqueConstraint("round_id", "rater_telegram_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("rater_links.id", ondelete="CASCADE"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("feedback_rounds.id", ondelete="CASCADE"), index=True)
    rater_telegram_id: Mapped[int] = mapped_column(BigInteger)
    communication: Mapped[int] = mapped_column(Integer)
    collaboration: Mapped[int] = mapped_column(Integer)
    initiative: Mapped[int] = mapped_column(Integer)
    service_effect: Mapped[int] = mapped_column(Integer)
    overall: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]

    link: Mapped[RaterLink] = relationship()


class Nudge(Base):
    """A coach's friendly nudge to an alumna: at most one every 3 days."""

    __tablename__ = "nudges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    coach_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    sent_at: Mapped[datetime]


Index("ix_nudges_person_id_sent_at", Nudge.person_id, Nudge.sent_at)


class CopChat(Base):
    """The community of practice's group or channel, linked by an organizer."""

    __tablename__ = "cop_chats"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    title: Mapped[str | None] = mapped_column(String(255))
    is_forum: Mapped[bool] = mapped_column(default=False, server_default=false())  # a supergroup with topics
    linked_by: Mapped[int] = mapped_column(BigInteger)
    linked_at: Mapped[datetime]


class Event(Base):
    """An event announced to a cohort or to the whole community; listed in /agenda."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    place: Mapped[str] = mapped_column(Text)  # a place or a link
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]


class Broadcast(Base):
    """One message to many: a tip, an announcement, or an event reminder."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[BroadcastKind] = mapped_column(_enum(BroadcastKind))
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))  # None: the whole community
    title: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    tip_slug: Mapped[str | None] = mapped_column(String(100))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]

    event: Mapped[Event | None] = relationship()


class Delivery(Base):
    """The outbox: one row per recipient of a broadcast, claimed and sent once by the sweep."""

    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("broadcast_id", "chat_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[DeliveryStatus] = mapped_column(_enum(DeliveryStatus), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # 0: the message is still to go; 1: it went, a tip's quiz poll is still to go (never the text twice)
    stage: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    due_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]  # while SENDING: sent again if this passes unconfirmed
    sent_at: Mapped[datetime | None]

    broadcast: Mapped[Broadcast] = relationship()
    person: Mapped[Person | None] = relationship()


Index("ix_deliveries_claim_order", Delivery.status, Delivery.due_at, Delivery.id)  # the sweep's ORDER BY due_at, id LIMIT: no sort


class TipWeek(Base):
    """Which tip went out in which week: rotation without repeats until the library is used up."""

    __tablename__ = "tip_weeks"
    __table_args__ = (UniqueConstraint("week_year", "week"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    week_year: Mapped[int] = mapped_column(Integer)
    week: Mapped[int] = mapped_column(Integer)
    slug: Mapped[str] = mapped_column(String(100))
    cycle: Mapped[int] = mapped_column(Integer)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"))


class QuizPoll(Base):
    """A tip's quiz as sent to one alumna: Telegram's poll id ties her answer back to her."""

    __tablename__ = "quiz_polls"

    poll_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    tip_slug: Mapped[str] = mapped_column(String(100))
    correct_option: Mapped[int] = mapped_column(Integer)
    sent_at: Mapped[datetime]


class QuizAnswer(Base):
    """Her answer to a tip quiz: engagement with the community of practice."""

    __tablename__ = "quiz_answers"
    __table_args__ = (UniqueConstraint("poll_id", "person_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    poll_id: Mapped[str] = mapped_column(ForeignKey("quiz_polls.poll_id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    option: Mapped[int] = mapped_column(Integer)
    correct: Mapped[bool]
    answered_at: Mapped[datetime]


class AnonymousOutcome(Base):
    """What an alumna who deleted her data contributed to her cohort's indicators, with nothing of hers."""

    __tablename__ = "anonymous_outcomes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    promoted_or_assigned: Mapped[bool]
    pap_implemented: Mapped[bool]
    checkins_due: Mapped[int] = mapped_column(Integer)
    checkins_answered: Mapped[int] = mapped_column(Integer)
    forum_participant: Mapped[bool]
    recorded_on: Mapped[date]


class RequestStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"


class CoachRequest(Base):
    """Someone opened a cohort's coach link: she is a coach only once an organizer approves."""

    __tablename__ = "coach_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, index=True)
    name: Mapped[str] = mapped_column(String(200))
    locale: Mapped[str] = mapped_column(String(8))
    status: Mapped[RequestStatus] = mapped_column(_enum(RequestStatus), default=RequestStatus.PENDING)
    requested_at: Mapped[datetime]
    decided_by: Mapped[int | None] = mapped_column(BigInteger)
    decided_at: Mapped[datetime | None]

    cohort: Mapped[Cohort] = relationship()


class CoachingMessage(Base):
    """One message of the coaching thread between an alumna and her cohort's coaches, either way."""

    __tablename__ = "coaching_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)  # the alumna
    coach_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))  # who replied; None: hers
    from_coach: Mapped[bool] = mapped_column(default=False)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]

    coach: Mapped[Person | None] = relationship(foreign_keys=[coach_id])


class AuditAction(enum.StrEnum):
    COACH_APPROVED = "coach_approved"
    COACH_DECLINED = "coach_declined"
    COACH_REVOKED = "coach_revoked"
    CODES_ROTATED = "codes_rotated"
    GROUP_LINKED = "group_linked"
    ALUMNA_VIEWED = "alumna_viewed"  # her record opened on the web dashboard
    WEB_LOGIN = "web_login"


class AuditEvent(Base):
    """Who granted, revoked, rotated or linked what, and when: organizers can export it (PDP accountability)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor_telegram_id: Mapped[int | None] = mapped_column(BigInteger)  # None: the command line on the server
    action: Mapped[AuditAction] = mapped_column(_enum(AuditAction, length=24))
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id", ondelete="SET NULL"))
    subject_telegram_id: Mapped[int | None] = mapped_column(BigInteger)
    detail: Mapped[str | None] = mapped_column(String(500))


class WebLogin(Base):
    """A one-time login link to the web dashboard. Only the token's SHA-256 is kept: a copy of the
    database opens no session."""

    __tablename__ = "web_logins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class WebSession(Base):
    """A browser's session on the dashboard, opened by a login link; kept by its token's SHA-256."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, index=True)
    locale: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]  # logged out


class RosterEntry(Base):
    """One participant of an imported class list, with her personal single-use invite code. She is
    "joined" once the person who opened the code is enrolled in the cohort."""

    __tablename__ = "roster_entries"
    __table_args__ = (UniqueConstraint("cohort_id", "nip"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    nip: Mapped[str | None] = mapped_column(String(18))
    agency: Mapped[str | None] = mapped_column(String(200))
    work_unit: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    code: Mapped[str] = mapped_column(String(64), unique=True)
    telegram_id: Mapped[int | None] = mapped_column(BigInteger)  # who opened it first: nobody else can use it
    created_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]


class BookingEnd(enum.StrEnum):
    """How a booked session ended other than by being held."""

    CANCELLED = "cancelled"
    ALUMNA_ABSENT = "alumna_absent"  # a no-show, marked by the coach
    COACH_ABSENT = "coach_absent"  # a no-show, marked by the alumna


class CoachingSlot(Base):
    """A time a coach offers for a 1-on-1 session, online (a meeting link) or face to face (a place)."""

    __tablename__ = "coaching_slots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime]
    minutes: Mapped[int] = mapped_column(Integer)
    link: Mapped[str | None] = mapped_column(Text)  # Zoom or Google Meet
    place: Mapped[str | None] = mapped_column(String(200))  # tatap muka
    created_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]

    coach: Mapped[Person] = relationship()


Index("ix_coaching_slots_coach_start", CoachingSlot.coach_id, CoachingSlot.starts_at)


class Booking(Base):
    """An alumna's booking of a slot. At most one live booking per slot: a partial unique index, so
    two presses at the same moment give one booking, and a cancelled one frees the slot again."""

    __tablename__ = "bookings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("coaching_slots.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)  # the alumna
    booked_at: Mapped[datetime]
    ended: Mapped[BookingEnd | None] = mapped_column(_enum(BookingEnd))
    ended_at: Mapped[datetime | None]
    ended_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    # The GROW notes, written by the coach after the session; each part may be skipped.
    goal: Mapped[str | None] = mapped_column(Text)
    reality: Mapped[str | None] = mapped_column(Text)
    options: Mapped[str | None] = mapped_column(Text)
    noted_at: Mapped[datetime | None]

    slot: Mapped[CoachingSlot] = relationship()
    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    actions: Mapped[list[AgreedAction]] = relationship(back_populates="booking", order_by="AgreedAction.id", passive_deletes=True)


Index("uq_bookings_live_slot", Booking.slot_id, unique=True, sqlite_where=Booking.ended.is_(None), postgresql_where=Booking.ended.is_(None))


class AgreedAction(Base):
    """The Will of a session's GROW notes: one action she agreed to, by a date, followed up on that date."""

    __tablename__ = "agreed_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    due_date: Mapped[date]
    first_due_date: Mapped[date]  # "on time" is judged against the date agreed in the session
    done_at: Mapped[datetime | None]
    created_at: Mapped[datetime]

    booking: Mapped[Booking] = relationship(back_populates="actions")


class MentorLink(Base):
    """Her direct supervisor as mentor: invited by a personal link, bound to the first person who
    consents through it, ended by her at any time."""

    __tablename__ = "mentor_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)  # the alumna
    code: Mapped[str] = mapped_column(String(64), unique=True)
    mentor_telegram_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    mentor_name: Mapped[str | None] = mapped_column(String(200))
    locale: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime]
    consented_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    next_dialogue_at: Mapped[datetime | None]

    person: Mapped[Person] = relationship()


class MentorDialogue(Base):
    """One month's dialogue with the mentor: the two questions and her answers."""

    __tablename__ = "mentor_dialogues"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("mentor_links.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    asked_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    obstacle: Mapped[str | None] = mapped_column(Text)
    opportunity: Mapped[bool | None]
    opportunity_text: Mapped[str | None] = mapped_column(Text)

    link: Mapped[MentorLink] = relationship()


class ForumTopic(enum.StrEnum):
    """The topics the bot opens in a community group that is a forum; each announcement kind has one."""

    ANNOUNCEMENTS = "announcements"  # Pengumuman
    JOBS = "jobs"  # Lowongan & Talent Pool
    AGENDA = "agenda"
    TIPS = "tips"
    GALLERY = "gallery"  # Galeri PAP
    QUESTIONS = "questions"  # Tanya Jawab


class CopTopic(Base):
    """One topic of a forum community group: created once (its row is claimed under a lease before
    createForumTopic), its thread id kept for every later post."""

    __tablename__ = "cop_topics"
    __table_args__ = (UniqueConstraint("chat_id", "topic"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    topic: Mapped[ForumTopic] = mapped_column(_enum(ForumTopic, length=24))
    thread_id: Mapped[int | None] = mapped_column(BigInteger)
    lease_until: Mapped[datetime | None]  # while being created: no other process creates it too
    created_at: Mapped[datetime | None]


class ForumDay(Base):
    """That she posted or replied in the community group on a day (her calendar), and how often: the
    forum-participation indicator. Counted only with her consent; no text, no message id."""

    __tablename__ = "forum_days"
    __table_args__ = (UniqueConstraint("person_id", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    day: Mapped[date]
    posts: Mapped[int] = mapped_column(Integer, default=0)
    replies: Mapped[int] = mapped_column(Integer, default=0)


class GalleryTheme(enum.StrEnum):
    """The kinds of PAP the program design names (seed, section 4), as the library's themes."""

    GENDER_RESPONSIVE_SERVICE = "gender_service"  # layanan publik responsif gender
    WOMEN_FORUM = "women_forum"  # forum perempuan
    DIGITAL_PROCESS = "digital"  # digitalisasi proses internal
    OTHER = "other"


class GalleryEntry(Base):
    """A finished PAP she published to the alumni library (Galeri PAP): exactly what she saw in its
    preview, kept as it was then. Withdrawing it deletes the row."""

    __tablename__ = "gallery_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pap_id: Mapped[int] = mapped_column(ForeignKey("paps.id", ondelete="CASCADE"), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    theme: Mapped[GalleryTheme] = mapped_column(_enum(GalleryTheme))
    level: Mapped[PositionLevel | None] = mapped_column(_enum(PositionLevel))
    zone: Mapped[str] = mapped_column(String(64))  # her region, as far as the bot knows it: WIB, WITA or WIT
    agency: Mapped[str | None] = mapped_column(String(200))
    result: Mapped[str] = mapped_column(Text)  # what it achieved, against its indicator
    evidence_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # up to three she picked
    body: Mapped[str] = mapped_column(Text)  # what full-text search reads: title, problem, goal, result, milestones
    published_at: Mapped[datetime]

    pap: Mapped[Pap] = relationship()
    person: Mapped[Person] = relationship()


class ReplicationStatus(enum.StrEnum):
    ASKED = "asked"  # the author has not answered yet
    AGREED = "agreed"  # she agreed to be contacted: both got each other's contact
    DECLINED = "declined"


class Replication(Base):
    """An alumna who wants to replicate a published PAP, and whether its author agreed to be contacted."""

    __tablename__ = "replications"
    __table_args__ = (UniqueConstraint("requester_id", "original_pap_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    original_pap_id: Mapped[int | None] = mapped_column(ForeignKey("paps.id", ondelete="SET NULL"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    cross_cohort: Mapped[bool] = mapped_column(default=False)  # the two were in no cohort together: the network grew
    status: Mapped[ReplicationStatus] = mapped_column(_enum(ReplicationStatus))
    asked_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    # Her PAP begun as this replication, pre-filled from the original: the link between the two projects
    pap_id: Mapped[int | None] = mapped_column(ForeignKey("paps.id", ondelete="SET NULL"), unique=True)
    started_at: Mapped[datetime | None]

    author: Mapped[Person | None] = relationship(foreign_keys=[author_id])
    requester: Mapped[Person] = relationship(foreign_keys=[requester_id])
    original: Mapped[Pap | None] = relationship(foreign_keys=[original_pap_id])


class PairStatus(enum.StrEnum):
    ASKED = "asked"  # the mentee asked; the mentor has not answered
    ACTIVE = "active"
    DECLINED = "declined"
    ENDED = "ended"  # either side ended it


class MentoringOffer(Base):
    """An alumna's offer to mentor other alumnae: her topics (competency domains and PAP themes) and how
    many mentees she can take."""

    __tablename__ = "mentoring_offers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), unique=True)
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    capacity: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    withdrawn_at: Mapped[datetime | None]

    person: Mapped[Person] = relationship()


class MentoringRequest(Base):
    """The topics a new alumna wants a mentor for: her latest search."""

    __tablename__ = "mentoring_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), unique=True)
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]


class MentoringPair(Base):
    """A mentor and a mentee from the alumni: asked, then agreed by the mentor, until either ends it."""

    __tablename__ = "mentoring_pairs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    mentee_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    cross_cohort: Mapped[bool] = mapped_column(default=False)
    status: Mapped[PairStatus] = mapped_column(_enum(PairStatus))
    asked_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    # The answers to "Masih berjalan? Bermanfaat?" after 4 and 8 weeks, from either side: going_useful | going | stopped
    checkin_4w: Mapped[str | None] = mapped_column(String(16))
    checkin_8w: Mapped[str | None] = mapped_column(String(16))

    mentor: Mapped[Person] = relationship(foreign_keys=[mentor_id])
    mentee: Mapped[Person] = relationship(foreign_keys=[mentee_id])
