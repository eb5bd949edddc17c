"""The Bot API double over real HTTP on loopback, served by Tornado in its own thread."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Any

import httpx
import tornado.httpserver
import tornado.netutil
import tornado.web

from devtools.double.core import AcceptedThenLost, BotApiDouble

LOST_ANSWER_DELAY = 8.0  # seconds; PTB reads for 5 by default
WEBHOOK_RETRY = 0.2  # seconds before an update the webhook refused is posted again (Telegram backs off longer)


class _MethodHandler(tornado.web.RequestHandler):
    def initialize(self, double: BotApiDouble) -> None:
        self.double = double

    async def post(self, token: str, method: str) -> None:
        params: dict[str, Any] = {k: self.get_argument(k) for k in self.request.arguments}
        if self.request.headers.get("Content-Type", "").startswith("application/json") and self.request.body:
            params.update(json.loads(self.request.body))
        uploads = {name: (files[0].filename, files[0].body, files[0].content_type) for name, files in self.request.files.items()}
        loop = asyncio.get_running_loop()
        # getUpdates long-polls on a condition variable: keep it off the server's loop.
        try:
            status, body = await loop.run_in_executor(None, self.double.call, token, method, params, uploads)
        except AcceptedThenLost:
            await asyncio.sleep(LOST_ANSWER_DELAY)  # longer than the bot's read timeout: it gives up first
            status, body = 504, {"ok": False, "error_code": 504, "description": "Gateway Timeout"}
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body))

    get = post

    def log_exception(self, *args: Any) -> None:  # the URL holds the token: never log it
        pass


class _FileHandler(tornado.web.RequestHandler):
    def initialize(self, double: BotApiDouble) -> None:
        self.double = double

    def get(self, token: str, path: str) -> None:
        data = self.double.download(token, path)
        if data is None:
            self.set_status(404)
            self.finish(json.dumps({"ok": False, "error_code": 404, "description": "Not Found"}))
            return
        self.set_header("Content-Type", "application/octet-stream")
        self.finish(data)


class DoubleServer:
    """Serve a BotApiDouble on 127.0.0.1; `url` is what TELEGRAM_API_URL should be."""

    def __init__(self, double: BotApiDouble, host: str = "127.0.0.1", port: int = 0) -> None:
        self.double = double
        self._sockets = tornado.netutil.bind_sockets(port, host)
        self.port = self._sockets[0].getsockname()[1]
        self.url = f"http://{host}:{self.port}"
        self._loop: asyncio.AbstractEventLoop | None = None
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="bot-api-double", daemon=True)
        self._posters: dict[str, list[threading.Thread]] = {}  # webhook URL -> the threads posting to it
        self._stopping = threading.Event()
        double.on_webhook = self._post_updates

    def _serve(self) -> None:
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        routes = [
            (r"/bot([^/]+)/([A-Za-z]+)", _MethodHandler, {"double": self.double}),
            (r"/file/bot([^/]+)/(.+)", _FileHandler, {"double": self.double}),
        ]
        app = tornado.web.Application(routes, log_function=lambda handler: None)
        server = tornado.httpserver.HTTPServer(app, max_body_size=64 * 1024 * 1024)
        server.add_sockets(self._sockets)
        self._started.set()
        self._loop.run_forever()
        server.stop()
        self._loop.close()

    def _post_updates(self) -> None:
        """Post waiting updates to the webhook as Telegram does: up to max_connections at once, one
        chat's in turn, each again until the webhook answers 2xx."""
        url = self.double.webhook_url
        if any(thread.is_alive() for thread in self._posters.get(url, [])):
            return  # set again by a restarted bot: already posting there
        threads = [
            threading.Thread(target=self._post_loop, args=(url,), name=f"webhook-post-{n}", daemon=True)
            for n in range(self.double.webhook_connections)
        ]
        self._posters[url] = threads
        for thread in threads:
            thread.start()

    def _post_loop(self, url: str) -> None:
        with httpx.Client(timeout=60) as client:
            while not self._stopping.is_set():
                update = self.double.next_for_webhook(url, timeout=0.5)
                if update is None:
                    if self.double.webhook_url != url:
                        return
                    continue
                headers = {"X-Telegram-Bot-Api-Secret-Token": self.double.webhook_secret} if self.double.webhook_secret else {}
                try:
                    confirmed = client.post(url, json=update, headers=headers).is_success
                except httpx.HTTPError:
                    confirmed = False
                self.double.posted_to_webhook(update, confirmed=confirmed)
                if not confirmed:
                    time.sleep(WEBHOOK_RETRY)

    def start(self) -> DoubleServer:
        self._thread.start()
        self._started.wait(10)
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def __enter__(self) -> DoubleServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
