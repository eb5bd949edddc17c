"""The class list an organizer uploads (XLSX or CSV), checked row by row, and the list she prints back:
one personal invite link per participant, with its QR code, as XLSX and as an A4 PDF."""

from __future__ import annotations

import contextlib
import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import segno

from bot.kernel.i18n import Texts
from bot.kernel.parsing import Invalid, read_nip
from db.cohorts import invite_link
from db.roster import Participant, RosterLine

MAX_UPLOAD = 512 * 1024  # a class of 2,000 is ~200 KB as CSV; the preview carries the file back once
MAX_ROWS = 2000
LIMITS = {"name": 200, "agency": 200, "work_unit": 200, "email": 200, "phone": 40}
HEADERS = {  # column -> the headings people give it, compared without case, spaces or punctuation
    "name": ("nama", "namalengkap", "name", "fullname"),
    "nip": ("nip",),
    "agency": ("instansi", "agency", "opd"),
    "work_unit": ("unitkerja", "workunit", "unit"),
    "email": ("email", "surel"),
    "phone": ("telepon", "telp", "nohp", "nomorhp", "hp", "phone", "wa", "nowa"),
}
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class RosterUnreadable(ValueError):
    """The file is no class list: its message is a text key."""


@dataclass
class RosterRow:
    line: int  # as the organizer sees it in her spreadsheet: the heading is line 1
    values: dict[str, str]
    errors: list[str] = field(default_factory=list)  # text keys, web.roster_error_*

    @property
    def participant(self) -> Participant | None:
        if self.errors:
            return None
        other = {column: self.values.get(column) or None for column in ("nip", "agency", "work_unit", "email", "phone")}
        return Participant(name=self.values["name"], **other)


def _key(heading: object) -> str:
    return re.sub(r"[^a-z]", "", str(heading or "").lower())


def read_table(filename: str, data: bytes) -> list[list[object]]:
    """The first sheet of an XLSX, or a CSV (comma, semicolon or tab; UTF-8 or Windows-1252), as rows."""
    if len(data) > MAX_UPLOAD:
        raise RosterUnreadable("web.roster_too_big")
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook  # on first use, as for the files it writes (below)

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # noqa: BLE001  # openpyxl raises many kinds for a file that is not a workbook
            raise RosterUnreadable("web.roster_unreadable") from None
        sheet = book.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    if filename.lower().endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
        dialect: type[csv.Dialect] = csv.excel  # one column: the default dialect reads it
        with contextlib.suppress(csv.Error):
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        return [list(row) for row in csv.reader(io.StringIO(text), dialect)]
    raise RosterUnreadable("web.roster_wrong_type")


def check_roster(table: list[list[object]], on_roster: set[str]) -> list[RosterRow]:
    """Every data row with its values and what is wrong with it. `on_roster`: NIPs the cohort has."""
    if not table:
        raise RosterUnreadable("web.roster_empty")
    columns = {}
    for index, heading in enumerate(table[0]):
        for column, names in HEADERS.items():
            if _key(heading) in names and column not in columns:
                columns[column] = index
    if "name" not in columns:
        raise RosterUnreadable("web.roster_no_name")
    body = [(number, row) for number, row in enumerate(table[1:], start=2) if any(str(cell or "").strip() for cell in row)]
    if len(body) > MAX_ROWS:
        raise RosterUnreadable("web.roster_too_many")
    rows, seen = [], set()
    for number, cells in body:
        raw = {column: cells[index] if index < len(cells) else None for column, index in columns.items()}
        values = {column: " ".join(str(value).split()) if value is not None else "" for column, value in raw.items()}
        row = RosterRow(number, values)
        if not values["name"]:
            row.errors.append("web.roster_error_no_name")
        for column, limit in LIMITS.items():
            if len(values.get(column, "")) > limit:
                row.errors.append("web.roster_error_too_long")
                break
        if isinstance(raw.get("nip"), int | float):  # Excel kept it as a number: its last digits are already lost
            row.errors.append("web.roster_error_nip_number")
        elif values.get("nip"):
            try:
                values["nip"] = read_nip(values["nip"])
            except Invalid:
                row.errors.append("web.roster_error_bad_nip")
            else:
                if values["nip"] in seen:
                    row.errors.append("web.roster_error_duplicate_nip")
                elif values["nip"] in on_roster:
                    row.errors.append("web.roster_error_nip_on_roster")
                seen.add(values["nip"])
        if values.get("email") and not EMAIL.fullmatch(values["email"]):
            row.errors.append("web.roster_error_email")
        rows.append(row)
    return rows


def qr_png(url: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=4, border=2)
    return buffer.getvalue()


def qr_svg(url: str) -> str:
    """An inline SVG, for the printable invite page: sharp at any size, no image request."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", border=2, xmldecl=False, svgns=True, nl=False, omitsize=True)
    return buffer.getvalue().decode()


def roster_xlsx(texts: Texts, locale: str, cohort_name: str, lines: list[RosterLine], username: str) -> bytes:
    """One row per participant: her details, her personal link, whether she joined, and the link's QR."""
    from openpyxl import Workbook  # on first use: openpyxl and fpdf2 cost every process ~60 MiB at start-up
    from openpyxl.drawing.image import Image as SheetImage
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = str(texts.render(locale, "web.roster_sheet"))[:31]
    headings = ["col_name", "col_nip", "col_agency", "work_unit", "email", "phone", "roster_link", "roster_joined", "roster_qr"]
    sheet.append([str(texts.render(locale, f"web.{h}")) for h in headings])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for number, line in enumerate(lines, start=2):
        entry, link = line.entry, invite_link(username, line.entry.code)
        joined = texts.render(locale, "web.roster_yes" if line.joined else "web.roster_no")
        details = [entry.nip, entry.agency, entry.work_unit, entry.email, entry.phone]
        sheet.append([entry.name, *(value or "" for value in details), link, str(joined)])
        sheet.cell(number, 2).number_format = "@"  # text: 18 digits would lose their tail as a number
        image = SheetImage(io.BytesIO(qr_png(link)))
        image.width = image.height = 90
        sheet.add_image(image, f"I{number}")
        sheet.row_dimensions[number].height = 70
    for letter, width in zip("ABCDEFGHI", (32, 20, 30, 24, 26, 16, 46, 12, 14), strict=True):
        sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def roster_pdf(texts: Texts, locale: str, cohort_name: str, lines: list[RosterLine], username: str, today: date) -> bytes:
    """A4, six participants a page: name, NIP, agency, her link and its QR code, to hand out in class."""
    import matplotlib  # on first use, as for the workbook
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"  # DejaVu: every name's letters, as in the e-portfolio
    pdf.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
    per_page, height = 6, 45
    for index, line in enumerate(lines):
        if index % per_page == 0:
            pdf.add_page()
            pdf.set_font("DejaVu", "B", 13)
            pdf.cell(0, 8, (f"{cohort_name} · {texts.format_date(locale, today)}"), new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("DejaVu", size=10)
        top = 20 + (index % per_page) * height
        entry, link = line.entry, invite_link(username, line.entry.code)
        pdf.image(io.BytesIO(qr_png(link)), x=12, y=top, w=38, h=38)
        pdf.set_xy(56, top + 2)
        pdf.set_font("DejaVu", "B", 12)
        pdf.multi_cell(140, 6, (entry.name), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", size=10)
        for text in (f"NIP {entry.nip}" if entry.nip else "", entry.agency or "", link):
            if text:
                pdf.set_x(56)
                pdf.multi_cell(140, 5, (text), new_x="LMARGIN", new_y="NEXT")
        pdf.line(10, top + height - 3, 200, top + height - 3)
    if not lines:
        pdf.add_page()
    return bytes(pdf.output())
