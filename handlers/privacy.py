"""/portofolio, /data_saya, /hapus_data, /privasi, and the organizers' /laporan."""

from __future__ import annotations

import asyncio
import io
import json
import shutil
import tempfile
import zipfile
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType

from bot.kernel.context import EcoachContext
from bot.portfolio import render_portfolio
from bot.report_files import to_xlsx
from db.coaching import coached_cohort
from db.cohorts import find_invite
from db.people import person_by_telegram_id
from db.privacy import delete_personal_data, export_dict, personal_data, withdraw_consent
from db.report import cohort_report
from handlers.plan import not_enrolled


async def _person(update: Update, context: EcoachContext):  # type: ignore[no-untyped-def]
    assert update.effective_user is not None
    person = await person_by_telegram_id(session=context.session, telegram_id=update.effective_user.id)
    if person is None:
        await not_enrolled(update, context)
    return person


async def portfolio(update: Update, context: EcoachContext) -> None:
    """Her e-portfolio as a PDF document, in her language."""
    person = await _person(update, context)
    if person is None:
        return
    data = await personal_data(session=context.session, person=person)
    if not data.paps:
        await not_enrolled(update, context)
        return
    await context.reply(update, "portfolio.preparing")
    with tempfile.TemporaryDirectory() as workdir:
        pdf = await asyncio.to_thread(render_portfolio, context.runtime.texts, context.locale, data, context.runtime.settings.data_dir, Path(workdir))
    assert update.effective_chat is not None
    await context.bot.send_document(update.effective_chat.id, pdf, filename="e-portofolio.pdf", caption=context.text("portfolio.caption"))


async def my_data(update: Update, context: EcoachContext) -> None:
    """A ZIP with all her personal data as JSON, and her evidence files."""
    person = await _person(update, context)
    if person is None:
        return
    data = await personal_data(session=context.session, person=person)
    data_dir = context.runtime.settings.data_dir

    def build() -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("data.json", json.dumps(export_dict(data), ensure_ascii=False, indent=2))
            for entry in data.entries:
                for item in entry.evidence:
                    if item.local_path and (data_dir / item.local_path).is_file():
                        archive.write(data_dir / item.local_path, item.local_path)
        return buffer.getvalue()

    archive = await asyncio.to_thread(build)
    await context.session.commit()
    assert update.effective_chat is not None
    await context.bot.send_document(update.effective_chat.id, archive, filename="data-saya.zip", caption=context.text("privacy.export_caption"))


async def delete_data(update: Update, context: EcoachContext) -> None:
    """Ask first, naming what will be lost."""
    person = await _person(update, context)
    if person is None:
        return
    data = await personal_data(session=context.session, person=person)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(context.text("privacy.delete_confirm_button"), callback_data="pv|delete_confirmed")]])
    await context.reply(
        update, "privacy.delete_confirm", entries=len(data.entries), reflections=len(data.reflections),
        evidence=sum(len(e.evidence) for e in data.entries), checkins=sum(1 for c in data.checkins if c.answered_at), reply_markup=markup,
    )


async def privacy(update: Update, context: EcoachContext) -> None:
    """What is stored and who sees it, with export, deletion, and consent withdrawal or renewal."""
    person = await _person(update, context)
    if person is None:
        return
    consenting = person.consent_at is not None
    rows = [
        [InlineKeyboardButton(context.text("privacy.button_export"), callback_data="pv|export")],
        [InlineKeyboardButton(context.text("privacy.button_delete"), callback_data="pv|delete")],
        [InlineKeyboardButton(context.text("privacy.button_withdraw" if consenting else "privacy.button_consent"), callback_data="pv|withdraw" if consenting else "pv|consent")],
    ]
    await context.reply(update, "privacy.overview", consenting=consenting, reply_markup=InlineKeyboardMarkup(rows))


async def on_privacy_button(update: Update, context: EcoachContext) -> None:
    query = update.callback_query
    assert query is not None
    action = (query.data or "").partition("|")[2]
    await query.answer()
    if action == "export":
        await my_data(update, context)
    elif action == "delete":
        await delete_data(update, context)
    elif action in ("delete_confirmed", "withdraw", "consent"):
        person = await _person(update, context)
        if person is None:
            return
        now = context.runtime.clock.now()
        if action == "delete_confirmed":
            paths = await delete_personal_data(session=context.session, person=person, now=now)
            await context.reply(update, "privacy.deleted")
            data_dir = context.runtime.settings.data_dir
            for path in paths:
                (data_dir / path).unlink(missing_ok=True)
            shutil.rmtree(data_dir / "evidence" / str(person.id), ignore_errors=True)
        elif action == "withdraw":
            await withdraw_consent(session=context.session, person=person, now=now)
            await context.reply(update, "privacy.withdrawn")
        else:
            person.consent_at = now
            await context.reply(update, "privacy.consented")
    else:
        await query.answer(context.text("input.stale_button"))


async def report(update: Update, context: EcoachContext) -> None:
    """/laporan [code]: the cohort's indicators as XLSX, for its coaches and the organizers."""
    assert update.effective_user is not None and update.effective_chat is not None
    if update.effective_chat.type != ChatType.PRIVATE:
        await context.reply(update, "coach.member_private")
        return
    admin = update.effective_user.id in context.runtime.settings.admin_ids
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
    await context.bot.send_document(update.effective_chat.id, data, filename=f"laporan-{cohort.id}.xlsx", caption=context.text("report.caption", cohort=cohort.name))
