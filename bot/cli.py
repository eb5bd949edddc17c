"""The `ecoach` command line."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import json
import os
import sys
from collections.abc import AsyncIterator, Sequence
from datetime import date
from importlib.metadata import entry_points
from pathlib import Path

import httpx
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from telegram.error import InvalidToken, TelegramError

from bot.app import build_application
from bot.kernel.clock import SystemClock
from bot.kernel.i18n import Texts
from bot.kernel.logs import configure_logging
from bot.kernel.settings import Settings, SettingsError, load_settings
from bot.kernel.storage import make_private
from bot.kernel.tips import check_library
from bot.polling import run_polling
from bot.webhook import run_webhook, run_worker
from db.access import coaches, pending_requests, revoke, rotate_codes
from db.audit import audit_csv
from db.cohorts import CohortError, create_cohort, find_invite, invite_link, list_cohorts
from db.engine import create_engine, is_sqlite, session_factory
from db.migrate import upgrade
from db.models import Cohort
from db.report import cohort_report
from db.schedule import local
from db.web import issue_link, may_log_in
from handlers.report import CohortReport, report_filename, to_csv, to_json, to_xlsx
from web.serve import DEFAULT_PORT, run_web

# Packages add commands here (pyproject entry points): `register(subparsers)` adds a subparser whose
# defaults carry `run_plugin(args) -> exit code`. The developer tools add `shell` this way, so the
# production CLI never imports them.
PLUGINS = "ecoach.commands"
M_ARENA_MAX, MALLOC_ARENAS = -8, 4  # glibc's mallopt parameter, and the arenas a process keeps


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date in the form YYYY-MM-DD") from None


def _months(value: str) -> int:
    if not value.isdigit() or not 3 <= int(value) <= 6:
        raise argparse.ArgumentTypeError("monitoring months must be a whole number from 3 to 6")
    return int(value)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ecoach", description="E-coaching assistant for the alumnae of a leadership program, on Telegram."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="upgrade the database, then run the bot (long polling, or --webhook)")
    run.add_argument("--webhook", action="store_true", help="receive updates on ECOACH_WEBHOOK_URL instead of long polling")
    run.add_argument(
        "--receive-only", action="store_true", help="with --webhook, on PostgreSQL: only store updates, for `ecoach worker` processes"
    )
    commands.add_parser("worker", help="handle the updates `ecoach run --webhook --receive-only` stores, and run the sweeps (PostgreSQL)")

    db_parser = commands.add_parser("db", help="database maintenance")
    db_commands = db_parser.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="upgrade the database schema to the latest version")

    cohort = commands.add_parser("cohort", help="create and list cohorts (angkatan)")
    cohort_commands = cohort.add_subparsers(dest="cohort_command", required=True, metavar="ACTION")
    create = cohort_commands.add_parser("create", help="create a cohort and print its invite links")
    create.add_argument("--name", required=True, help="the cohort's name, e.g. 'Angkatan I 2026'")
    create.add_argument("--training-end", required=True, type=_iso_date, metavar="YYYY-MM-DD", help="the last day of the training")
    create.add_argument("--months", required=True, type=_months, metavar="N", help="monitoring months after the training, 3 to 6")
    create.add_argument("--json", action="store_true", help="print one JSON object")
    listing = cohort_commands.add_parser("list", help="list cohorts with their invite links")
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    rotate = cohort_commands.add_parser("rotate-codes", help="give a cohort new invite codes; the old ones stop working at once")
    rotate.add_argument("--cohort", required=True, metavar="CODE_OR_NAME", help="one of the cohort's current codes, or its exact name")
    rotate.add_argument("--which", required=True, choices=("alumni", "coach", "both"), help="which code to replace")
    rotate.add_argument("--json", action="store_true", help="print one JSON object")

    coach = commands.add_parser("coach", help="who may coach: list coaches, revoke one")
    coach_commands = coach.add_subparsers(dest="coach_command", required=True, metavar="ACTION")
    coach_commands.add_parser("list", help="every coach with the id to revoke them by, and the requests waiting")
    revoke_parser = coach_commands.add_parser("revoke", help="end a coach's access to one cohort, at once")
    revoke_parser.add_argument("--id", required=True, type=int, metavar="N", help="the id `ecoach coach list` prints")

    audit = commands.add_parser("audit", help="export the audit log (grants, revokes, code rotations, group links) as CSV")
    audit.add_argument("--out", metavar="FILE", help="write here instead of standard output")

    report = commands.add_parser("report", help="a cohort's indicators and one row per alumna, or every cohort's")
    which = report.add_mutually_exclusive_group(required=True)
    which.add_argument("--cohort", metavar="CODE_OR_NAME", help="one cohort: an invite code, or its exact name")
    which.add_argument("--all", action="store_true", help="every cohort: a sheet each and a summary comparing them")
    report.add_argument("--format", default="xlsx", choices=("xlsx", "csv", "json"))
    report.add_argument("--lang", choices=("id", "en"), help="the language of XLSX and CSV (default: ECOACH_DEFAULT_LOCALE)")
    report.add_argument("--out", metavar="FILE_OR_FOLDER", help="a file, or a folder for the dated file name; else standard output")

    web = commands.add_parser("web", help="serve the organizers' web dashboard; `ecoach web link --user ID` prints a login link")
    web_commands = web.add_subparsers(dest="web_command", metavar="ACTION")
    link = web_commands.add_parser("link", help="print a one-time login link (10 minutes) for an organizer or approved coach")
    link.add_argument("--user", type=int, required=True, metavar="TELEGRAM_ID", help="her numeric Telegram user id")

    tips = commands.add_parser("tips", help="the microlearning tip library")
    tips_commands = tips.add_subparsers(dest="tips_command", required=True, metavar="ACTION")
    tips_commands.add_parser("check", help="validate every tip: front matter, both locales, Telegram's limits")
    for plugin in entry_points(group=PLUGINS):
        plugin.load()(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    _cap_malloc_arenas()
    args = build_parser().parse_args(argv)
    if "run_plugin" in args:  # a command another installed package added, such as `ecoach shell`
        return int(args.run_plugin(args))
    if args.command == "tips":
        return _tips_check()
    try:
        settings = load_settings()
        if args.command == "run":
            return _run(settings, webhook=args.webhook, receive_only=args.receive_only)
        if args.command == "worker":
            return _run(settings, worker=True)
        if args.command == "web":
            return asyncio.run(_web_link(settings, args.user)) if args.web_command == "link" else _web(settings)
        if args.command == "db":
            upgrade(settings.database_url)
            print("database is up to date")
            return 0
        if args.command == "report":
            return asyncio.run(_report(settings, args))
        if args.command == "coach":
            return asyncio.run(_coach(settings, args))
        if args.command == "audit":
            return asyncio.run(_audit(settings, args))
        if args.cohort_command == "rotate-codes":
            return asyncio.run(_rotate_codes(settings, args))
        if args.cohort_command == "create":
            return asyncio.run(_cohort_create(settings, args))
        return asyncio.run(_cohort_list(settings, args))
    except (SettingsError, CohortError) as exc:
        print(f"ecoach: error: {exc}", file=sys.stderr)
        return 2
    except (OSError, DBAPIError, TelegramError) as exc:  # the world outside: say which part and what to do
        print(f"ecoach: error: {_unreachable(exc, settings)}", file=sys.stderr)
        return 2


def _cap_malloc_arenas() -> None:
    """Four malloc arenas for the whole process, unless the operator set MALLOC_ARENA_MAX. glibc gives
    each new thread an arena of its own (up to eight per core) and keeps what is freed in it; on SQLite
    every pooled connection is an aiosqlite thread, and 20,000 alumnae's sweep and summary peaked at
    192 MiB, 173 with four and 170 with two (bench/sweep_memory.py). Two cost /pap ~5 % more CPU, four
    nothing measurable. Called first, so that no thread has an arena of its own before the limit."""
    if "MALLOC_ARENA_MAX" in os.environ:
        return
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc: its allocator has no such arenas
        return
    mallopt(M_ARENA_MAX, MALLOC_ARENAS)


REASONS = {
    "ConnectionRefusedError": "connection refused",
    "gaierror": "unknown host",
    "TimeoutError": "no answer",
    "InvalidCatalogNameError": "no such database",
    "InvalidPasswordError": "login refused",
    "InvalidAuthorizationSpecificationError": "login refused",
}


def _unreachable(exc: Exception, settings: Settings) -> str:
    """One line for a database or Bot API that cannot be reached: host and port, never a password or token."""
    if isinstance(exc, InvalidToken):
        return "the Bot API refused TELEGRAM_BOT_TOKEN: copy the token from @BotFather again"
    if isinstance(exc, TelegramError):
        return f"cannot reach the Bot API at {settings.telegram_api_url}: check the network (or TELEGRAM_API_URL), then start again"
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        return f"cannot open the SQLite database {url.database!r}: check that its folder exists and is writable (ECOACH_DATA_DIR)"
    orig = getattr(exc, "orig", None) or exc
    cause = type(orig.__cause__ or orig).__name__  # asyncpg's own error, under SQLAlchemy's adapter
    reason = REASONS.get(cause, cause)
    where = f"{url.host or 'localhost'}:{url.port or 5432}/{url.database or ''}"
    return f"cannot reach the database at {where} ({reason}): is PostgreSQL running there, and are DATABASE_URL's user and database right?"


async def _report(settings: Settings, args: argparse.Namespace) -> int:
    now = SystemClock().now()
    async with _database(settings) as session:
        cohorts = await list_cohorts(session=session) if args.all else [await _find_cohort(session, args.cohort)]
        if not cohorts:
            raise SettingsError("there is no cohort yet: create one with `ecoach cohort create`")
        reports = [CohortReport(c, *await cohort_report(session=session, cohort=c, now=now)) for c in cohorts]
    locale = args.lang or settings.default_locale
    texts = Texts(settings.default_locale)
    today = local(now, settings.default_timezone).date()
    if args.format == "xlsx":
        data = to_xlsx(texts, locale, reports, today)
    elif args.format == "csv":
        data = to_csv(texts, locale, reports)
    else:
        data = to_json(reports)
    if not args.out:
        if args.format == "xlsx":
            raise SettingsError("XLSX is binary: give --out FILE or --out FOLDER")
        sys.stdout.buffer.write(data)
        return 0
    out = await asyncio.to_thread(_write, Path(args.out), report_filename(texts, locale, reports, today, args.format), data)
    print(out)
    return 0


def _write(out: Path, name: str, data: bytes) -> Path:
    """Into `out`, or into the folder `out` under `name`; a missing folder or no permission is one line."""
    if out.is_dir():
        out = out / name
    if not out.parent.is_dir():
        raise SettingsError(f"--out: the folder {str(out.parent)!r} does not exist; create it first")
    try:
        out.write_bytes(data)
    except OSError as exc:
        raise SettingsError(f"--out: cannot write {str(out)!r} ({exc.strerror})") from None
    return out


async def _find_cohort(session: AsyncSession, wanted: str) -> Cohort:
    invite = await find_invite(session=session, code=wanted)
    if invite is not None:
        return invite.cohort
    named = [c for c in await list_cohorts(session=session) if c.name == wanted]
    if not named:
        raise SettingsError(f"no cohort has the code or the name {wanted!r}")
    if len(named) > 1:
        raise SettingsError(f"several cohorts are named {wanted!r}: give one of its codes")
    return named[0]


async def _rotate_codes(settings: Settings, args: argparse.Namespace) -> int:
    username = bot_username(settings)
    async with _database(settings) as session:
        cohort = await _find_cohort(session, args.cohort)
        await rotate_codes(session=session, cohort=cohort, which=args.which, by=None, now=SystemClock().now())
        await session.commit()
    _show_cohort(_describe(cohort, username), as_json=args.json)
    return 0


async def _coach(settings: Settings, args: argparse.Namespace) -> int:
    async with _database(settings) as session:
        if args.coach_command == "revoke":
            gone = await revoke(session=session, membership_id=args.id, by=None, now=SystemClock().now())
            if gone is None:
                raise SettingsError(f"no coach has the id {args.id}: see `ecoach coach list`")
            await session.commit()
            print(f"revoked: #{gone.membership_id} {gone.name} (Telegram {gone.telegram_id}) from {gone.cohort}")
            return 0
        listed, waiting = await coaches(session=session), await pending_requests(session=session)
    for c in listed:
        print(f"#{c.membership_id} {c.name} (Telegram {c.telegram_id}) coaches {c.cohort}")
    if not listed:
        print("no coaches yet")
    for r in waiting:
        print(f"waiting: {r.name} (Telegram {r.telegram_id}) for {r.cohort.name}, since {r.requested_at:%Y-%m-%d}; decide in the chat")
    return 0


async def _audit(settings: Settings, args: argparse.Namespace) -> int:
    async with _database(settings) as session:
        data = await audit_csv(session=session)
    if args.out:
        await asyncio.to_thread(Path(args.out).write_bytes, data)
    else:
        sys.stdout.buffer.write(data)
    return 0


@contextlib.asynccontextmanager
async def _database(settings: Settings) -> AsyncIterator[AsyncSession]:
    """A session on the upgraded database, for one command."""
    await asyncio.to_thread(upgrade, settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            yield session
    finally:
        await engine.dispose()


def _web(settings: Settings) -> int:
    """`ecoach web`: upgrade the database, then serve the dashboard until stopped."""
    configure_logging(secrets=[settings.telegram_bot_token.get_secret_value()] if settings.telegram_bot_token else [])
    upgrade(settings.database_url)
    return asyncio.run(run_web(settings))


async def _web_link(settings: Settings, telegram_id: int) -> int:
    base = settings.web_base_url or f"http://{settings.web_listen}:{DEFAULT_PORT}"
    async with _database(settings) as session:
        if not await may_log_in(session=session, telegram_id=telegram_id, organizers=settings.admin_ids):
            raise SettingsError(f"{telegram_id} is neither an organizer (ECOACH_ADMIN_IDS) nor an approved coach")
        token = await issue_link(session=session, telegram_id=telegram_id, now=SystemClock().now())
        await session.commit()
    print(f"{base}/masuk?t={token}")
    return 0


def _tips_check() -> int:
    count, problems = check_library()
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) in the tip library", file=sys.stderr)
        return 1
    print(f"{count} tips, each in Indonesian and English: OK")
    return 0


def _run(settings: Settings, *, webhook: bool = False, receive_only: bool = False, worker: bool = False) -> int:
    """`ecoach run` (polling; or a webhook, which may only receive) or `ecoach worker`."""
    token = settings.token  # fails first, with one line, when the token is missing
    secret = None
    if receive_only and not webhook:
        raise SettingsError("--receive-only goes with --webhook")
    if (receive_only or worker) and is_sqlite(settings.database_url):
        raise SettingsError("several processes need PostgreSQL (DATABASE_URL): on SQLite run one `ecoach run`")
    if webhook:
        if not settings.webhook_url or not settings.webhook_secret:
            raise SettingsError("--webhook needs ECOACH_WEBHOOK_URL and ECOACH_WEBHOOK_SECRET")
        secret = settings.webhook_secret.get_secret_value()
    writable_data_dir(settings)
    _check_bot_api(settings, token)  # before any log line: a wrong network or token is one line
    configure_logging(secrets=[token, secret or ""])
    upgrade(settings.database_url)  # one process at a time on PostgreSQL: the others wait, then find it done
    application = build_application(settings)
    if worker:
        return asyncio.run(run_worker(application))
    if webhook:
        return asyncio.run(run_webhook(application, receive_only=receive_only))
    return asyncio.run(run_polling(application))


def _check_bot_api(settings: Settings, token: str) -> None:
    try:
        answer = httpx.get(f"{settings.telegram_api_url}/bot{token}/getMe", timeout=15)
    except httpx.HTTPError:  # its message holds the URL, and so the token: never shown
        raise SettingsError(f"cannot reach the Bot API at {settings.telegram_api_url}: check the network (or TELEGRAM_API_URL)") from None
    if answer.status_code in (401, 404):
        raise SettingsError("the Bot API refused TELEGRAM_BOT_TOKEN: copy the token from @BotFather again")


def writable_data_dir(settings: Settings) -> None:
    """ECOACH_DATA_DIR exists (made if missing, for the bot's user only) and takes files."""
    try:
        make_private(settings.data_dir)
        probe = settings.data_dir / ".ecoach-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise SettingsError(
            f"ECOACH_DATA_DIR {str(settings.data_dir)!r} cannot be created or written ({exc.strerror}): choose a folder the bot's user owns"
        ) from None


def bot_username(settings: Settings) -> str:
    """The bot's @username for t.me links: from ECOACH_BOT_USERNAME, else asked of the Bot API."""
    if settings.bot_username:
        return settings.bot_username.lstrip("@")
    try:
        token = settings.token
    except SettingsError:
        raise SettingsError("set ECOACH_BOT_USERNAME (or TELEGRAM_BOT_TOKEN) so invite links can be printed") from None
    try:
        answer = httpx.get(f"{settings.telegram_api_url}/bot{token}/getMe", timeout=15).json()
    except (httpx.HTTPError, ValueError):
        raise SettingsError("could not reach the Bot API to learn the bot's username; set ECOACH_BOT_USERNAME") from None
    if not answer.get("ok"):
        raise SettingsError("the Bot API refused TELEGRAM_BOT_TOKEN; check the token or set ECOACH_BOT_USERNAME")
    return str(answer["result"]["username"])


def _describe(cohort: Cohort, username: str) -> dict[str, object]:
    return {
        "id": cohort.id,
        "name": cohort.name,
        "training_end": cohort.training_end.isoformat(),
        "months": cohort.monitoring_months,
        "alumni_code": cohort.alumni_code,
        "coach_code": cohort.coach_code,
        "alumni_link": invite_link(username, cohort.alumni_code),
        "coach_link": invite_link(username, cohort.coach_code),
    }


def _show_cohort(data: dict[str, object], *, as_json: bool) -> None:
    if as_json:
        print(json.dumps(data))
    else:
        _print_cohort(data)


def _print_cohort(data: dict[str, object]) -> None:
    print(f"#{data['id']} {data['name']} (training ended {data['training_end']}, {data['months']} months of monitoring)")
    print(f"  alumnae: {data['alumni_code']}  {data['alumni_link']}")
    print(f"  coaches: {data['coach_code']}  {data['coach_link']}")


async def _cohort_create(settings: Settings, args: argparse.Namespace) -> int:
    username = bot_username(settings)
    async with _database(settings) as session:
        cohort = await create_cohort(
            session=session, name=args.name, training_end=args.training_end, months=args.months, now=SystemClock().now()
        )
        await session.commit()
    _show_cohort(_describe(cohort, username), as_json=args.json)
    return 0


async def _cohort_list(settings: Settings, args: argparse.Namespace) -> int:
    username = bot_username(settings)
    async with _database(settings) as session:
        cohorts = await list_cohorts(session=session)
    described = [_describe(cohort, username) for cohort in cohorts]
    if args.json:
        print(json.dumps(described))
    else:
        for data in described:
            _print_cohort(data)
        if not described:
            print("no cohorts yet: create one with `ecoach cohort create`")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
