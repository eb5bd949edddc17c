"""The Bot API double's state and methods, free of any transport.

The HTTP server (server.py) and the in-process request (request.py) both call
`BotApiDouble.call`, so a test sees the same behaviour either way.
"""

from __future__ import annotations

import copy
import itertools
import json
import math
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.kernel.telegram import EntityParseError, parse_html, utf16_len

Params = dict[str, Any]  # a Bot API call's parameters, decoded
Uploads = dict[str, tuple[str, bytes, str]]  # multipart files: name -> (file name, bytes, MIME type)

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_DOWNLOAD = 20 * 1024 * 1024
# Telegram's flood limits, answered 429 when `rate_limit_per_second` is set. Telegram publishes figures, not
# an algorithm: 20 messages a minute in a group, read as PTB's AIORateLimiter reads it (20 at once, then one
# every 3 s); in a private chat "avoid sending more than one message per second", short bursts allowed, read
# as three at once, then one a second. Both count new messages, not edits.
GROUP_PER_MINUTE = 20
PRIVATE_BURST = 3
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current "
    "content and reply markup of the message"
)


class ApiError(Exception):
    """A Bot API error answer: status code, description and optional parameters."""

    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    data: bytes
    path: str
    name: str | None = None
    mime_type: str | None = None

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class Sent:
    """Something the bot did in a chat: a message sent or edited, a file, a poll."""

    method: str
    chat_id: int
    message: dict[str, Any]
    raw_text: str | None = None
    parse_mode: str | None = None
    file: StoredFile | None = None
    at: float = field(default_factory=time.monotonic)  # when the double accepted it
    wall: float = field(default_factory=time.time)  # the same moment on the wall clock, to compare with the bot's records

    @property
    def message_id(self) -> int:
        return int(self.message["message_id"])

    @property
    def is_edit(self) -> bool:
        """A change to a message shown earlier, not a new one."""
        return self.method.startswith("edit")

    @property
    def text(self) -> str:
        """What the user reads: text or caption after Telegram parsed the markup."""
        return self.message.get("text") or self.message.get("caption") or ""

    @property
    def thread_id(self) -> int | None:
        """The forum topic it was posted in, if any."""
        return self.message.get("message_thread_id")

    @property
    def buttons(self) -> list[list[dict[str, Any]]]:
        markup = self.message.get("reply_markup") or {}
        return markup.get("inline_keyboard") or markup.get("keyboard") or []

    @property
    def button_texts(self) -> list[str]:
        return [button["text"] for row in self.buttons for button in row]


@dataclass
class Chat:
    id: int
    type: str
    title: str | None = None
    first_name: str | None = None
    username: str | None = None
    is_forum: bool = False  # a supergroup with topics
    topics: dict[int, str] = field(default_factory=dict)  # message_thread_id -> name
    log: list[Sent] = field(default_factory=list)
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    message_ids: Any = field(default_factory=lambda: itertools.count(1))

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.is_forum:
            data["is_forum"] = True
        if self.title:
            data["title"] = self.title
        if self.first_name:
            data["first_name"] = self.first_name
        if self.username:
            data["username"] = self.username
        return data


@dataclass
class Fault:
    method: str
    error: ApiError | None  # None: the call is carried out, and its answer never comes (a timeout after accepting)
    chat_id: int | None
    remaining: int


class AcceptedThenLost(Exception):
    """The call was carried out, but its answer is lost: the transport makes the client time out."""

    def __init__(self, result: Any) -> None:
        super().__init__("accepted, answer lost")
        self.result = result


CONFLICT = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
WEBHOOK_ACTIVE = "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"


class BotApiDouble:
    """Plays Telegram's Bot API for one bot, and lets tests play its users."""

    def __init__(
        self, token: str, *, username: str = "ecoach_test_bot", first_name: str = "ecoach", rate_limit_per_second: float | None = None
    ) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 1
        self.username = username
        self.first_name = first_name
        self.rate_limit_per_second = rate_limit_per_second
        self._cond = threading.Condition()
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._chats: dict[int, Chat] = {}
        self._files: dict[str, StoredFile] = {}
        self._faults: list[Fault] = []
        self._blocked: set[int] = set()
        self._recent_sends: list[float] = []
        self._chat_levels: dict[str, tuple[float, float]] = {}  # per chat: its leaky bucket's level, and when
        self._limited = 0
        self._confirmed = 0  # the highest update id the bot has confirmed by asking past it
        self._last_update_id = 0
        self._poll_generation = 0  # a newer getUpdates ends a waiting one with 409, as Telegram does
        self.webhook_url = ""
        self.webhook_secret = ""
        self.webhook_connections = 40  # setWebhook's max_connections: Telegram's default
        self.on_webhook: Callable[[], None] | None = None  # the HTTP server starts posting updates here
        self._posting: set[int] = set()  # chats with an update being posted to the webhook
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.refusals: list[tuple[str, str]] = []  # every error answer given: (method, description)
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.answered_callbacks: list[dict[str, Any]] = []

    # ----- the bot's side: Bot API methods -------------------------------------------------------

    def call(
        self, token: str, method: str, params: dict[str, Any], uploads: dict[str, tuple[str, bytes, str]] | None = None
    ) -> tuple[int, dict[str, Any]]:
        """Answer one Bot API call as Telegram would: (HTTP status, JSON body)."""
        if token != self.token:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        handler = self._methods().get(method.lower())
        if handler is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        params = {key: _decode(value) for key, value in params.items()}
        try:
            with self._cond:
                self.calls.append((method, params))
                lose_answer = self._check_fault(method, params)
            result = handler(params, uploads or {})
        except ApiError as exc:
            with self._cond:
                self.refusals.append((method, exc.description))
            return exc.status, exc.payload()
        if lose_answer:
            raise AcceptedThenLost(result)
        return 200, {"ok": True, "result": result}

    def _methods(self) -> dict[str, Callable[[Params, Uploads], Any]]:
        return {
            "getme": self._get_me,
            "getupdates": self._get_updates,
            "deletewebhook": lambda p, u: self._set_webhook(""),
            "setwebhook": lambda p, u: self._set_webhook(
                str(p.get("url") or ""), str(p.get("secret_token") or ""), int(p.get("max_connections") or 40)
            ),
            "getwebhookinfo": lambda p, u: {
                "url": self.webhook_url,
                "has_custom_certificate": False,
                "pending_update_count": len(self._updates),
            },
            "close": lambda p, u: True,
            "logout": lambda p, u: True,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "deletemycommands": self._delete_my_commands,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "editmessagecaption": self._edit_message_caption,
            "deletemessage": self._delete_message,
            "answercallbackquery": self._answer_callback_query,
            "sendphoto": lambda p, u: self._send_file("sendPhoto", "photo", p, u),
            "senddocument": lambda p, u: self._send_file("sendDocument", "document", p, u),
            "sendmediagroup": self._send_media_group,
            "sendpoll": self._send_poll,
            "sendchataction": lambda p, u: True,
            "getfile": self._get_file,
            "getchat": lambda p, u: self._chat(p["chat_id"]).as_dict(),
            "createforumtopic": self._create_forum_topic,
        }

    def _get_me(self, params: Params, uploads: Uploads) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _set_webhook(self, url: str, secret: str = "", connections: int = 40) -> bool:
        with self._cond:
            self.webhook_url, self.webhook_secret, self.webhook_connections = url, secret, connections
            self._cond.notify_all()
        if url and self.on_webhook is not None:
            self.on_webhook()
        return True

    def next_for_webhook(self, url: str, timeout: float) -> dict[str, Any] | None:
        """The oldest waiting update whose chat has none being posted (one chat's updates go in turn, the
        others side by side), or None once `timeout` passes or the webhook is no longer `url`."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self.webhook_url == url:
                for update in self._updates:
                    chat = _update_chat(update)
                    if chat not in self._posting:
                        self._posting.add(chat)
                        return update
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._cond.wait(remaining)
            return None

    def posted_to_webhook(self, update: dict[str, Any], *, confirmed: bool) -> None:
        """The webhook answered: a 2xx confirms the update, anything else leaves it to be posted again."""
        with self._cond:
            self._posting.discard(_update_chat(update))
            if confirmed:
                self._updates = [u for u in self._updates if u["update_id"] != update["update_id"]]
                self._confirmed = self._updates[0]["update_id"] - 1 if self._updates else self._last_update_id
            self._cond.notify_all()

    def _get_updates(self, params: Params, uploads: Uploads) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        with self._cond:
            if self.webhook_url:
                raise ApiError(409, WEBHOOK_ACTIVE)
            self._poll_generation += 1
            mine = self._poll_generation
            self._cond.notify_all()
            if offset:
                # Telegram forgets every update below the offset: they are confirmed.
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                self._confirmed = max(self._confirmed, offset - 1)
                self._cond.notify_all()
            while True:
                if self._poll_generation != mine:
                    raise ApiError(409, CONFLICT)
                pending = self._updates[:limit]
                remaining = deadline - time.monotonic()
                if pending or remaining <= 0:
                    return pending
                self._cond.wait(remaining)

    def _set_my_commands(self, params: Params, uploads: Uploads) -> bool:
        key = (json.dumps(params.get("scope") or {"type": "default"}, sort_keys=True), params.get("language_code") or "")
        self.commands[key] = list(params.get("commands") or [])
        return True

    def _get_my_commands(self, params: Params, uploads: Uploads) -> list[dict[str, str]]:
        key = (json.dumps(params.get("scope") or {"type": "default"}, sort_keys=True), params.get("language_code") or "")
        return self.commands.get(key, [])

    def _delete_my_commands(self, params: Params, uploads: Uploads) -> bool:
        key = (json.dumps(params.get("scope") or {"type": "default"}, sort_keys=True), params.get("language_code") or "")
        self.commands.pop(key, None)
        return True

    def _send_message(self, params: Params, uploads: Uploads) -> dict[str, Any]:
        chat = self._reachable_chat(params.get("chat_id"))
        raw = str(params.get("text") or "")
        plain, entities = self._parse(raw, params.get("parse_mode"), MAX_TEXT, "message text")
        message = self._new_bot_message(chat, params)
        _set_text(message, "text", plain, entities)
        return self._record("sendMessage", chat, message, raw, params.get("parse_mode"))

    def _edit_message_text(self, params: Params, uploads: Uploads) -> dict[str, Any]:
        chat, message = self._stored_message(params)
        raw = str(params.get("text") or "")
        plain, entities = self._parse(raw, params.get("parse_mode"), MAX_TEXT, "message text")
        if (
            plain == message.get("text")
            and entities == message.get("entities", [])
            and params.get("reply_markup") == message.get("reply_markup")
        ):
            raise ApiError(400, NOT_MODIFIED)
        _set_text(message, "text", plain, entities)
        message["edit_date"] = int(time.time())
        _set_markup(message, params)
        return self._record("editMessageText", chat, message, raw, params.get("parse_mode"))

    def _edit_message_caption(self, params: Params, uploads: Uploads) -> dict[str, Any]:
        chat, message = self._stored_message(params)
        raw = str(params.get("caption") or "")
        _set_text(message, "caption", *self._parse(raw, params.get("parse_mode"), MAX_CAPTION, "caption", allow_empty=True))
        message["edit_date"] = int(time.time())
        _set_markup(message, params)
        return self._record("editMessageCaption", chat, message, raw, params.get("parse_mode"))

    def _edit_message_reply_markup(self, params: Params, uploads: Uploads) -> dict[str, Any]:
        chat, message = self._stored_message(params)
        if params.get("reply_markup") == message.get("reply_markup"):
            raise ApiError(400, NOT_MODIFIED)
        message["edit_date"] = int(time.time())
        _set_markup(message, params)
        return self._record("editMessageReplyMarkup", chat, message, None, None)

    def _delete_message(self, params: Params, uploads: Uploads) -> bool:
        chat, message = self._stored_message(params)
        with self._cond:
            chat.messages.pop(message["message_id"], None)
        return True

    def _answer_callback_query(self, params: Params, uploads: Uploads) -> bool:
        with self._cond:
            self.answered_callbacks.append(params)
        return True

    def _send_file(self, method: str, kind: str, params: Params, uploads: Uploads) -> dict[str, Any]:
        chat = self._reachable_chat(params.get("chat_id"))
        raw_caption = params.get("caption")
        caption: tuple[str, list[dict[str, Any]]] | None = None
        if raw_caption:
            caption = self._parse(str(raw_caption), params.get("parse_mode"), MAX_CAPTION, "caption", allow_empty=True)
        stored = self._incoming_file(params.get(kind), uploads, kind)
        message = self._new_bot_message(chat, params)
        if kind == "photo":
            message["photo"] = [_photo_size(stored)]
        else:
            message["document"] = _document(stored)
        if caption:
            _set_text(message, "caption", *caption)
        return self._record(method, chat, message, raw_caption, params.get("parse_mode"), stored)

    def _send_media_group(self, params: Params, uploads: Uploads) -> list[dict[str, Any]]:
        """An album: 2-10 photos, or 2-10 documents (Telegram does not mix documents with other media)."""
        chat = self._reachable_chat(params.get("chat_id"))
        media = params.get("media")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise ApiError(400, "Bad Request: media must contain 2-10 items")
        kinds = {item.get("type") for item in media if isinstance(item, dict)}
        if not kinds <= {"photo", "document"} or len(kinds) != 1:
            raise ApiError(400, "Bad Request: document can't be mixed with other media types")
        group = secrets.token_hex(8)
        files = [self._incoming_file(item.get("media"), uploads, item["type"]) for item in media]  # all checked before any is sent
        sent = []
        for item, stored in zip(media, files, strict=True):
            kind = item["type"]
            message = self._new_bot_message(chat, params)
            message["media_group_id"] = group
            if kind == "photo":
                message["photo"] = [_photo_size(stored)]
            else:
                message["document"] = _document(stored)
            if item.get("caption"):
                _set_text(message, "caption", *self._parse(str(item["caption"]), item.get("parse_mode"), MAX_CAPTION, "caption"))
            sent.append(self._record("sendMediaGroup", chat, message, item.get("caption"), item.get("parse_mode"), stored))
        return sent

    def _send_poll(self, params: Params, uploads: Uploads) -> dict[str, Any]:
        chat = self._reachable_chat(params.get("chat_id"))
        options = params.get("options") or []
        if not params.get("question") or not 2 <= len(options) <= 12:
            raise ApiError(400, "Bad Request: poll must have 2-12 options and a question")
        message = self._new_bot_message(chat, params)
        message["poll"] = {
            "id": secrets.token_hex(8),
            "question": params["question"],
            "options": [
                {"text": o["text"] if isinstance(o, dict) else str(o), "voter_count": 0, "persistent_id": str(i)}
                for i, o in enumerate(options)
            ],
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": bool(params.get("is_anonymous", True)),
            "type": params.get("type") or "regular",
            "allows_multiple_answers": bool(params.get("allows_multiple_answers", False)),
            "allows_revoting": bool(params.get("allows_revoting", False)),
            "members_only": bool(params.get("members_only", False)),
        }
        correct = params.get("correct_option_ids")
        if correct is None and params.get("correct_option_id") is not None:
            correct = [params["correct_option_id"]]
        if correct is not None:
            message["poll"]["correct_option_ids"] = [int(c) for c in correct]
        if params.get("explanation"):
            message["poll"]["explanation"] = params["explanation"]
        return self._record("sendPoll", chat, message, None, None)

    def _get_file(self, params: Params, uploads: Uploads) -> dict[str, Any]:
        stored = self._files.get(str(params.get("file_id")))
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        if stored.size > MAX_DOWNLOAD:
            raise ApiError(400, "Bad Request: file is too big")
        return {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "file_size": stored.size, "file_path": stored.path}

    def download(self, token: str, path: str) -> bytes | None:
        """The bytes behind a getFile path, or None."""
        if token != self.token:
            return None
        with self._cond:
            for stored in self._files.values():
                if stored.path == path:
                    return stored.data
        return None

    # ----- helpers for the bot's side ------------------------------------------------------------

    def _check_fault(self, method: str, params: Params) -> bool:
        """Raise the fault planned for this call; True when its answer is to be lost after it is carried out."""
        chat_id = params.get("chat_id")
        for fault in self._faults:
            if fault.method.lower() == method.lower() and (fault.chat_id is None or str(fault.chat_id) == str(chat_id)):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                if fault.error is None:
                    return True
                raise fault.error
        if chat_id is not None and self.rate_limit_per_second and method.lower().startswith(("send", "edit", "copy", "forward")):
            self._count_against_limits(method.lower(), str(chat_id))
        return False

    def _count_against_limits(self, method: str, chat: str) -> None:
        """Answer 429 past the bot's 30 a second, a group's 20 a minute or a private chat's one a second; else count the call."""
        now = time.monotonic()
        self._recent_sends = [t for t in self._recent_sends if now - t < 1.0]
        wait = 1 if len(self._recent_sends) >= (self.rate_limit_per_second or 0) else 0
        new_message = method.startswith(("send", "copy", "forward")) and method != "sendchataction"
        level = 0.0
        if new_message:
            group = not chat.lstrip("-").isdigit() or int(chat) < 0
            burst, rate = (GROUP_PER_MINUTE, GROUP_PER_MINUTE / 60) if group else (PRIVATE_BURST, 1.0)
            last, at = self._chat_levels.get(chat, (0.0, now))
            level = max(0.0, last - (now - at) * rate)
            if level + 1 > burst:
                wait = max(wait, math.ceil((level + 1 - burst) / rate))
        if wait:
            self._limited += 1
            raise ApiError(429, f"Too Many Requests: retry after {wait}", {"retry_after": wait})
        self._recent_sends.append(now)
        if new_message:
            self._chat_levels[chat] = (level + 1, now)

    def _chat(self, chat_id: Any) -> Chat:
        try:
            chat = self._chats.get(int(chat_id))
        except (TypeError, ValueError):
            chat = None
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        return chat

    def _reachable_chat(self, chat_id: Any) -> Chat:
        chat = self._chat(chat_id)
        if chat.id in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _stored_message(self, params: Params) -> tuple[Chat, dict[str, Any]]:
        chat = self._chat(params.get("chat_id"))
        message = chat.messages.get(int(params.get("message_id") or 0))
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        return chat, message

    @staticmethod
    def _parse(raw: str, parse_mode: str | None, limit: int, what: str, allow_empty: bool = False) -> tuple[str, list[dict[str, Any]]]:
        """The text and entities Telegram would store, or its 400 answer."""
        entities: list[dict[str, Any]] = []
        if parse_mode and parse_mode.upper() == "HTML":
            try:
                plain, entities = parse_html(raw)
            except EntityParseError as exc:
                raise ApiError(400, f"Bad Request: can't parse entities: {exc}") from None
        elif parse_mode:
            raise ApiError(400, f"Bad Request: unsupported parse_mode {parse_mode} in this double")
        else:
            plain = raw
        if not plain.strip() and not allow_empty:
            raise ApiError(400, f"Bad Request: {what} is empty")
        if utf16_len(plain) > limit:
            raise ApiError(400, f"Bad Request: {what} is too long")
        return plain, entities

    def _new_bot_message(self, chat: Chat, params: Params) -> dict[str, Any]:
        thread = params.get("message_thread_id")
        if thread is not None and int(thread) not in chat.topics:
            raise ApiError(400, "Bad Request: message thread not found")
        message: dict[str, Any] = {
            "message_id": next(chat.message_ids),
            "from": self._get_me({}, {}),
            "chat": chat.as_dict(),
            "date": int(time.time()),
        }
        if thread is not None:
            message.update(message_thread_id=int(thread), is_topic_message=True)
        _set_markup(message, params)
        return message

    def _create_forum_topic(self, params: Params, uploads: Uploads) -> dict[str, Any]:
        """A topic in a forum supergroup: its id is the id of the service message that opens it."""
        chat = self._chat(params.get("chat_id"))
        if not chat.is_forum:
            raise ApiError(400, "Bad Request: the chat is not a forum")
        name = str(params.get("name") or "")
        if not 1 <= len(name) <= 128:
            raise ApiError(400, "Bad Request: TOPIC_NAME_INVALID")
        message = self._new_bot_message(chat, {})
        chat.topics[message["message_id"]] = name
        message.update(message_thread_id=message["message_id"], forum_topic_created={"name": name, "icon_color": 7322096})
        self._record("createForumTopic", chat, message, name, None)
        return {"message_thread_id": message["message_id"], "name": name, "icon_color": 7322096}

    def _record(
        self, method: str, chat: Chat, message: dict[str, Any], raw: str | None, parse_mode: str | None, stored: StoredFile | None = None
    ) -> dict[str, Any]:
        with self._cond:
            chat.messages[message["message_id"]] = message
            chat.log.append(Sent(method, chat.id, json.loads(json.dumps(message)), raw, parse_mode, stored))
            self._cond.notify_all()
        return message

    def _incoming_file(self, value: Any, uploads: Uploads, kind: str) -> StoredFile:
        if isinstance(value, str) and value.startswith("attach://"):
            name, data, mime = uploads[value.removeprefix("attach://")]
            return self._store_file(data, kind, name=name, mime_type=mime)
        if isinstance(value, str) and value in self._files:
            stored = self._files[value]
            if not stored.file_id.startswith(kind[:3].upper()):
                raise ApiError(400, f"Bad Request: can't use file of another type as {kind.capitalize()}")
            return stored
        if kind in uploads:
            name, data, mime = uploads[kind]
            return self._store_file(data, kind, name=name, mime_type=mime)
        raise ApiError(400, f"Bad Request: wrong file identifier/HTTP URL specified for {kind}")

    def _store_file(self, data: bytes, kind: str, *, name: str | None = None, mime_type: str | None = None) -> StoredFile:
        with self._cond:
            unique = secrets.token_urlsafe(8)
            file_id = f"{kind[:3].upper()}-{secrets.token_urlsafe(16)}"
            folder = "photos" if kind == "photo" else "documents"
            suffix = name.rsplit(".", 1)[-1] if name and "." in name else "jpg" if kind == "photo" else "bin"
            stored = StoredFile(file_id, unique, data, f"{folder}/file_{len(self._files)}.{suffix}", name, mime_type)
            self._files[file_id] = stored
        return stored

    # ----- the users' side -----------------------------------------------------------------------

    def user(
        self, user_id: int, first_name: str, *, language_code: str | None = "id", last_name: str | None = None, username: str | None = None
    ) -> FakeUser:
        """A Telegram user with a private chat to the bot."""
        with self._cond:
            if user_id not in self._chats:
                self._chats[user_id] = Chat(user_id, "private", first_name=first_name, username=username)
        return FakeUser(self, user_id, first_name, language_code, last_name, username)

    def group(self, chat_id: int, title: str, *, forum: bool = False) -> Chat:
        """A group chat the bot is a member of (group ids are negative); `forum`: a supergroup with topics."""
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        with self._cond:
            return self._chats.setdefault(chat_id, Chat(chat_id, "supergroup", title=title, is_forum=forum))

    def block(self, user_id: int, blocked: bool = True) -> None:
        """Make the bot's sends to this user fail with 403, as when she blocks the bot."""
        with self._cond:
            (self._blocked.add if blocked else self._blocked.discard)(user_id)

    def fail_next(
        self, method: str, status: int, description: str, *, retry_after: int | None = None, chat_id: int | None = None, times: int = 1
    ) -> None:
        """Make the next `times` calls of `method` fail with this error."""
        parameters = {"retry_after": retry_after} if retry_after is not None else None
        with self._cond:
            self._faults.append(Fault(method, ApiError(status, description, parameters), chat_id, times))

    def lose_answer_next(self, method: str, *, chat_id: int | None = None, times: int = 1) -> None:
        """Carry out the next `times` calls of `method`, but let their answers never arrive: the bot's
        request times out although Telegram accepted it (the message is in the chat)."""
        with self._cond:
            self._faults.append(Fault(method, None, chat_id, times))

    def restart_update_ids(self, start: int | None = None) -> None:
        """Start a new sequence of update ids, as Telegram does after a week without updates (at a
        random number) or for a new token; `start` picks the first id. Telegram does this only when no
        update is waiting: a week without updates, or a token with none yet."""
        with self._cond:
            if self._updates:
                raise RuntimeError("update ids restart only when no update waits to be confirmed")
            first = start if start is not None else secrets.randbelow(2**31)
            self._update_ids = itertools.count(first)
            self._confirmed = self._last_update_id = first - 1

    def push_update(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for getUpdates and return it with its update_id. Telegram keeps the update as
        it was made: a later edit of the message a button sits under does not change a redelivery."""
        with self._cond:
            update = {"update_id": next(self._update_ids), **copy.deepcopy(payload)}
            self._last_update_id = update["update_id"]
            self._updates.append(update)
            self._cond.notify_all()
        return update

    def upload(self, data: bytes, kind: str, *, name: str | None = None, mime_type: str | None = None) -> StoredFile:
        """Store a file as if a user uploaded it to Telegram."""
        return self._store_file(data, kind, name=name, mime_type=mime_type)

    def sent(self, chat_id: int) -> list[Sent]:
        with self._cond:
            return list(self._chat(chat_id).log)

    def wait_sent(self, chat_id: int, index: int, timeout: float) -> Sent:
        """Block until the chat's log has an entry at `index`; raise TimeoutError otherwise."""
        deadline = time.monotonic() + timeout
        with self._cond:
            chat = self._chat(chat_id)
            while len(chat.log) <= index:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    shown = "\n".join(f"  {s.method}: {s.text[:80]!r}" for s in chat.log[-5:])
                    raise TimeoutError(f"no message #{index} in chat {chat_id} after {timeout}s; last ones:\n{shown}")
                self._cond.wait(remaining)
            return chat.log[index]

    def wait_all_confirmed(self, timeout: float = 10) -> bool:
        """Block until the bot has confirmed every update pushed so far (it is idle between updates)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._confirmed < self._last_update_id:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
            return True

    def rate_limited(self) -> int:
        """How many calls were answered 429 by the emulated flood limits (the bot's second, a group's minute, a private chat's burst)."""
        with self._cond:
            return self._limited

    def count_calls(self, method: str) -> int:
        with self._cond:
            return sum(1 for name, _ in self.calls if name.lower() == method.lower())

    def pending_updates(self) -> int:
        with self._cond:
            return len(self._updates)


def _update_chat(update: dict[str, Any]) -> int:
    """The chat an update belongs to (its sender's id when it has no chat)."""
    for value in update.values():
        if isinstance(value, dict):
            chat = value.get("chat") or (value.get("message") or {}).get("chat") or value.get("from") or value.get("user") or {}
            if isinstance(chat.get("id"), int):
                return int(chat["id"])
    return 0


class FakeUser:
    """One Telegram user talking to the bot. Send things, then read what came back."""

    def __init__(
        self, double: BotApiDouble, user_id: int, first_name: str, language_code: str | None, last_name: str | None, username: str | None
    ) -> None:
        self.double = double
        self.id = user_id
        self.first_name = first_name
        self.language_code = language_code
        self.last_name = last_name
        self.username = username
        self._read = 0
        self._message_ids = itertools.count(1_000_000)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    def _message(self, chat: Chat | None, **content: Any) -> dict[str, Any]:
        chat_dict = chat.as_dict() if chat else self.double._chat(self.id).as_dict()
        return {"message_id": next(self._message_ids), "from": self.as_dict(), "chat": chat_dict, "date": int(time.time()), **content}

    def send(
        self,
        text: str,
        *,
        chat: Chat | None = None,
        mention: bool = False,
        reply_to: dict[str, Any] | None = None,
        thread: int | None = None,
    ) -> dict[str, Any]:
        """Send text; a leading /command gets its bot_command entity (with @botname if `mention`). In a
        forum, `thread` posts in that topic, whose opening message it then answers, as Telegram shows it."""
        content: dict[str, Any] = {}
        if thread is not None and chat is not None:
            content.update(message_thread_id=thread, is_topic_message=True, reply_to_message=chat.messages[thread])
        if reply_to is not None:
            content["reply_to_message"] = reply_to
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            if mention and "@" not in command:
                text = text.replace(command, f"{command}@{self.double.username}", 1)
                command = f"{command}@{self.double.username}"
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]
        return self.double.push_update({"message": self._message(chat, text=text, **content)})

    def edit(self, original: dict[str, Any], text: str) -> dict[str, Any]:
        """Edit a message this user sent before."""
        message = dict(original["message"], text=text, edit_date=int(time.time()))
        return self.double.push_update({"edited_message": message})

    def press(self, label: str, sent: Sent | None = None) -> dict[str, Any]:
        """Press the inline button labelled `label` (or else containing it) on `sent`, by default the last with buttons."""
        sent = sent or self.last_with_buttons()
        buttons = [button for row in sent.buttons for button in row if "callback_data" in button]
        exact = [button for button in buttons if button["text"] == label]
        for button in exact or [button for button in buttons if label in button["text"]]:
            return self.press_data(button["callback_data"], sent)
        raise LookupError(f"no button {label!r} in {sent.button_texts}")

    def press_data(self, data: str, sent: Sent) -> dict[str, Any]:
        """Send a callback query with any data, also data no button carries (forged)."""
        current = self.double._chat(sent.chat_id).messages.get(sent.message_id, sent.message)
        query = {"id": secrets.token_hex(8), "from": self.as_dict(), "message": current, "chat_instance": str(sent.chat_id), "data": data}
        return self.double.push_update({"callback_query": query})

    def send_photo(self, data: bytes, *, caption: str | None = None, chat: Chat | None = None) -> dict[str, Any]:
        stored = self.double.upload(data, "photo")
        extra = {"caption": caption} if caption else {}
        return self.double.push_update({"message": self._message(chat, photo=[_photo_size(stored)], **extra)})

    def send_document(
        self, data: bytes, file_name: str, mime_type: str, *, caption: str | None = None, chat: Chat | None = None
    ) -> dict[str, Any]:
        stored = self.double.upload(data, "document", name=file_name, mime_type=mime_type)
        extra = {"caption": caption} if caption else {}
        return self.double.push_update({"message": self._message(chat, document=_document(stored), **extra)})

    def answer_poll(self, poll_id: str, option: int) -> dict[str, Any]:
        """Answer a (non-anonymous) poll the bot sent: Telegram delivers a poll_answer update."""
        answer = {"poll_id": poll_id, "user": self.as_dict(), "option_ids": [option], "option_persistent_ids": [str(option)]}
        return self.double.push_update({"poll_answer": answer})

    def block_bot(self, blocked: bool = True) -> dict[str, Any]:
        """Block (or unblock) the bot: sends fail with 403, and a my_chat_member update arrives."""
        self.double.block(self.id, blocked)
        old, new = ("member", "kicked") if blocked else ("kicked", "member")
        me = self.double._get_me({}, {})
        change = {
            "chat": self.double._chat(self.id).as_dict(),
            "from": self.as_dict(),
            "date": int(time.time()),
            "old_chat_member": _member(old, me),
            "new_chat_member": _member(new, me),
        }
        return self.double.push_update({"my_chat_member": change})

    def send_sticker(self) -> dict[str, Any]:
        stored = self.double.upload(b"RIFF-webp-sticker", "sticker")
        sticker = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "👍",
        }
        return self.double.push_update({"message": self._message(None, sticker=sticker)})

    def send_voice(self, seconds: int = 3) -> dict[str, Any]:
        stored = self.double.upload(b"OggS-voice", "voice", mime_type="audio/ogg")
        voice = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "duration": seconds,
            "mime_type": "audio/ogg",
            "file_size": stored.size,
        }
        return self.double.push_update({"message": self._message(None, voice=voice)})

    # reading what the bot sent to this user's private chat

    def next_message(self, timeout: float = 10, *, include_edits: bool = False) -> Sent:
        """The next message the bot sent to this chat that the test has not read yet.

        Edits of earlier messages are passed over unless `include_edits`.
        """
        deadline = time.monotonic() + timeout
        while True:
            sent = self.double.wait_sent(self.id, self._read, max(0.0, deadline - time.monotonic()))
            self._read += 1
            if include_edits or not sent.is_edit:
                return sent

    def messages(self, *, include_edits: bool = True) -> list[Sent]:
        """Everything the bot sent to this chat, in order; only the new messages unless `include_edits`."""
        return [sent for sent in self.double.sent(self.id) if include_edits or not sent.is_edit]

    def last_with_buttons(self) -> Sent:
        for sent in reversed(self.messages()):
            if sent.buttons:
                return sent
        raise LookupError("the bot sent no message with buttons")

    def skip_read(self) -> None:
        """Mark everything sent so far as read."""
        self._read = len(self.messages())


def _decode(value: Any) -> Any:
    """Form fields arrive as strings; structured ones are JSON, as PTB sends them."""
    if isinstance(value, bytes):
        value = value.decode()
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    if value in ("true", "false"):
        return value == "true"
    return value


def _member(status: str, user: dict[str, Any]) -> dict[str, Any]:
    return {"status": status, "user": user, **({"until_date": 0} if status == "kicked" else {})}


def _set_text(message: dict[str, Any], field: str, plain: str, entities: list[dict[str, Any]]) -> None:
    """The text (or caption) as Telegram stores it: plain, with its entities beside it."""
    message[field] = plain
    key = "entities" if field == "text" else "caption_entities"
    if entities:
        message[key] = entities
    else:
        message.pop(key, None)


def _set_markup(message: dict[str, Any], params: Params) -> None:
    markup = params.get("reply_markup")
    if isinstance(markup, dict) and "inline_keyboard" in markup:
        message["reply_markup"] = markup
    else:
        message.pop("reply_markup", None)


def _photo_size(stored: StoredFile) -> dict[str, Any]:
    return {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "width": 1280, "height": 960, "file_size": stored.size}


def _document(stored: StoredFile) -> dict[str, Any]:
    document: dict[str, Any] = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "file_size": stored.size}
    if stored.name:
        document["file_name"] = stored.name
    if stored.mime_type:
        document["mime_type"] = stored.mime_type
    return document
