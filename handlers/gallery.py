"""/galeri (/gallery): the alumni library of finished projects. Any enrolled alumna or coach searches
it; an alumna publishes her finished PAP, or withdraws it, at any time."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.kernel.callbacks import GalleryAction, GalleryFilter, GalleryOpen, Replicate, ReplicationAnswer, StartReplica
from bot.kernel.context import EcoachContext
from bot.kernel.guards import answer_button, not_enrolled, requires_person
from bot.kernel.notices import notify
from conversations import gallery, replica
from conversations.evidence import send_evidence
from db.enrolment import membership
from db.gallery import (
    Filters,
    agreed_replication_of,
    answer_replication,
    ask_to_replicate,
    entry_by_id,
    entry_of,
    replication_to_start,
    search,
    shown_evidence,
    withdraw,
)
from db.models import GalleryEntry, GalleryTheme, Person, PositionLevel, Role
from db.plans import current_pap, has_begun
from db.schedule import ZONES, local
from db.status import ProjectStatus, standing_of

LEVELS = [
    PositionLevel.PELAKSANA,
    PositionLevel.FUNGSIONAL,
    PositionLevel.PENGAWAS,
    PositionLevel.ADMINISTRATOR,
    PositionLevel.PIMPINAN_TINGGI,
]


async def _enrolled(context: EcoachContext, person: Person) -> bool:
    """An alumna or a coach of some cohort: the library is the alumni network's."""
    for role in (Role.ALUMNI, Role.COACH):
        if await membership(session=context.session, telegram_id=person.telegram_id, role=role) is not None:
            return True
    return False


@requires_person
async def gallery_command(update: Update, context: EcoachContext, person: Person) -> None:
    """/galeri [kata]: the newest projects, or those matching the words; filters under them."""
    if not await _enrolled(context, person):
        await not_enrolled(update, context)
        return
    _state(context).clear()
    _state(context)["q"] = " ".join(context.args or [])
    await _results(update, context, person)


def _state(context: EcoachContext) -> dict[str, str]:
    """Her search and filters: scratch, lost on a restart (the library then shows the newest)."""
    scratch = context.user_data
    assert scratch is not None
    state: dict[str, str] = scratch.setdefault("gallery", {})
    return state


def _toggle(context: EcoachContext, state: dict[str, str], field: str, value: str, label: str) -> InlineKeyboardButton:
    chosen = state.get(field) == value
    return GalleryFilter(field, "" if chosen else value).key(("✅ " if chosen else "") + context.text(label))


def _filters(state: dict[str, str]) -> Filters:
    return Filters(
        theme=GalleryTheme(state["theme"]) if state.get("theme") in set(GalleryTheme) else None,
        level=PositionLevel(state["level"]) if state.get("level") in set(PositionLevel) else None,
        zone=state.get("zone") if state.get("zone") in ZONES else None,
    )


async def _results(update: Update, context: EcoachContext, person: Person) -> None:
    state = _state(context)
    found = await search(session=context.session, query=state.get("q", ""), filters=_filters(state))
    rows = [
        [GalleryOpen(entry.id).key(context.text("gallery.button_open", number=n, title=entry.pap.title[:40]))]
        for n, entry in enumerate(found, 1)
    ]
    rows.append([_toggle(context, state, "theme", t.value, f"choices.gallery_theme_short.{t.value}") for t in GalleryTheme])
    rows.append([_toggle(context, state, "zone", z, f"choices.zone.{z}") for z in ZONES])
    for levels in (LEVELS[:3], LEVELS[3:]):
        rows.append([_toggle(context, state, "level", lv.value, f"choices.level.{lv.value}") for lv in levels])
    mine = await _own_offer(context, person)
    if mine:
        rows.append(mine)
    themes = {entry.id: context.text(f"choices.gallery_theme.{entry.theme.value}") for entry in found}
    searching = any(state.get(key) for key in ("q", "theme", "level", "zone"))
    await context.reply(
        update, "gallery.results", found=found, themes=themes, query=state.get("q", ""), searching=searching,
        reply_markup=InlineKeyboardMarkup(rows),
    )  # fmt: skip


async def _own_offer(context: EcoachContext, person: Person) -> list[InlineKeyboardButton]:
    """Publish her finished PAP, or withdraw it when it is in the library."""
    pap = await current_pap(session=context.session, telegram_id=person.telegram_id)
    if pap is None:
        return []
    if await entry_of(session=context.session, pap=pap) is not None:
        return [GalleryAction("withdraw").key(context.text("gallery.button_withdraw"))]
    today = local(context.runtime.clock.now(), person.timezone).date()
    if (await standing_of(session=context.session, pap=pap, today=today)).status == ProjectStatus.DONE:
        return [GalleryAction("publish").key(context.text("gallery.button_offer_publish"))]
    return []


@requires_person
async def on_filter(update: Update, context: EcoachContext, person: Person) -> None:
    assert update.callback_query is not None
    pressed = GalleryFilter.parse(update.callback_query.data)
    if pressed is None or pressed.field not in ("theme", "level", "zone") or not await _enrolled(context, person):
        await answer_button(update, context.text("input.stale_button"))
        return
    await answer_button(update)
    _state(context)[pressed.field] = pressed.value
    await _results(update, context, person)


@requires_person
async def on_open(update: Update, context: EcoachContext, person: Person) -> None:
    """One project in full, with the evidence she chose to show."""
    assert update.callback_query is not None and update.effective_chat is not None
    pressed = GalleryOpen.parse(update.callback_query.data)
    entry = await entry_by_id(session=context.session, entry_id=pressed.entry_id) if pressed else None
    if entry is None or not await _enrolled(context, person):
        await answer_button(update, context.text("gallery.gone"))
        return
    await answer_button(update)
    markup = None
    if entry.person_id != person.id:
        agreed = await agreed_replication_of(session=context.session, entry=entry, requester=person)
        if agreed is not None and await _may_replace_plan(context, person):
            markup = InlineKeyboardMarkup([[StartReplica(agreed.id).key(context.text("replica.button_start"))]])
        else:
            markup = InlineKeyboardMarkup([[Replicate(entry.id).key(context.text("gallery.button_replicate"))]])
    await send_evidence(context.bot, update.effective_chat.id, await shown_evidence(session=context.session, entry=entry))
    await context.send(update, entry_text(context, entry), markup)  # the text last, with its button under it


def entry_text(context: EcoachContext, entry: GalleryEntry) -> str:
    theme = context.text(f"choices.gallery_theme.{entry.theme.value}")
    values = gallery.preview_values(entry.pap, entry.person, theme=theme, result=entry.result, evidence=len(entry.evidence_ids))
    return context.text("gallery.entry", **{**values, "agency": entry.agency})


@requires_person
async def on_own_action(update: Update, context: EcoachContext, person: Person) -> None:
    """Publish her finished PAP (the flow with its preview), or withdraw it at once."""
    assert update.callback_query is not None
    pressed = GalleryAction.parse(update.callback_query.data)
    pap = await current_pap(session=context.session, telegram_id=person.telegram_id)
    if pressed is None or pap is None:
        await answer_button(update, context.text("input.stale_button"))
        return
    await answer_button(update)
    if pressed.action == "withdraw":
        withdrawn = await withdraw(session=context.session, pap=pap)
        await context.reply(update, "gallery.withdrawn" if withdrawn else "gallery.not_in_gallery", title=pap.title)
        return
    today = local(context.runtime.clock.now(), person.timezone).date()
    if (await standing_of(session=context.session, pap=pap, today=today)).status != ProjectStatus.DONE:
        await context.reply(update, "gallery.not_done")
        return
    await gallery.begin_publish(context, update, pap)


@requires_person
async def on_replicate(update: Update, context: EcoachContext, person: Person) -> None:
    """ "Saya ingin mereplikasi": the author is asked, through the bot, whether she agrees to be contacted."""
    assert update.callback_query is not None
    pressed = Replicate.parse(update.callback_query.data)
    entry = await entry_by_id(session=context.session, entry_id=pressed.entry_id) if pressed else None
    if entry is None or not await _enrolled(context, person):
        await answer_button(update, context.text("gallery.gone"))
        return
    replication = await ask_to_replicate(session=context.session, entry=entry, requester=person, now=context.runtime.clock.now())
    if replication is None:
        await answer_button(update, context.text("gallery.already_asked"), alert=True)
        return
    author = entry.person
    markup = InlineKeyboardMarkup(
        [[ReplicationAnswer(replication.id, 1).key(context.runtime.texts.render(author.locale, "gallery.button_agree")),
          ReplicationAnswer(replication.id, 0).key(context.runtime.texts.render(author.locale, "gallery.button_not_now"))]]
    )  # fmt: skip
    body = context.runtime.texts.render(
        author.locale, "gallery.asked_author", name=person.name, agency=person.agency, title=entry.pap.title
    )
    await notify(context, author.telegram_id, body, markup, about=author.id)
    await context.session.commit()
    await answer_button(update)
    context.mark_chosen(update)
    await context.reply(update, "gallery.asked", title=entry.pap.title)


@requires_person
async def on_replication_answer(update: Update, context: EcoachContext, author: Person) -> None:
    """Her answer: on yes both get each other's contact; on no the other is told kindly."""
    assert update.callback_query is not None
    pressed = ReplicationAnswer.parse(update.callback_query.data)
    now = context.runtime.clock.now()
    replication = await answer_replication(
        session=context.session, replication_id=pressed.replication_id, author=author, agreed=bool(pressed.agreed), now=now
    ) if pressed else None  # fmt: skip
    if pressed is None or replication is None:
        await answer_button(update, context.text("input.stale_button"))
        return
    requester, texts, markup = replication.requester, context.runtime.texts, None
    if pressed.agreed:
        start = await _may_replace_plan(context, requester)
        body = texts.render(
            requester.locale, "gallery.contact", name=author.name, telegram_id=author.telegram_id, agency=author.agency, start=start
        )
        if start:
            markup = InlineKeyboardMarkup([[StartReplica(replication.id).key(texts.render(requester.locale, "replica.button_start"))]])
    else:
        body = texts.render(requester.locale, "gallery.declined", name=author.name)
    await notify(context, requester.telegram_id, body, markup, about=requester.id)
    await context.session.commit()
    await answer_button(update)
    context.mark_chosen(update)
    if pressed.agreed:
        await context.reply(
            update, "gallery.contact", name=requester.name, telegram_id=requester.telegram_id, agency=requester.agency, start=False
        )
    else:
        await context.reply(update, "gallery.not_now")


async def _may_replace_plan(context: EcoachContext, person: Person) -> bool:
    """An alumna whose PAP is not begun yet: a replication may become her PAP."""
    pap = await current_pap(session=context.session, telegram_id=person.telegram_id)
    return pap is not None and not await has_begun(session=context.session, pap=pap)


@requires_person
async def on_start_replica(update: Update, context: EcoachContext, person: Person) -> None:
    """Her draft PAP, pre-filled from the project she agreed with its author to replicate."""
    assert update.callback_query is not None
    pressed = StartReplica.parse(update.callback_query.data)
    replication = (
        await replication_to_start(session=context.session, replication_id=pressed.replication_id, requester=person) if pressed else None
    )
    if replication is None:
        await answer_button(update, context.text("gallery.gone"), alert=True)
        return
    await answer_button(update)
    pap = await current_pap(session=context.session, telegram_id=person.telegram_id)
    if pap is None:  # a coach asked to replicate: she holds no PAP
        await context.reply(update, "replica.alumnae_only")
    elif await has_begun(session=context.session, pap=pap):
        await context.reply(update, "replica.begun", title=pap.title)
    else:
        await replica.begin(context, update, replication, pap)
