"""The organizers' report: /laporan (/report) in the chat, and the files behind it and `ecoach report`:
XLSX (a summary sheet with a chart, and one row per alumna), CSV or JSON."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from dataclasses import asdict, fields
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font
from telegram import Update

from bot.kernel.context import EcoachContext
from bot.kernel.guards import in_private, is_admin
from bot.kernel.i18n import Texts
from db.cells import csv_cell, looks_like_formula
from db.coaching import coached_cohort
from db.cohorts import find_invite
from db.models import Cohort
from db.report import LABELLED, AlumnaRow, Indicators, cohort_report, report_dict

SHARES = ("promoted_or_assigned", "pap_implementation", "checkin_response", "forum_participation", "cop_engagement", "active_30_days")


def to_json(cohort: Cohort, indicators: Indicators, rows: list[AlumnaRow]) -> bytes:
    return json.dumps(report_dict(cohort, indicators, rows), ensure_ascii=False, indent=2).encode()


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


def to_csv(texts: Texts, locale: str, rows: list[AlumnaRow]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=[f.name for f in fields(AlumnaRow)])
    writer.writeheader()
    for row in rows:
        writer.writerow({name: csv_cell(value) for name, value in labelled(texts, locale, row).items()})
    return buffer.getvalue().encode("utf-8-sig")  # the BOM lets spreadsheet programs read Indonesian text right


def to_xlsx(texts: Texts, locale: str, cohort: Cohort, indicators: Indicators, rows: list[AlumnaRow]) -> bytes:
    book = Workbook()
    summary = book.active
    summary.title = texts.render(locale, "report.sheet_summary")
    summary.append([texts.render(locale, "report.title", cohort=cohort.name)])
    summary["A1"].font = Font(bold=True, size=13)
    summary.append([texts.render(locale, "report.alumnae"), indicators.alumnae])
    summary.append([])
    summary.append([texts.render(locale, "report.indicator"), texts.render(locale, "report.value"), texts.render(locale, "report.target")])
    first = summary.max_row + 1
    for name in SHARES:
        target = indicators.promoted_target if name == "promoted_or_assigned" else ""
        summary.append([texts.render(locale, f"report.{name}"), getattr(indicators, name), target])
        summary.cell(summary.max_row, 2).number_format = "0.0%"
    last = summary.max_row
    summary.append([texts.render(locale, "report.quiz_answers"), indicators.quiz_answers])
    summary.append([])
    summary.append([texts.render(locale, "report.perception")])
    for question, average in indicators.perception.items():
        summary.append([texts.render(locale, f"rater.label_{question}"), average])
    summary.column_dimensions["A"].width = 48
    chart = BarChart()
    chart.type = "bar"
    chart.title = texts.render(locale, "report.chart_title")
    chart.y_axis.number_format = "0%"
    chart.y_axis.scaling.min, chart.y_axis.scaling.max = 0, 1
    chart.add_data(Reference(summary, min_col=2, min_row=first - 1, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(summary, min_col=1, min_row=first, max_row=last))
    chart.legend = None
    chart.width, chart.height = 18, 9
    summary.add_chart(chart, "E4")

    sheet = book.create_sheet(texts.render(locale, "report.sheet_alumnae"))
    sheet.append([texts.render(locale, f"report.column_{f.name}") for f in fields(AlumnaRow)])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(labelled(texts, locale, row).values()))
    for cell in (cell for page in book.worksheets for line in page.iter_rows() for cell in line):
        if looks_like_formula(cell.value):
            cell.data_type = "s"  # openpyxl took it for a formula: it is her text
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


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
    indicators, rows = await cohort_report(session=context.session, cohort=cohort, now=context.runtime.clock.now())
    data = await asyncio.to_thread(to_xlsx, context.runtime.texts, context.locale, cohort, indicators, rows)
    await context.session.commit()
    await context.bot.send_document(
        update.effective_chat.id,
        data,
        filename=context.text("files.report", cohort=cohort.id),
        caption=context.text("report.caption", cohort=cohort.name),
    )
