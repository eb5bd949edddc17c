"""Logging that carries neither the bot token nor anyone's personal data.

What she typed can reach a log by three roads: an exception's message (a database error quotes the
statement's parameters, a Bot API 400 may quote her text), a library's log line (an update body, a
repr), and a value our own code formats in. So:

- exceptions are logged by type and frames only, never by message;
- other libraries' lines keep their template, never the values put into it;
- our own lines name people by internal numeric id, and format only ids, counts and type names.
"""

from __future__ import annotations

import logging
import re
import sys
import traceback
from types import TracebackType

OWN_PACKAGES = frozenset({"bot", "handlers", "conversations", "db", "devtools", "web", "__main__"})
QUOTED = re.compile(r"""(['"]).*?\1""")
WITHHELD = "(message withheld: it may hold personal data)"


def describe_exception(error: BaseException) -> str:
    """A traceback with every frame and each exception's type, and none of their messages."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    lines: list[str] = []
    for exc in reversed(chain):
        if lines:
            lines.append("which led to:")
        lines.append("Traceback (most recent call last):")
        lines.extend(frame.rstrip("\n") for frame in traceback.format_tb(exc.__traceback__))
        lines.append(f"{type(exc).__module__}.{type(exc).__qualname__} {WITHHELD}")
    return "\n".join(lines)


def _foreign_message(record: logging.LogRecord) -> str:
    """A library's line without the values in it: the template when there are arguments, else its
    first line with anything quoted blanked (reprs of updates and exceptions are quoted)."""
    if record.args:
        return str(record.msg)
    first = str(record.msg).splitlines()[0] if str(record.msg) else ""
    return QUOTED.sub(r"\1…\1", first)


class PersonalDataFilter(logging.Filter):
    """Rewrites each record before any handler formats it: see the module's docstring. Secrets (the
    token, the webhook secret) are replaced wherever they still appear."""

    def __init__(self, secrets: list[str] | None = None) -> None:
        super().__init__()
        self.secrets = [s for s in secrets or [] if s]

    def filter(self, record: logging.LogRecord) -> bool:
        own = record.name.split(".", 1)[0] in OWN_PACKAGES
        message = record.getMessage() if own else _foreign_message(record)
        details = describe_exception(record.exc_info[1]) if record.exc_info and record.exc_info[1] else None
        for secret in self.secrets:
            message = message.replace(secret, "[redacted]")
            details = details.replace(secret, "[redacted]") if details else None
        record.msg, record.args, record.exc_info, record.exc_text, record.stack_info = message, None, None, details, None
        return True


def _log_uncaught(kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, error, trace)
        return
    logging.getLogger("bot").critical("uncaught %s", kind.__name__, exc_info=(kind, error, trace))


def configure_logging(*, level: int = logging.INFO, secrets: list[str] | None = None) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(PersonalDataFilter(secrets))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    # httpx logs every request URL at INFO, and bot URLs contain the token. PTB logs updates at DEBUG.
    for chatty in ("httpx", "httpcore", "apscheduler", "telegram", "uvicorn", "sqlalchemy", "asyncio"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    sys.excepthook = _log_uncaught  # a crash's traceback goes through the same filter
