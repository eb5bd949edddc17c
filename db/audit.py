"""The audit log: who granted, revoked, rotated or linked what, and when (PDP accountability).

Rows name people by Telegram id only, so the log can outlive an erased person without keeping her words.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.cells import csv_cell
from db.models import AuditAction, AuditEvent


async def record(
    *, session: AsyncSession, action: AuditAction, actor: int | None, now: datetime, cohort_id: int | None = None,
    subject: int | None = None, detail: str | None = None,
) -> None:  # fmt: skip
    session.add(AuditEvent(at=now, actor_telegram_id=actor, action=action, cohort_id=cohort_id, subject_telegram_id=subject, detail=detail))


async def audit_csv(*, session: AsyncSession) -> bytes:
    """The whole audit log as CSV, oldest first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["at", "action", "actor_telegram_id", "cohort_id", "subject_telegram_id", "detail"])
    for event in await session.scalars(select(AuditEvent).order_by(AuditEvent.at, AuditEvent.id)):
        values = [
            event.at.isoformat(),
            event.action.value,
            event.actor_telegram_id,
            event.cohort_id,
            event.subject_telegram_id,
            event.detail,
        ]
        writer.writerow([csv_cell(value) for value in values])
    return buffer.getvalue().encode("utf-8-sig")
