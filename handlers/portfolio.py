"""/portofolio (/portfolio): her whole record as one PDF in her language, from a Jinja2 HTML template.

fpdf2 draws it with the DejaVu fonts that matplotlib ships, so Indonesian text renders without any
system library; images are her evidence photos kept under ECOACH_DATA_DIR.
"""

from __future__ import annotations

import asyncio
import logging
import re
import tempfile
import unicodedata
from pathlib import Path

from arabic_reshaper import ArabicReshaper
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from PIL import Image
from telegram import InlineKeyboardMarkup, Update

from bot.kernel.callbacks import PortfolioChoice
from bot.kernel.charts import confidence_chart
from bot.kernel.context import EcoachContext
from bot.kernel.guards import answer_button, not_enrolled, requires_alumna
from bot.kernel.i18n import DOCUMENTS, Texts, without_icon
from db.logbook import coaches_of
from db.models import Person
from db.privacy import PersonalData, personal_data
from db.schedule import add_months

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png"}
KEEP_WITH_HEADING = 45  # mm: a heading starts a new page unless its first lines fit under it


# fpdf2 lays right-to-left text out in order in HTML, but joins Arabic letters only in cell() and
# multi_cell() (its HarfBuzz shaping skips write_html): each letter gets its joined form here, and its
# vowel marks stay.
JOINED_ARABIC = ArabicReshaper(configuration={"delete_harakat": False})


def _fonts() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


@requires_alumna
async def portfolio(update: Update, context: EcoachContext, person: Person) -> None:
    """Her e-portfolio as a PDF, in her language; private reflections and coaching notes only when she
    asks for them."""
    data = await personal_data(session=context.session, person=person, now=context.runtime.clock.now())
    if not data.paps:
        await not_enrolled(update, context)
        return
    if any(not r.shared for r in data.reflections) or any(b.noted_at for b in data.sessions):
        choices = InlineKeyboardMarkup(
            [[PortfolioChoice(0).key(context.text("portfolio.button_without_private"))],
             [PortfolioChoice(1).key(context.text("portfolio.button_with_private"))]]
        )  # fmt: skip
        await context.reply(update, "portfolio.ask_private", reply_markup=choices)
        return
    await _send(update, context, data, private=False)


@requires_alumna
async def on_portfolio_choice(update: Update, context: EcoachContext, person: Person) -> None:
    pressed = PortfolioChoice.parse(update.callback_query.data if update.callback_query else None)
    data = await personal_data(session=context.session, person=person, now=context.runtime.clock.now())
    if pressed is None or not data.paps:
        await answer_button(update, context.text("input.stale_button"))
        return
    await answer_button(update)
    await _send(update, context, data, private=bool(pressed.private))


async def _send(update: Update, context: EcoachContext, data: PersonalData, *, private: bool) -> None:
    await context.reply(update, "portfolio.preparing")
    cohort = data.paps[-1].cohort
    coaches = [c.name for c in await coaches_of(session=context.session, cohort_id=cohort.id)]
    with tempfile.TemporaryDirectory() as workdir:
        pdf = await asyncio.to_thread(
            render_portfolio, context.runtime.texts, context.locale, data, context.runtime.settings.data_dir, Path(workdir),
            private=private, coaches=coaches,
        )  # fmt: skip
    assert update.effective_chat is not None
    await context.bot.send_document(
        update.effective_chat.id, pdf, filename=context.text("files.portfolio"), caption=context.text("portfolio.caption")
    )


def render_portfolio(
    texts: Texts, locale: str, data: PersonalData, data_dir: Path, workdir: Path, *, private: bool = False, coaches: list[str] | None = None
) -> bytes:
    """Build the PDF. `workdir` takes the chart image for the time of rendering."""
    from fontTools.ttLib import TTFont
    from fpdf import FPDF

    logging.getLogger("fontTools").setLevel(logging.WARNING)  # else 149 INFO lines per portfolio in the bot's log
    reflections = [r for r in data.reflections if r.shared or private]
    env = Environment(loader=FileSystemLoader(DOCUMENTS), autoescape=select_autoescape(["html", "j2"]), undefined=StrictUndefined)
    chart = None
    if len(reflections) >= 2:
        chart = workdir / "confidence.png"
        labels = [texts.render(locale, "reflection.week_label", monday=r.monday) for r in reflections]
        chart.write_bytes(confidence_chart(labels, [r.confidence for r in reflections], texts.render(locale, "reflection.chart_title")))

    def t(key: str, **values: object) -> str:
        return texts.render(locale, key, **values)

    def label(key: str) -> str:
        """A choice's words without its leading icon: the words carry the meaning on paper."""
        return without_icon(str(texts.render(locale, key)))

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

    cohort = data.paps[-1].cohort if data.paps else None
    html = env.get_template("portfolio.html.j2").render(
        t=t, label=label, date=lambda d: texts.format_date(locale, d), data=data, reflections=reflections,
        chart=str(chart) if chart else None, image=image, coaches=coaches or [], cohort=cohort,
        sessions=[b for b in data.sessions if b.noted_at] if private else [],
        period_end=add_months(cohort.training_end, cohort.monitoring_months) if cohort else None,
    )  # fmt: skip
    html = JOINED_ARABIC.reshape(html)
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
    glyphs = set(TTFont(str(fonts / "DejaVuSans.ttf")).getBestCmap())
    for section in re.split(r"(?=<h2>)", html):  # one section at a time: a heading never ends a page alone
        if section.startswith("<h2>") and pdf.will_page_break(KEEP_WITH_HEADING):
            pdf.add_page()
        pdf.write_html(in_words(section, glyphs), font_family="DejaVu")
    return bytes(pdf.output())


def in_words(text: str, glyphs: set[int]) -> str:
    """Each character the font cannot draw (an emoji she typed) becomes its name in brackets, never dropped."""

    def word(match: re.Match[str]) -> str:
        character = match.group()
        if ord(character) in glyphs:
            return character
        if character in "\ufe0f\u200d" or 0x1F1E6 <= ord(character) <= 0x1F1FF or 0x1F3FB <= ord(character) <= 0x1F3FF:
            return ""  # joiners, variation selectors, flag letters, skin tones: parts of one emoji
        return f"({unicodedata.name(character, 'simbol').lower()})"

    return re.sub(r"[^\x00-\u1fff]", word, text)
