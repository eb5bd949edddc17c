"""A small conversation engine whose state lives in the database.

PTB's ConversationHandler keeps its state in memory; a killed process would forget where she was.
Here each conversation is a `Flow` of named `Step`s, and the current step and every answer live in a
`Draft` row that is committed before the next question is sent.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified
from telegram import InlineKeyboardMarkup, Message, Update

from bot.kernel.callbacks import FlowChoice
from bot.kernel.context import EcoachContext
from bot.kernel.guards import answer_button
from bot.kernel.parsing import Invalid, clean_text
from db.drafts import active_draft, open_draft
from db.models import Draft

# What a step answers after a valid input.
DONE = "__done__"  # the draft is removed and the flow's finish() stores the result, in one commit
END = "__end__"  # the step itself removed the draft and said goodbye
STAY = "__stay__"  # ask the same step again (a loop, such as milestones)


@dataclass
class Prompt:
    key: str
    values: dict[str, Any] = field(default_factory=dict)
    buttons: list[list[tuple[str, str]]] = field(default_factory=list)  # rows of (label, value)


@dataclass
class Turn:
    """One action of hers on a draft: what steps read and change."""

    context: EcoachContext
    update: Update
    draft: Draft
    flow: Flow

    @property
    def data(self) -> dict[str, Any]:
        return self.draft.data

    def set(self, key: str, value: Any) -> None:
        self.draft.data[key] = value
        flag_modified(self.draft, "data")

    def pop(self, key: str) -> Any:
        value = self.draft.data.pop(key, None)
        flag_modified(self.draft, "data")
        return value

    @property
    def session(self) -> AsyncSession:
        return self.context.session

    @property
    def now(self) -> datetime:
        return self.context.runtime.clock.now()

    @property
    def telegram_id(self) -> int:
        assert self.update.effective_user is not None
        return self.update.effective_user.id

    def text(self, key: str, **values: Any) -> str:
        return self.context.text(key, **values)


class Step:
    """One question. Subclasses answer `prompt`, and `on_text` and/or `on_choice`."""

    name: str = ""

    async def prompt(self, turn: Turn) -> Prompt:
        raise NotImplementedError

    async def on_text(self, turn: Turn, text: str) -> str | None:
        raise Invalid("input.use_buttons")

    async def on_choice(self, turn: Turn, value: str) -> str | None:
        raise Invalid("input.use_buttons")

    async def on_media(self, turn: Turn, message: Message) -> str | None:
        """A photo, document, sticker or voice note where words were asked for."""
        raise Invalid("input.not_text")


class Flow:
    """An ordered set of steps. `None` from a step means: go on to the next one in order."""

    code: str = ""  # short, for callback data
    keep_on_cancel = False  # /batal pauses it instead of dropping it

    def __init__(self, steps: Sequence[Step]) -> None:
        self.steps = {step.name: step for step in steps}
        self.order = [step.name for step in steps]

    def after(self, turn: Turn, step: str) -> str:
        index = self.order.index(step)
        return self.order[index + 1] if index + 1 < len(self.order) else DONE

    async def finish(self, turn: Turn) -> None:
        """Store the result and say so; the engine removes the draft."""
        raise NotImplementedError


FLOWS: dict[str, Flow] = {}


def register(flow: Flow) -> Flow:
    FLOWS[flow.code] = flow
    return flow


# ----- entry points used by handlers -------------------------------------------------------------


async def start(context: EcoachContext, update: Update, flow: Flow, data: dict[str, Any], *, step: str | None = None) -> None:
    """Begin `flow` for her, replacing an earlier draft of it, and ask the first question."""
    assert update.effective_user is not None
    draft = await open_draft(
        session=context.session,
        telegram_id=update.effective_user.id,
        flow=flow.code,
        step=step or flow.order[0],
        data=data,
        locale=context.locale,
        now=context.runtime.clock.now(),
    )
    await ask(Turn(context, update, draft, flow))


async def ask(turn: Turn, error: str | None = None) -> None:
    """Send the current step's question, after an error line if there is one."""
    prompt = await turn.flow.steps[turn.draft.step].prompt(turn)
    body = turn.text(prompt.key, **prompt.values)
    if error:
        body = f"{error}\n\n{body}"
    markup = None
    if prompt.buttons:
        markup = InlineKeyboardMarkup(
            [[FlowChoice(turn.flow.code, turn.draft.step, value).key(label) for label, value in row] for row in prompt.buttons]
        )
    await turn.context.send(turn.update, body, markup)


async def on_message(update: Update, context: EcoachContext) -> bool:
    """Feed a private message to her active conversation; False when she has none."""
    assert update.effective_user is not None and update.message is not None
    draft = await active_draft(session=context.session, telegram_id=update.effective_user.id)
    if draft is None or draft.flow not in FLOWS:
        return False
    turn = Turn(context, update, draft, FLOWS[draft.flow])
    step = turn.flow.steps[draft.step]
    text = update.message.text
    try:
        outcome = await (step.on_text(turn, text) if text is not None else step.on_media(turn, update.message))
    except Invalid as invalid:
        await ask(turn, error=turn.text(invalid.key, **invalid.values))
        return True
    await advance(turn, outcome)
    return True


async def on_callback(update: Update, context: EcoachContext) -> None:
    """A button of a conversation: only the current step's buttons, of her own draft, count."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    choice = FlowChoice.parse(query.data)
    draft = await active_draft(session=context.session, telegram_id=update.effective_user.id)
    if choice is None or draft is None or (draft.flow, draft.step) != (choice.flow, choice.step) or draft.flow not in FLOWS:
        await answer_button(update, context.text("input.stale_button"))
        return
    turn = Turn(context, update, draft, FLOWS[draft.flow])
    try:
        outcome = await turn.flow.steps[draft.step].on_choice(turn, choice.value)
    except Invalid as invalid:
        await answer_button(update)
        await ask(turn, error=turn.text(invalid.key, **invalid.values))
        return
    target = _move(turn, outcome)
    # The answer and the step it leads to are stored in one commit before anything is shown: after a
    # crash, the redelivered press finds the update unfinished and asks that step again.
    await context.session.commit()
    await answer_button(update)
    context.mark_chosen(update)
    await _arrive(turn, target)


async def advance(turn: Turn, outcome: str | None) -> None:
    """Move to the step the answer leads to, and ask it."""
    await _arrive(turn, _move(turn, outcome))


def _move(turn: Turn, outcome: str | None) -> str:
    """The step the answer leads to (or DONE, END), set on the draft when it is a step."""
    if outcome == STAY:
        outcome = turn.draft.step
    elif outcome is None:
        outcome = turn.flow.after(turn, turn.draft.step)
    if outcome not in (DONE, END):
        turn.draft.step = outcome
        turn.draft.updated_at = turn.now
    return outcome


async def _arrive(turn: Turn, target: str) -> None:
    """Ask the step `_move` set, or finish the flow."""
    if target == END:
        return
    if target == DONE:
        await turn.session.delete(turn.draft)
        await turn.flow.finish(turn)  # its reply commits the deletion and the result together
        return
    await ask(turn)


async def reprompt(update: Update, context: EcoachContext) -> bool:
    """Ask her current question again (after a crash, /start, or a redelivered update)."""
    if update.effective_user is None:
        return False
    draft = await active_draft(session=context.session, telegram_id=update.effective_user.id)
    if draft is None or draft.flow not in FLOWS:
        return False
    await ask(Turn(context, update, draft, FLOWS[draft.flow]))
    return True


# ----- reusable steps ----------------------------------------------------------------------------


class TextStep(Step):
    """Free text, stored verbatim, with a length limit."""

    def __init__(
        self,
        name: str,
        *,
        key: str,
        limit: int,
        store: str | None = None,
        after: Callable[[Turn, str], Awaitable[str | None]] | None = None,
        shows: tuple[str, ...] = (),
    ) -> None:
        self.name, self.key, self.limit, self.store = name, key, limit, store or name
        self._after = after
        self.shows = shows  # earlier answers the question names (absent ones are None)

    async def prompt(self, turn: Turn) -> Prompt:
        current = turn.data.get(self.store)
        return Prompt(self.key, {"current": current, "limit": self.limit, **{name: turn.data.get(name) for name in self.shows}})

    async def on_text(self, turn: Turn, text: str) -> str | None:
        value = clean_text(text, self.limit)
        turn.set(self.store, value)
        return await self._after(turn, value) if self._after else None


class OptionalTextStep(TextStep):
    """Free text she may leave out with a Skip button."""

    async def prompt(self, turn: Turn) -> Prompt:
        prompt = await super().prompt(turn)
        prompt.buttons = [[(turn.text("input.skip"), "skip")]]
        return prompt

    async def on_choice(self, turn: Turn, value: str) -> str | None:
        if value != "skip":
            raise Invalid("input.use_buttons")
        turn.set(self.store, None)
        return None


class ChoiceStep(Step):
    """Buttons; typing a button's label also works."""

    def __init__(self, name: str, *, key: str, options: Sequence[str], labels: str, per_row: int = 2, store: str | None = None) -> None:
        self.name, self.key, self.options, self.labels, self.per_row = name, key, list(options), labels, per_row
        self.store = store or name

    def label(self, turn: Turn, value: str) -> str:
        return turn.text(f"{self.labels}.{value}")

    async def prompt(self, turn: Turn) -> Prompt:
        buttons = [(self.label(turn, option), option) for option in self.options]
        rows = [buttons[i : i + self.per_row] for i in range(0, len(buttons), self.per_row)]
        return Prompt(self.key, {"current": turn.data.get(self.store)}, rows)

    async def on_text(self, turn: Turn, text: str) -> str | None:
        typed = text.strip().casefold()
        for option in self.options:
            if self.label(turn, option).casefold() == typed:
                return await self.on_choice(turn, option)
        raise Invalid("input.use_buttons")

    async def on_choice(self, turn: Turn, value: str) -> str | None:
        if value not in self.options:
            raise Invalid("input.use_buttons")
        turn.set(self.store, value)
        return None
