"""Her personal data under UU 27/2022: /privasi (/privacy), /data_saya (/mydata), /hapus_data (/deletedata)."""

from __future__ import annotations

import asyncio
import io
import json
import shutil
import zipfile

from telegram import InlineKeyboardMarkup, Update

from bot.kernel.callbacks import PrivacyAction
from bot.kernel.context import EcoachContext
from bot.kernel.guards import answer_button, requires_person
from db.forum import set_counting
from db.models import Person
from db.privacy import clear_deleted, delete_personal_data, export_dict, personal_data, withdraw_consent


@requires_person
async def my_data(update: Update, context: EcoachContext, person: Person) -> None:
    await _export(update, context, person)


@requires_person
async def delete_data(update: Update, context: EcoachContext, person: Person) -> None:
    await _ask_delete(update, context, person)


async def _export(update: Update, context: EcoachContext, person: Person) -> None:
    """A ZIP with all her personal data as JSON, and her evidence files."""
    data = await personal_data(session=context.session, person=person, now=context.runtime.clock.now())
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
    await context.bot.send_document(
        update.effective_chat.id, archive, filename=context.text("files.my_data"), caption=context.text("privacy.export_caption")
    )


async def _ask_delete(update: Update, context: EcoachContext, person: Person) -> None:
    """Ask first, naming what will be lost."""
    data = await personal_data(session=context.session, person=person, now=context.runtime.clock.now())
    markup = InlineKeyboardMarkup(
        [[PrivacyAction("delete_confirmed").key(context.text("privacy.delete_confirm_button"))],
         [PrivacyAction("cancel").key(context.text("input.button_cancel"))]]
    )  # fmt: skip
    await context.reply(
        update,
        "privacy.delete_confirm",
        entries=len(data.entries),
        reflections=len(data.reflections),
        evidence=sum(len(e.evidence) for e in data.entries),
        checkins=sum(1 for c in data.checkins if c.answered_at),
        reply_markup=markup,
    )


@requires_person
async def privacy(update: Update, context: EcoachContext, person: Person) -> None:
    """What is stored and who sees it, with export, deletion, and consent withdrawal or renewal."""
    consenting, counted = person.consent_at is not None, person.forum_counted_since is not None
    rows = [
        [PrivacyAction("forum_off" if counted else "forum_on").key(context.text(f"privacy.button_forum_{'off' if counted else 'on'}"))],
        [PrivacyAction("export").key(context.text("privacy.button_export"))],
        [PrivacyAction("delete").key(context.text("privacy.button_delete"))],
        [
            PrivacyAction("withdraw" if consenting else "consent").key(
                context.text("privacy.button_withdraw" if consenting else "privacy.button_consent")
            )
        ],
    ]
    await context.reply(update, "privacy.overview", consenting=consenting, counted=counted, reply_markup=InlineKeyboardMarkup(rows))


@requires_person
async def on_privacy_button(update: Update, context: EcoachContext, person: Person) -> None:
    pressed = PrivacyAction.parse(update.callback_query.data if update.callback_query else None)
    if pressed is None:
        await answer_button(update, context.text("input.stale_button"))
        return
    await answer_button(update)
    action = pressed.action
    now = context.runtime.clock.now()
    if action == "export":
        await _export(update, context, person)
    elif action == "delete":
        await _ask_delete(update, context, person)
    elif action == "delete_confirmed":
        paths = await delete_personal_data(session=context.session, person=person, now=now)
        await context.reply(update, "privacy.deleted")
        data_dir = context.runtime.settings.data_dir
        for path in paths:
            (data_dir / path).unlink(missing_ok=True)
        shutil.rmtree(data_dir / "evidence" / str(person.id), ignore_errors=True)
        assert context.runtime.engine is not None
        await clear_deleted(context.runtime.engine)
    elif action == "cancel":
        await context.reply(update, "privacy.delete_cancelled")
    elif action == "withdraw":
        await withdraw_consent(session=context.session, person=person, now=now)
        await context.reply(update, "privacy.withdrawn")
    elif action == "consent":
        person.consent_at = now
        await context.reply(update, "privacy.consented")
    elif action in ("forum_on", "forum_off"):
        await set_counting(session=context.session, person=person, on=action == "forum_on", now=now)
        await context.reply(update, f"privacy.{action}")
