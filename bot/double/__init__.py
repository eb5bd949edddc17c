"""A loopback double of Telegram's Bot API, for tests, benchmarks and the playground."""

from bot.double.core import ApiError, BotApiDouble, FakeUser, Sent, StoredFile
from bot.double.request import DoubleRequest
from bot.double.server import DoubleServer

__all__ = ["ApiError", "BotApiDouble", "DoubleRequest", "DoubleServer", "FakeUser", "Sent", "StoredFile"]
