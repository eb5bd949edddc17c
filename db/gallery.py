"""Galeri PAP: finished projects an alumna chose to publish, found by any enrolled alumna or coach.

Full-text search reads the title, problem, goal, result and milestones: SQLite's FTS5 (the table
`gallery_search`, which triggers keep beside the rows) and PostgreSQL's tsvector with the `simple` configuration
(an expression index made by the migration). Both match words and word beginnings, in any case and
without diacritics; neither stems Indonesian: "digital" finds "digitalisasi", but "digitalisasi" does
not find "mendigitalkan" (no well-kept Indonesian stemmer is packaged for Python).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import column, func, select, table, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from db.engine import on_postgres
from db.models import Evidence, GalleryEntry, GalleryTheme, LogEntry, Membership, Pap, Person, PositionLevel, Replication, ReplicationStatus
from db.plans import replace_plan
from db.schedule import ZONES
from db.status import ProjectStatus, Standing

MAX_EVIDENCE = 3
RESULT_MAX = 500
SHOWN = 5
_WORD = re.compile(r"\w+", re.UNICODE)
ZONE_OF = {zone: key for key, zone in ZONES.items()}  # Asia/Makassar -> wita
FTS = table("gallery_search", column("rowid"), column("rank"), column("gallery_search"))  # SQLite's FTS5 table, made by the migration


@dataclass(frozen=True)
class Filters:
    theme: GalleryTheme | None = None
    level: PositionLevel | None = None
    zone: str | None = None  # wib | wita | wit


def _body(pap: Pap, result: str) -> str:
    return "\n".join([pap.title, pap.problem, pap.goal, pap.indicator, result, *(m.title for m in pap.milestones)])


async def entry_of(*, session: AsyncSession, pap: Pap) -> GalleryEntry | None:
    return await session.scalar(select(GalleryEntry).where(GalleryEntry.pap_id == pap.id))


async def publishable(*, session: AsyncSession, pap: Pap, standing: Standing) -> bool:
    """Finished and not in the library yet: when she is offered to publish it."""
    return standing.status == ProjectStatus.DONE and await entry_of(session=session, pap=pap) is None


async def evidence_choices(*, session: AsyncSession, pap: Pap) -> list[Evidence]:
    """Her photos and documents of this PAP, newest first: what she may pick to show."""
    rows = await session.scalars(
        select(Evidence)
        .join(LogEntry, Evidence.entry_id == LogEntry.id)
        .where(LogEntry.pap_id == pap.id, Evidence.file_id.is_not(None))
        .order_by(Evidence.id.desc())
        .limit(12)
        .options(selectinload(Evidence.entry))
    )
    return list(rows)


async def publish(
    *, session: AsyncSession, person: Person, pap: Pap, theme: GalleryTheme, result: str, evidence_ids: list[int], now: datetime
) -> GalleryEntry:
    """Publish (or publish again) her PAP as she saw it in the preview, and index its words."""
    await withdraw(session=session, pap=pap)
    chosen = {e.id for e in await evidence_choices(session=session, pap=pap)}
    entry = GalleryEntry(
        pap_id=pap.id, person_id=person.id, theme=theme, level=person.position_level, zone=ZONE_OF.get(person.timezone, person.timezone),
        agency=person.agency, result=result, evidence_ids=[i for i in evidence_ids if i in chosen][:MAX_EVIDENCE],
        body=_body(pap, result), published_at=now,
    )  # fmt: skip
    session.add(entry)
    await session.flush()
    return entry


async def withdraw(*, session: AsyncSession, pap: Pap) -> bool:
    """Take it out of the library; False when it was not in it."""
    entry = await entry_of(session=session, pap=pap)
    if entry is None:
        return False
    await session.delete(entry)
    await session.flush()
    return True


def _terms(query: str) -> list[str]:
    return [word.casefold() for word in _WORD.findall(query)][:8]


async def search(*, session: AsyncSession, query: str, filters: Filters = Filters(), limit: int = SHOWN) -> list[GalleryEntry]:
    """Published projects matching every word of `query` (as a word or a word's beginning), best first;
    the newest first without words."""
    statement = select(GalleryEntry).options(selectinload(GalleryEntry.pap).selectinload(Pap.milestones), selectinload(GalleryEntry.person))
    if filters.theme is not None:
        statement = statement.where(GalleryEntry.theme == filters.theme)
    if filters.level is not None:
        statement = statement.where(GalleryEntry.level == filters.level)
    if filters.zone is not None:
        statement = statement.where(GalleryEntry.zone == filters.zone)
    terms = _terms(query)
    if not terms:
        return list(await session.scalars(statement.order_by(GalleryEntry.published_at.desc()).limit(limit)))
    if on_postgres(session):
        vector = func.to_tsvector(text("'simple'"), GalleryEntry.body)
        wanted = func.to_tsquery(text("'simple'"), " & ".join(f"{term}:*" for term in terms))
        statement = statement.where(vector.op("@@")(wanted)).order_by(func.ts_rank(vector, wanted).desc(), GalleryEntry.id.desc())
    else:
        match = " AND ".join(f'"{term}"*' for term in terms)  # each word quoted: her words are never FTS5 syntax
        hits = select(FTS.c.rowid.label("id"), FTS.c.rank.label("rank")).where(FTS.c.gallery_search.op("MATCH")(match)).subquery()
        statement = statement.join(hits, hits.c.id == GalleryEntry.id).order_by(hits.c.rank, GalleryEntry.id.desc())
    return list(await session.scalars(statement.limit(limit)))


async def entry_by_id(*, session: AsyncSession, entry_id: int) -> GalleryEntry | None:
    return await session.scalar(
        select(GalleryEntry)
        .where(GalleryEntry.id == entry_id)
        .options(selectinload(GalleryEntry.pap).selectinload(Pap.milestones), selectinload(GalleryEntry.person))
    )


async def shown_evidence(*, session: AsyncSession, entry: GalleryEntry) -> list[Evidence]:
    if not entry.evidence_ids:
        return []
    return list(await session.scalars(select(Evidence).where(Evidence.id.in_(entry.evidence_ids)).order_by(Evidence.id)))


async def ask_to_replicate(*, session: AsyncSession, entry: GalleryEntry, requester: Person, now: datetime) -> Replication | None:
    """Her request to the author of a published PAP; None when she asked already (or it is her own)."""
    if entry.person_id == requester.id:
        return None
    cohorts = select(Membership.cohort_id).where(Membership.person_id == requester.id)
    together = await session.scalar(
        select(Membership.id).where(Membership.person_id == entry.person_id, Membership.cohort_id.in_(cohorts)).limit(1)
    )
    replication = Replication(
        original_pap_id=entry.pap_id, author_id=entry.person_id, requester_id=requester.id, cross_cohort=together is None,
        status=ReplicationStatus.ASKED, asked_at=now,
    )  # fmt: skip
    try:
        async with session.begin_nested():
            session.add(replication)
    except IntegrityError:
        return None
    return replication


async def answer_replication(
    *, session: AsyncSession, replication_id: int, author: Person, agreed: bool, now: datetime
) -> Replication | None:
    """The author's answer, once; None when it is not hers to answer or was answered already."""
    replication = await session.scalar(
        select(Replication)
        .where(Replication.id == replication_id, Replication.author_id == author.id, Replication.status == ReplicationStatus.ASKED)
        .options(selectinload(Replication.requester), selectinload(Replication.author))
    )
    if replication is None:
        return None
    replication.status = ReplicationStatus.AGREED if agreed else ReplicationStatus.DECLINED
    replication.answered_at = now
    return replication


async def replication_to_start(*, session: AsyncSession, replication_id: int, requester: Person) -> Replication | None:
    """Her agreed replication of a PAP still in the library, with the original and its author loaded;
    None when it is not hers, not agreed, or the author has withdrawn the PAP since."""
    return await session.scalar(
        select(Replication)
        .join(GalleryEntry, GalleryEntry.pap_id == Replication.original_pap_id)
        .where(Replication.id == replication_id, Replication.requester_id == requester.id, Replication.status == ReplicationStatus.AGREED)
        .options(
            joinedload(Replication.original).selectinload(Pap.milestones),
            joinedload(Replication.original).joinedload(Pap.cohort),
            joinedload(Replication.author),
        )
    )


async def agreed_replication_of(*, session: AsyncSession, entry: GalleryEntry, requester: Person) -> Replication | None:
    return await session.scalar(
        select(Replication).where(
            Replication.original_pap_id == entry.pap_id,
            Replication.requester_id == requester.id,
            Replication.status == ReplicationStatus.AGREED,
        )
    )


async def start_replica(
    *, session: AsyncSession, replication: Replication, pap: Pap, fields: dict[str, str], end_date: date,
    milestones: list[tuple[str, date]], now: datetime,
) -> None:  # fmt: skip
    """Her plan not yet begun becomes the replication she checked, and the two projects stay linked."""
    await replace_plan(session=session, pap=pap, fields=fields, end_date=end_date, milestones=milestones, now=now)
    # Begun again from another project: her PAP replicates only the latest
    others = update(Replication).where(Replication.pap_id == pap.id, Replication.id != replication.id)
    await session.execute(others.values(pap_id=None, started_at=None))
    replication.pap_id, replication.started_at = pap.id, now
    await session.flush()


async def replicated_from(*, session: AsyncSession, pap: Pap) -> Pap | None:
    """The library PAP hers was begun from, if any."""
    return await session.scalar(select(Pap).join(Replication, Replication.original_pap_id == Pap.id).where(Replication.pap_id == pap.id))
