"""The organizers' report: /laporan (/report) in the chat, and the files behind it and `ecoach report`:
XLSX (a summary sheet with a chart, and one sheet of alumnae per cohort), CSV or JSON.

XLSX and CSV are for people: every code in words of the report's language, dates as dates. JSON is for
programs: stable English keys and codes (documented in the README)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from dataclasses import asdict, dataclass, fields
from datetime import date
from typing import TYPE_CHECKING, Any

from telegram import Update

from bot.kernel.context import EcoachContext
from bot.kernel.guards import in_private, is_admin
from bot.kernel.i18n import Texts
from db.cells import csv_cell, file_slug, looks_like_formula
from db.coaching import coached_cohort
from db.cohorts import find_invite
from db.models import Cohort
from db.report import LABELLED, AlumnaRow, Indicators, cohort_report, report_dict
from db.schedule import add_months, local

if TYPE_CHECKING:  # openpyxl (with numpy) costs every process ~29 MiB and a quarter of a second: imported when a workbook is made
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.worksheet import Worksheet

SHARES = ("promoted_or_assigned", "pap_implementation", "checkin_response", "forum_participation", "cop_engagement", "active_30_days")
COLUMNS = [f.name for f in fields(AlumnaRow)]
DATE_FORMAT = "DD-MM-YYYY"
MAX_WIDTH = 60


@dataclass(frozen=True)
class CohortReport:
    cohort: Cohort
    indicators: Indicators
    rows: list[AlumnaRow]


def to_json(reports: list[CohortReport]) -> bytes:
    data: object = report_dict(*_parts(reports[0])) if len(reports) == 1 else {"cohorts": [report_dict(*_parts(r)) for r in reports]}
    return json.dumps(data, ensure_ascii=False, indent=2).encode()


def _parts(report: CohortReport) -> tuple[Cohort, Indicators, list[AlumnaRow]]:
    return report.cohort, report.indicators, report.rows


def report_filename(texts: Texts, locale: str, reports: list[CohortReport], today: date, extension: str = "xlsx") -> str:
    """laporan-angkatan-i-2026-2026-11-28.xlsx; for every cohort at once, laporan-semua-angkatan-…"""
    name = reports[0].cohort.name if len(reports) == 1 else str(texts.render(locale, "report.all_cohorts"))
    return str(texts.render(locale, "files.report", name=file_slug(name), date=today.isoformat(), extension=extension))


def labelled(texts: Texts, locale: str, row: AlumnaRow) -> dict[str, Any]:
    """A row as people read it: every code (status, level, reasons) in words of `locale`."""
    values = asdict(row)
    for column, prefix in LABELLED.items():
        value = values[column]
        if isinstance(value, list):
            values[column] = ", ".join(texts.render(locale, prefix + code) for code in value)
        elif value:
            values[column] = str(texts.render(locale, prefix + value))
    return values


def to_csv(texts: Texts, locale: str, reports: list[CohortReport]) -> bytes:
    """One row per alumna, her cohort first; headers and values in `locale`, dates as DD-MM-YYYY."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([texts.render(locale, "report.column_cohort"), *(texts.render(locale, f"report.column_{c}") for c in COLUMNS)])
    for report in reports:
        for row in report.rows:
            values = labelled(texts, locale, row)
            values["last_activity"] = row.last_activity.strftime("%d-%m-%Y")
            writer.writerow([csv_cell(report.cohort.name), *(csv_cell(values[c]) for c in COLUMNS)])
    return buffer.getvalue().encode("utf-8-sig")  # the BOM lets spreadsheet programs read Indonesian text right


def to_xlsx(texts: Texts, locale: str, reports: list[CohortReport], today: date) -> bytes:
    """One cohort: its summary and its alumnae. Several: a summary comparing them, and a sheet per cohort."""
    from openpyxl import Workbook

    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = texts.render(locale, "report.sheet_summary")
    if len(reports) == 1:
        _summary(texts, locale, summary, reports[0], today)
        _alumnae(texts, locale, book.create_sheet(texts.render(locale, "report.sheet_alumnae")), reports[0].rows)
    else:
        _comparison(texts, locale, summary, reports, today)
        used: set[str] = set()
        for report in reports:
            _alumnae(texts, locale, book.create_sheet(_sheet_name(report.cohort.name, used)), report.rows)
    for cell in (cell for page in book.worksheets for line in page.iter_rows() for cell in line):
        if looks_like_formula(cell.value):
            cell.data_type = "s"  # openpyxl took it for a formula: it is a person's text
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _heading(texts: Texts, locale: str, sheet: Worksheet, title: str, today: date, period: str | None) -> None:
    sheet.append([title])
    sheet["A1"].font = _bold(size=13)
    sheet.append([texts.render(locale, "report.programme"), texts.render(locale, "report.programme_name")])
    if period:
        sheet.append([texts.render(locale, "report.period"), period])
    sheet.append([texts.render(locale, "report.report_date"), today])
    sheet.cell(sheet.max_row, 2).number_format = DATE_FORMAT
    sheet.cell(sheet.max_row, 2).alignment = _left()


def _period(texts: Texts, locale: str, cohort: Cohort) -> str:
    end = add_months(cohort.training_end, cohort.monitoring_months)
    return f"{texts.format_date(locale, cohort.training_end)} – {texts.format_date(locale, end)}"


def _target(texts: Texts, locale: str, indicators: Indicators, name: str) -> str:
    return indicators.promoted_target if name == "promoted_or_assigned" else str(texts.render(locale, "report.no_target"))


def _summary(texts: Texts, locale: str, sheet: Worksheet, report: CohortReport, today: date) -> None:
    indicators = report.indicators
    _heading(
        texts, locale, sheet, texts.render(locale, "report.title", cohort=report.cohort.name), today, _period(texts, locale, report.cohort)
    )
    sheet.append([texts.render(locale, "report.alumnae"), indicators.alumnae])
    sheet.append([])
    sheet.append([texts.render(locale, "report.indicator"), texts.render(locale, "report.value"), texts.render(locale, "report.target")])
    header = sheet.max_row
    for cell in sheet[header]:
        cell.font = _bold()
    for name in SHARES:
        sheet.append([texts.render(locale, f"report.{name}"), getattr(indicators, name), _target(texts, locale, indicators, name)])
        sheet.cell(sheet.max_row, 2).number_format = "0.0%"
    last = sheet.max_row
    sheet.append([texts.render(locale, "report.quiz_answers"), indicators.quiz_answers])
    sheet.append([])
    sheet.append([texts.render(locale, "report.perception")])
    for question, average in indicators.perception.items():
        sheet.append([texts.render(locale, f"rater.label_{question}"), average])
    _coaching(texts, locale, sheet, indicators)
    _network(texts, locale, sheet, indicators)
    sheet.column_dimensions["A"].width = 52
    sheet.column_dimensions["B"].width = 34
    sheet.column_dimensions["C"].width = 30
    from openpyxl.chart import BarChart, Reference

    chart = BarChart()
    chart.type = "bar"
    chart.title = texts.render(locale, "report.chart_title")
    chart.y_axis.number_format = "0%"
    chart.y_axis.scaling.min, chart.y_axis.scaling.max = 0, 1
    chart.add_data(Reference(sheet, min_col=2, min_row=header, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=header + 1, max_row=last))
    chart.legend = None
    chart.width, chart.height = 18, 9
    sheet.add_chart(chart, "E4")


def _coaching(texts: Texts, locale: str, sheet: Worksheet, indicators: Indicators) -> None:
    """1-on-1 sessions, agreed actions and mentors; the obstacles mentors reported, one per line."""
    sheet.append([])
    sheet.append([texts.render(locale, "report.coaching_heading")])
    sheet.cell(sheet.max_row, 1).font = _bold()
    for name in ("coaching_sessions", "sessions_per_alumna", "no_shows", "actions_on_time", "mentors_linked", "mentors_answering"):
        sheet.append([texts.render(locale, f"report.{name}"), getattr(indicators, name)])
    sheet.cell(sheet.max_row - 2, 2).number_format = "0.0%"  # actions on time is a share
    sheet.append([])
    sheet.append([texts.render(locale, "report.mentor_obstacles")])
    sheet.cell(sheet.max_row, 1).font = _bold()
    for name, obstacle in indicators.mentor_obstacles or [(str(texts.render(locale, "report.none_reported")), "")]:
        sheet.append([name, obstacle])


def _network(texts: Texts, locale: str, sheet: Worksheet, indicators: Indicators) -> None:
    """The alumni network's indicators, each beside its definition."""
    sheet.append([])
    sheet.append(
        [texts.render(locale, "report.network_heading"), texts.render(locale, "report.value"), texts.render(locale, "report.definition")]
    )
    for cell in sheet[sheet.max_row]:
        cell.font = _bold()
    for name, value in asdict(indicators.network).items():
        sheet.append([texts.render(locale, f"report.{name}"), value, texts.render(locale, f"report.def_{name}")])
        if isinstance(value, float):
            sheet.cell(sheet.max_row, 2).number_format = "0.0%"


def _comparison(texts: Texts, locale: str, sheet: Worksheet, reports: list[CohortReport], today: date) -> None:
    _heading(texts, locale, sheet, texts.render(locale, "report.title_all"), today, None)
    sheet.append([])
    sheet.append([texts.render(locale, "report.indicator"), *(r.cohort.name for r in reports), texts.render(locale, "report.target")])
    for cell in sheet[sheet.max_row]:
        cell.font = _bold()
    sheet.append([texts.render(locale, "report.period"), *(_period(texts, locale, r.cohort) for r in reports)])
    sheet.append([texts.render(locale, "report.alumnae"), *(r.indicators.alumnae for r in reports)])
    for name in SHARES:
        sheet.append([texts.render(locale, f"report.{name}"), *(getattr(r.indicators, name) for r in reports),
                      _target(texts, locale, reports[0].indicators, name)])  # fmt: skip
        for column in range(2, len(reports) + 2):
            sheet.cell(sheet.max_row, column).number_format = "0.0%"
    sheet.column_dimensions["A"].width = 52
    for column in range(2, len(reports) + 3):
        sheet.column_dimensions[_letter(column)].width = 26


def _alumnae(texts: Texts, locale: str, sheet: Worksheet, rows: list[AlumnaRow]) -> None:
    """One row per alumna: headers frozen with filters, widths that fit, words for codes, real dates."""
    sheet.append([texts.render(locale, f"report.column_{c}") for c in COLUMNS])
    for cell in sheet[1]:
        cell.font = _bold()
    for row in rows:
        values = labelled(texts, locale, row)
        sheet.append([values[c] for c in COLUMNS])
        sheet.cell(sheet.max_row, COLUMNS.index("last_activity") + 1).number_format = DATE_FORMAT
    sheet.freeze_panes = "B2"  # her name and the headers stay in view
    sheet.auto_filter.ref = f"A1:{_letter(len(COLUMNS))}{max(sheet.max_row, 1)}"
    for index, column in enumerate(sheet.iter_cols(), 1):
        longest = max((len(DATE_FORMAT) if c.is_date else len(str(c.value)) for c in column if c.value is not None), default=8)
        sheet.column_dimensions[_letter(index)].width = min(max(longest + 2, 10), MAX_WIDTH)


def _bold(size: int | None = None) -> Font:
    from openpyxl.styles import Font

    return Font(bold=True, size=size)


def _left() -> Alignment:
    from openpyxl.styles import Alignment

    return Alignment(horizontal="left")


def _letter(column: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(column))


def _sheet_name(name: str, used: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, and unique in the book."""
    base = "".join(" " if ch in "[]:*?/\\" else ch for ch in name).strip()[:28] or "Angkatan"
    candidate, number = base, 2
    while candidate.casefold() in used:
        candidate, number = f"{base} {number}", number + 1
    used.add(candidate.casefold())
    return candidate


async def report(update: Update, context: EcoachContext) -> None:
    """/laporan [code]: the cohort's indicators as XLSX, for its coaches and the organizers."""
    assert update.effective_user is not None and update.effective_chat is not None
    if not in_private(update):
        await context.reply(update, "coach.member_private")
        return
    admin = is_admin(update, context)
    cohort = None
    if context.args and admin:
        invite = await find_invite(session=context.session, code=context.args[0])
        cohort = invite.cohort if invite else None
    if cohort is None:
        cohort = await coached_cohort(session=context.session, telegram_id=update.effective_user.id)
    if cohort is None:
        await context.reply(update, "report.usage" if admin else "coach.only_coaches")
        return
    now = context.runtime.clock.now()
    reports = [CohortReport(cohort, *await cohort_report(session=context.session, cohort=cohort, now=now))]
    today = local(now, context.runtime.settings.default_timezone).date()
    data = await asyncio.to_thread(to_xlsx, context.runtime.texts, context.locale, reports, today)
    await context.session.commit()
    await context.bot.send_document(
        update.effective_chat.id,
        data,
        filename=report_filename(context.runtime.texts, context.locale, reports, today),
        caption=context.text("report.caption", cohort=cohort.name),
    )
