"""The organizers' report as XLSX (a summary sheet with a chart, and one row per alumna), CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, fields

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font

from bot.kernel.i18n import Texts
from db.models import Cohort
from db.report import AlumnaRow, Indicators, report_dict

SHARES = ("promoted_or_assigned", "pap_implementation", "checkin_response", "forum_participation", "cop_engagement", "active_30_days")


def to_json(cohort: Cohort, indicators: Indicators, rows: list[AlumnaRow]) -> bytes:
    return json.dumps(report_dict(cohort, indicators, rows), ensure_ascii=False, indent=2).encode()


def to_csv(rows: list[AlumnaRow]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=[f.name for f in fields(AlumnaRow)])
    writer.writeheader()
    for row in rows:
        writer.writerow(asdict(row))
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
        sheet.append(list(asdict(row).values()))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
