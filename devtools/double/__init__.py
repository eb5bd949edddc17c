"""A loopback double of Telegram's Bot API, for tests, benchmarks and the playground."""

from devtools.double.core import ApiError, BotApiDouble, FakeUser, Sent, StoredFile
from devtools.double.request import DoubleRequest
from devtools.double.server import DoubleServer

__all__ = ["ApiError", "BotApiDouble", "DoubleRequest", "DoubleServer", "FakeUser", "Sent", "StoredFile"]
