"""`ecoach shell`: the whole bot in a terminal, against the loopback Bot API double. No token, no network.

The real Application runs in this process against the double over loopback HTTP, with a temporary
SQLite database and a demo cohort. The person at the keyboard plays an alumna (or, with
`--as coach`, the demo coach in the demo coaching group). Inline buttons are numbered; typing the
number presses one. `--script FILE` replays a transcript and fails when an expected reply is missing.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import mimetypes
import re
import shutil
import sys
import tempfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from telegram import Update

from bot.app import EcoachApplication, build_application, post_init, post_shutdown
from bot.kernel import commands
from bot.kernel.clock import ShiftedClock
from bot.kernel.settings import load_settings
from bot.kernel.storage import make_private
from bot.scheduler import run_all_sweeps
from db.engine import create_engine, session_factory
from db.migrate import upgrade
from db.models import InboxStatus, InboxUpdate, Notice, SendStatus
from devtools.demo import seed_demo_cohort
from devtools.double import BotApiDouble, DoubleServer, FakeUser, Sent

TOKEN = "4242:DEMO-" + "d" * 30
ALUMNA_ID, COACH_ID, GROUP_ID = 424242, 777001, -1009990001
ALUMNI_CODE, COACH_CODE = "DEMO-ALUMNI", "DEMO-COACH"
ZONE = "Asia/Jakarta"
EXPECT_TIMEOUT = 15.0
_DURATION = re.compile(r"^(\d+)\s*([a-z]+)$")
# What a coach types in the coaching group; everything else goes to her private chat with the bot.
GROUP_COMMANDS = {name for c in (commands.LINK, commands.STALLED, commands.SUMMARY, commands.NUDGE, commands.NOTICES) for name in c.names}
_UNITS = {
    **dict.fromkeys(("m", "menit", "min", "minute", "minutes"), "minutes"),
    **dict.fromkeys(("h", "jam", "hour", "hours"), "hours"),
    **dict.fromkeys(("d", "hari", "day", "days"), "days"),
    **dict.fromkeys(("w", "minggu", "pekan", "week", "weeks"), "weeks"),
    **dict.fromkeys(("bulan", "month", "months"), "months"),
}
_TODAY = re.compile(r"\{today([+-]\d+)d\}")


class ScriptFailed(Exception):
    """An expected reply did not come."""


def parse_duration(text: str) -> timedelta:
    """'7d', '2 minggu', '1 bulan', '3 hari', '5 jam': a month is 30 days."""
    match = _DURATION.match(text.strip().lower())
    unit = _UNITS.get(match.group(2)) if match else None
    if match is None or unit is None:
        raise ValueError("tulis angka dan satuannya, misalnya :maju 3 hari, :maju 2 minggu, atau :maju 1 bulan")
    amount = int(match.group(1))
    return timedelta(days=30 * amount) if unit == "months" else timedelta(**{unit: amount})


class Playground:
    """The double, the bot and the demo data, wired together for one terminal session."""

    def __init__(self, out: TextIO, role: str = "alumna", base: Path | None = None, files: Path | None = None, keep: bool = False) -> None:
        self.out = out
        self.role = role
        self.base = base or Path.cwd()  # relative /foto and /dokumen paths start here
        self.files = files or Path.cwd() / "ecoach-shell-output"  # every photo and document the bot sends lands here
        self.saved = 0
        self.keep = keep
        self.in_private = False  # a coach's free text goes to the group unless she switched with :pribadi
        self.folder = Path(tempfile.mkdtemp(prefix="ecoach-shell-"))
        start = datetime.combine(date.today(), time(10, 0), tzinfo=ZoneInfo(ZONE))  # a weekday morning feel
        self.clock = ShiftedClock(start)
        self.double = BotApiDouble(TOKEN, username="ecoach_demo_bot", first_name="ecoach")
        self.server = DoubleServer(self.double)
        self.database_url = f"sqlite+aiosqlite:///{self.folder / 'demo.sqlite3'}"
        self.settings = load_settings(
            _env_file=None,
            TELEGRAM_BOT_TOKEN=TOKEN,
            DATABASE_URL=self.database_url,
            ECOACH_DATA_DIR=str(self.folder / "data"),
            ECOACH_SWEEP_SECONDS=1,
            ECOACH_ADMIN_IDS=str(COACH_ID),
            ECOACH_UPDATES_PER_MINUTE=0,  # a script types faster than any person
            ECOACH_BOT_USERNAME="ecoach_demo_bot",
            TELEGRAM_API_URL="http://127.0.0.1:1",  # replaced once the double listens
        )
        self.alumna = self.double.user(ALUMNA_ID, "Ibu Demo", language_code="id")
        self.coach = self.double.user(COACH_ID, "Coach Demo", language_code="id")
        self.group = self.double.group(GROUP_ID, "Grup Coach Demo")
        self.buttons: list[tuple[Sent, str]] = []
        self.shown: dict[int, int] = {ALUMNA_ID: 0, COACH_ID: 0, GROUP_ID: 0}
        self._pending: list[Sent] = []  # shown but not yet matched by a script's expectation
        self.app: EcoachApplication | None = None

    # ----- life cycle --------------------------------------------------------------------------

    async def start(self) -> None:
        self.server.start()
        self.settings = self.settings.model_copy(update={"telegram_api_url": self.server.url})
        make_private(self.settings.data_dir)
        await asyncio.to_thread(upgrade, self.database_url)
        await self._seed()
        self.app = app = build_application(self.settings, clock=self.clock)
        await app.initialize()
        await post_init(app)
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(allowed_updates=Update.ALL_TYPES, timeout=1, poll_interval=0)

    async def stop(self) -> None:
        if self.app is not None:
            assert self.app.updater is not None
            await self.app.updater.stop()
            await self.app.stop()
            await post_shutdown(self.app)
            await self.app.shutdown()
        self.server.stop()
        if not self.keep:
            shutil.rmtree(self.folder, ignore_errors=True)

    async def _seed(self) -> None:
        engine = create_engine(self.database_url)
        async with session_factory(engine)() as session:
            await seed_demo_cohort(
                session, self.clock.now(), alumni_code=ALUMNI_CODE, coach_code=COACH_CODE, coach_id=COACH_ID, group_id=GROUP_ID
            )
            await session.commit()
        await engine.dispose()

    async def _settle(self, within: float = 5.0) -> None:
        """Before time jumps: let every notice due now go out. One claimed just before the clock leaps
        past its lease would look like one whose process died, and the sweep would send it again."""
        assert self.app is not None
        deadline = asyncio.get_running_loop().time() + within
        while asyncio.get_running_loop().time() < deadline:
            async with self.app.runtime.open_session() as session:
                in_flight = (Notice.status == SendStatus.SENDING) | (
                    (Notice.status == SendStatus.PENDING) & (Notice.due_at <= self.clock.now())
                )
                sending = await session.scalar(select(func.count()).select_from(Notice).where(in_flight))
            if not sending and self.app.update_queue.empty():
                return
            await asyncio.sleep(0.05)

    # ----- the terminal ------------------------------------------------------------------------

    @property
    def me(self) -> FakeUser:
        return self.coach if self.role == "coach" else self.alumna

    def chats(self) -> list[int]:
        return [COACH_ID, GROUP_ID] if self.role == "coach" else [ALUMNA_ID]

    def welcome(self) -> None:
        self.print(f"ecoach shell · {self.role} · bot @{self.double.username} · data in {self.folder}")
        if self.role == "coach":
            self.print(f"You are Coach Demo in '{self.group.title}'. Try /mandek or /ringkasan.")
        else:
            self.print(f"You are a new alumna. Join with: /start {ALUMNI_CODE}")
        self.print("Numbers press buttons · /foto PATH · /dokumen PATH · :maju 3 hari · :sebagai coach|alumna · :pribadi|:grup · :keluar")
        self.print(f"Photos and documents from the bot are saved in {self.files}")

    def print(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    async def send(self, line: str) -> None:
        """One line typed at the prompt."""
        line = line.strip()
        if not line:
            return
        if line.isdigit() and 1 <= int(line) <= len(self.buttons):  # a larger number is sent as text
            sent, data = self.buttons[int(line) - 1]
            self.me.press_data(data, sent)
            return
        if line.startswith("[") and line.endswith("]"):
            self.press(line[1:-1])
            return
        command, _, argument = line.partition(" ")
        if command in (":maju", ":advance"):
            delta = parse_duration(argument)
            await self._settle()
            self.clock.advance(delta)
            self.print(f"(the bot's clock moves forward {argument}: now {self.clock.now().astimezone(ZoneInfo(ZONE)):%d-%m-%Y %H:%M} WIB)")
            assert self.app is not None
            await run_all_sweeps(self.app.runtime, self.app.bot, wait=True)
            return
        if command in (":sebagai", ":as"):
            self.role = "coach" if argument.strip() == "coach" else "alumna"
            self.print(f"(you are now {'Coach Demo' if self.role == 'coach' else 'the alumna'})")
            return
        if command in (":pribadi", ":private", ":grup", ":group"):
            self.in_private = command in (":pribadi", ":private")
            self.print(f"(the coach now types in {'her private chat with the bot' if self.in_private else 'the coaching group'})")
            return
        if command in ("/foto", "/photo"):
            self.me.send_photo(self._file(argument).read_bytes())
            return
        if command in ("/dokumen", "/document"):
            path = self._file(argument)
            self.me.send_document(path.read_bytes(), path.name, mimetypes.guess_type(path.name)[0] or "application/octet-stream")
            return
        in_group = self.role == "coach" and not self.in_private and command.lstrip("/") in GROUP_COMMANDS
        self.me.send(line, chat=self.group if in_group else None, mention=in_group)

    def _path(self, argument: str) -> Path:
        path = Path(argument.strip()).expanduser()
        return path if path.is_absolute() or path.exists() else self.base / path

    def _file(self, argument: str) -> Path:
        """The file to send; a missing one or a folder is said in words, in the shell's language."""
        if not argument.strip():
            raise ValueError("tulis nama berkasnya, misalnya /foto bukti-rapat.jpg")
        path = self._path(argument)
        if not path.is_file():
            raise ValueError(f"berkas {argument.strip()!r} tidak ditemukan (atau itu sebuah folder)")
        return path

    def press(self, label: str) -> None:
        """Press the newest button whose text contains `label`, in the chats this role sees."""
        for chat_id in reversed(self.chats()):
            for sent in reversed(self.double.sent(chat_id)):
                for row in sent.buttons:
                    for button in row:
                        if label.lower() in button["text"].lower() and "callback_data" in button:
                            self.me.press_data(button["callback_data"], sent)
                            return
        raise ScriptFailed(f"no button labelled {label!r}")

    def expand(self, line: str) -> str:
        """{today+14d} in a script becomes a date on the bot's clock, as DD-MM-YYYY."""
        today = self.clock.now().astimezone(ZoneInfo(ZONE)).date()
        return _TODAY.sub(lambda m: (today + timedelta(days=int(m.group(1)))).strftime("%d-%m-%Y"), line)

    def show_new(self) -> list[Sent]:
        """Print what the bot did since last time, in the chats this role sees."""
        shown = []
        for chat_id in self.chats():
            events = self.double.sent(chat_id)
            for sent in events[self.shown[chat_id] :]:
                self._print_sent(chat_id, sent)
                shown.append(sent)
            self.shown[chat_id] = len(events)
        return shown

    def _print_sent(self, chat_id: int, sent: Sent) -> None:
        where = " [grup]" if chat_id < 0 else ""
        if sent.is_edit:
            self.print(f"  (edited){where} {sent.text.splitlines()[-1] if sent.text else ''}")
            return
        label = {"sendPhoto": "🖼", "sendDocument": "📄", "sendPoll": "📊 quiz"}.get(sent.method)
        self.print("")
        if label and sent.file is not None:
            path = self._save(sent)
            self.print(f"bot{where}: {label} {path.name.split('-', 1)[1]} → {path}")
        elif label:
            self.print(f"bot{where}: [{label}]")
        if sent.method == "sendPoll":
            poll = sent.message["poll"]
            self.print(f"bot{where}: {poll['question']}")
            for number, option in enumerate(poll["options"], 1):
                self.print(f"    {number}) {option['text']}")
            return
        for line in (sent.text or "").splitlines():
            self.print(f"bot{where}: {line}" if line else "")
        if sent.buttons:
            self.buttons = [(sent, b["callback_data"]) for row in sent.buttons for b in row if "callback_data" in b]
            numbered = [f"[{n}] {b['text']}" for n, b in enumerate((b for row in sent.buttons for b in row if "callback_data" in b), 1)]
            self.print("    " + "   ".join(numbered))

    def _save(self, sent: Sent) -> Path:
        """Keep what the bot made (chart, PDF, spreadsheet) where the person can open it."""
        assert sent.file is not None
        self.files.mkdir(parents=True, exist_ok=True)
        self.saved += 1
        name = "foto.png" if sent.method == "sendPhoto" else (sent.file.name or "berkas")
        path = self.files / f"{self.saved:03d}-{name}"
        path.write_bytes(sent.file.data)
        try:
            return path.relative_to(Path.cwd())
        except ValueError:
            return path

    async def quiet(self, within: float = 20.0, calm: float = 0.4) -> None:
        """Wait until the bot has said everything: no update of hers still being handled (a PDF being drawn
        included), and nothing new for `calm` seconds; at most `within`."""
        assert self.app is not None
        loop = asyncio.get_running_loop()
        deadline, last, seen = loop.time() + within, loop.time(), self._count()
        while loop.time() < deadline:
            await asyncio.sleep(0.1)
            async with self.app.runtime.open_session() as session:
                held = await session.scalar(
                    select(func.count()).select_from(InboxUpdate).where(InboxUpdate.status.in_((InboxStatus.PENDING, InboxStatus.HANDLING)))
                )
            busy = (
                held
                or self.double.pending_updates()
                or self.app.update_queue.qsize()
                or self.app.update_processor.current_concurrent_updates
            )
            if (now := self._count()) != seen or busy:
                seen, last = now, loop.time()
            elif loop.time() - last >= calm:
                return

    def _count(self) -> int:
        return sum(len(self.double.sent(chat_id)) for chat_id in (ALUMNA_ID, COACH_ID, GROUP_ID))

    def has_file(self, pattern: str) -> bool:
        return any(self.files.glob(pattern))

    async def expect(self, needle: str, within: float = EXPECT_TIMEOUT) -> None:
        """Wait for a new message containing `needle` (script mode)."""
        deadline = asyncio.get_running_loop().time() + within
        while True:
            for sent in self.show_new():
                self._pending.append(sent)
            for index, sent in enumerate(self._pending):
                if needle.lower() in self._searchable(sent).lower():
                    del self._pending[: index + 1]
                    return
            if asyncio.get_running_loop().time() > deadline:
                raise ScriptFailed(f"expected a reply containing {needle!r}; it did not come within {within:.0f} s")
            await asyncio.sleep(0.05)

    @staticmethod
    def _searchable(sent: Sent) -> str:
        text = sent.text or ""
        if sent.method == "sendPoll":
            text = sent.message["poll"]["question"]
        buttons = " ".join(sent.button_texts)
        return f"{sent.method} {text} {buttons}"


async def _interactive(playground: Playground) -> int:
    loop = asyncio.get_running_loop()
    playground.welcome()
    while True:
        playground.show_new()
        line = await loop.run_in_executor(None, _prompt)
        if line is None or line.strip() in (":keluar", ":quit", ":exit"):
            return 0
        try:
            await playground.send(line)
        except (ValueError, ScriptFailed) as exc:
            playground.print(f"({exc})")
        await playground.quiet()  # every reply, a PDF included, before the next prompt


def _prompt() -> str | None:
    try:
        return input("> ")
    except EOFError:
        return None


async def _scripted(playground: Playground, script: Path) -> int:
    playground.welcome()
    lines = await asyncio.to_thread(script.read_text, encoding="utf-8")
    for number, raw in enumerate(lines.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            if line.startswith("<<"):  # "<< *.pdf": a file the bot sent was saved under --out
                await playground.quiet()
                playground.show_new()
                if not playground.has_file(line[2:].strip()):
                    raise ScriptFailed(f"no file matching {line[2:].strip()!r} in {playground.files}")
            elif line.startswith("<"):
                await playground.expect(line[1:].strip())
            else:
                typed = playground.expand(line.lstrip(">").strip())
                playground.print(f"\n> {typed}")
                await playground.send(typed)
        except ScriptFailed as failure:
            playground.show_new()
            playground.print(f"\nscript failed at line {number}: {failure}")
            return 1
    await asyncio.sleep(0.3)
    playground.show_new()
    playground.print("\nscript finished: every expected reply came")
    return 0


def main(*, role: str, script: Path | None, files: Path | None = None, keep: bool = False, out: TextIO = sys.stdout) -> int:
    logging.basicConfig(level=logging.CRITICAL)  # the terminal is for the conversation
    playground = Playground(out, role, base=script.parent if script else None, files=files, keep=keep)

    async def run() -> int:
        await playground.start()
        try:
            return await (_scripted(playground, script) if script else _interactive(playground))
        finally:
            await playground.stop()

    return asyncio.run(run())


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `ecoach shell` to the command line (an `ecoach.commands` entry point)."""
    shell = commands.add_parser("shell", help="try the whole bot in this terminal: no token, no network")
    shell.add_argument(
        "--as", dest="role", choices=("alumna", "coach"), default="alumna", help="play an alumna (default) or the demo coach"
    )
    shell.add_argument("--script", type=Path, metavar="FILE", help="replay a transcript; exit 1 when an expected reply does not come")
    shell.add_argument(
        "--out", type=Path, metavar="DIR", help="where the photos and documents the bot sends are saved (./ecoach-shell-output)"
    )
    shell.add_argument("--keep", action="store_true", help="keep the temporary database and evidence folder at exit")
    shell.set_defaults(run_plugin=lambda args: main(role=args.role, script=args.script, files=args.out, keep=args.keep))
