"""An in-process PTB request object that answers from a BotApiDouble, without HTTP."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote, urlparse

import httpx
from telegram._utils.types import ODVInput
from telegram.error import TimedOut
from telegram.request import BaseRequest, RequestData

from devtools.double.core import AcceptedThenLost, BotApiDouble


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

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        path = unquote(urlparse(url).path)  # PTB quotes the token's colon in file URLs
        if path.startswith("/file/bot"):
            token, _, file_path = path.removeprefix("/file/bot").partition("/")
            data = self.double.download(token, file_path)
            return (200, data) if data is not None else (404, b"")
        token, _, api_method = path.removeprefix("/bot").partition("/")
        params: dict[str, Any] = dict(request_data.json_parameters) if request_data else {}
        uploads: dict[str, tuple[str, bytes, str]] = {}
        if request_data and request_data.multipart_data:
            for name, value in request_data.multipart_data.items():
                content = value[1] if isinstance(value[1], bytes) else value[1].read()
                uploads[name] = (value[0], content, value[2] if len(value) > 2 else "application/octet-stream")
        try:
            status, body = self.double.call(token, api_method, dict(params), uploads)
        except AcceptedThenLost:
            raise TimedOut() from httpx.ReadTimeout("the answer did not come")
        return status, json.dumps(body).encode()
