"""/portofolio (/portfolio): her whole record as one PDF in her language, from a Jinja2 HTML template.

fpdf2 draws it with the DejaVu fonts that matplotlib ships, so Indonesian text renders without any
system library; images are her evidence photos kept under ECOACH_DATA_DIR.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from PIL import Image
from telegram import Update

from bot.kernel.charts import confidence_chart
from bot.kernel.context import EcoachContext
from bot.kernel.guards import not_enrolled, requires_alumna
from bot.kernel.i18n import DOCUMENTS, Texts
from db.models import Person
from db.privacy import PersonalData, personal_data

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png"}


def _fonts() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


@requires_alumna
async def portfolio(update: Update, context: EcoachContext, person: Person) -> None:
    """Her e-portfolio as a PDF document, in her language."""
    data = await personal_data(session=context.session, person=person, now=context.runtime.clock.now())
    if not data.paps:
        await not_enrolled(update, context)
        return
    await context.reply(update, "portfolio.preparing")
    with tempfile.TemporaryDirectory() as workdir:
        pdf = await asyncio.to_thread(
            render_portfolio, context.runtime.texts, context.locale, data, context.runtime.settings.data_dir, Path(workdir)
        )
    assert update.effective_chat is not None
    await context.bot.send_document(
        update.effective_chat.id, pdf, filename=context.text("files.portfolio"), caption=context.text("portfolio.caption")
    )


def render_portfolio(texts: Texts, locale: str, data: PersonalData, data_dir: Path, workdir: Path) -> bytes:
    """Build the PDF. `workdir` takes the chart image for the time of rendering."""
    from fpdf import FPDF

    env = Environment(loader=FileSystemLoader(DOCUMENTS), autoescape=select_autoescape(["html", "j2"]), undefined=StrictUndefined)
    chart = None
    if len(data.reflections) >= 2:
        chart = workdir / "confidence.png"
        labels = [texts.render(locale, "reflection.week_label", monday=r.monday) for r in data.reflections]
        chart.write_bytes(
            confidence_chart(labels, [r.confidence for r in data.reflections], texts.render(locale, "reflection.chart_title"))
        )

    def t(key: str, **values: object) -> str:
        return texts.render(locale, key, **values)

    def image(path: str | None) -> str | None:
        """The file to embed, or None: a broken image is listed as a file instead, never fatal."""
        if not path:
            return None
        full = (data_dir / path).resolve()
        if full.suffix.lower() not in IMAGE_SUFFIXES or not full.is_file():
            return None
        try:
            with Image.open(full) as picture:
                picture.verify()
        except (OSError, SyntaxError, ValueError):  # what Pillow raises for a file that is not the image it claims
            return None
        return str(full)

    html = env.get_template("portfolio.html.j2").render(
        t=t, date=lambda d: texts.format_date(locale, d), data=data, chart=str(chart) if chart else None, image=image
    )
    pdf = FPDF(format="A4")
    fonts = _fonts()
    pdf.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
    pdf.add_font("DejaVu", "I", str(fonts / "DejaVuSans-Oblique.ttf"))
    pdf.add_font("DejaVu", "BI", str(fonts / "DejaVuSans-BoldOblique.ttf"))
    pdf.set_font("DejaVu", size=10)
    pdf.set_title(t("portfolio.title", name=data.person.name))
    pdf.set_author("ecoach")
    pdf.add_page()
    pdf.write_html(html, font_family="DejaVu")
    return bytes(pdf.output())
