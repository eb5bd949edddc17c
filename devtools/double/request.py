"""An in-process PTB request object that answers from a BotApiDouble, without HTTP."""

from __future__ import annotations

import json
from urllib.parse import unquote, urlparse

from telegram.request import BaseRequest

from devtools.double.core import BotApiDouble


class DoubleRequest(BaseRequest):
    """Hands every Bot API call straight to the double: same answers, no sockets."""

    def __init__(self, double: BotApiDouble) -> None:
        self.double = double

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    @property
    def read_timeout(self) -> float | None:
        return 5

    async def do_request(self, url, method, request_data=None, read_timeout=None, write_timeout=None, connect_timeout=None, pool_timeout=None):  # type: ignore[no-untyped-def, override]
        path = unquote(urlparse(url).path)  # PTB quotes the token's colon in file URLs
        if path.startswith("/file/bot"):
            token, _, file_path = path.removeprefix("/file/bot").partition("/")
            data = self.double.download(token, file_path)
            return (200, data) if data is not None else (404, b"")
        token, _, api_method = path.removeprefix("/bot").partition("/")
        params: dict = request_data.json_parameters if request_data else {}
        uploads = {}
        if request_data and request_data.multipart_data:
            uploads = {
                name: (value[0], value[1], value[2] if len(value) > 2 else "application/octet-stream")
                for name, value in request_data.multipart_data.items()
            }
        status, body = self.double.call(token, api_method, dict(params), uploads)
        return status, json.dumps(body).encode()
