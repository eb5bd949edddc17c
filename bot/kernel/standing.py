"""How a PAP's standing (db/status.py) reads, in every view: one label and icon per status, one icon
per milestone state, her own word beside the computed status."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from markupsafe import Markup

from bot.kernel.i18n import Texts
from db.models import Milestone
from db.status import Standing, milestone_state


def status_line(texts: Texts, locale: str, standing: Standing) -> Markup:
    """ "🧱 Mandek · kemajuan 20% (…reasons)", and on a second line what her last check-in said."""
    reasons = [texts.render(locale, f"status.reason_{reason}", s=standing) for reason in standing.reasons]
    said = texts.render(locale, f"choices.pap_status.{standing.self_assessment.value}") if standing.self_assessment else None
    status = standing.status.value
    label, icon = texts.render(locale, f"status.{status}"), texts.render(locale, f"status.icon_{status}")
    return texts.render(locale, "status.line", s=standing, label=label, icon=icon, reasons=reasons, said=said)


def milestone_lines(texts: Texts, locale: str, milestones: Iterable[Milestone], today: date) -> list[dict[str, Any]]:
    """Each milestone with its state's icon and word, in date order."""
    views = []
    for m in sorted(milestones, key=lambda m: (m.due_date, m.id)):
        state = milestone_state(m.status, m.due_date, today).value
        views.append(
            {
                "title": m.title,
                "due": m.due_date,
                "progress": m.progress,
                "state": state,
                "icon": texts.render(locale, f"status.milestone_icon_{state}"),
                "word": texts.render(locale, f"status.milestone_{state}"),
            }
        )
    return views
