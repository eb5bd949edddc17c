"""Evidence from Telegram messages: what is accepted, and a copy on disk under ECOACH_DATA_DIR."""

from __future__ import annotations

import re
from pathlib import Path

from telegram import Bot, Message
from telegram.error import TelegramError

from db.logbook import EvidenceItem
from db.models import EvidenceKind

MAX_DOWNLOAD = 20 * 1024 * 1024  # Telegram's getFile limit
ALLOWED = {  # MIME type -> file extension
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/heic": "heic",
}
ALLOWED_EXTENSIONS = {"pdf", "docx", "xlsx", "pptx", "jpg", "jpeg", "png", "webp", "heic"}
URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
MAX_URL = 2000


class Refused(Exception):
    """This attachment cannot be evidence; `key` names the message that says why."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def attachment(message: Message) -> EvidenceItem | None:
    """The evidence a message carries, None when it carries no file, or Refused."""
    if message.photo:
        photo = message.photo[-1]  # the largest size
        return EvidenceItem(EvidenceKind.PHOTO, photo.file_id, photo.file_unique_id, None, "image/jpeg", photo.file_size)
    if message.document:
        document = message.document
        extension = (document.file_name or "").rsplit(".", 1)[-1].lower() if "." in (document.file_name or "") else ""
        if document.mime_type not in ALLOWED and extension not in ALLOWED_EXTENSIONS:
            raise Refused("logbook.type_refused")
        return EvidenceItem(
            EvidenceKind.DOCUMENT, document.file_id, document.file_unique_id, document.file_name, document.mime_type, document.file_size
        )
    if message.voice or message.audio or message.video or message.video_note or message.sticker or message.animation:
        raise Refused("logbook.media_refused")
    return None


def links(text: str) -> list[EvidenceItem]:
    return [EvidenceItem(EvidenceKind.LINK, url=url[:MAX_URL]) for url in dict.fromkeys(URL.findall(text))]


def _extension(item: EvidenceItem) -> str:
    if item.name and "." in item.name:
        suffix = item.name.rsplit(".", 1)[-1].lower()
        if suffix in ALLOWED_EXTENSIONS:
            return suffix
    return ALLOWED.get(item.mime_type or "", "bin")


async def keep_copy(bot: Bot, data_dir: Path, person_id: int, item: EvidenceItem) -> EvidenceItem:
    """Download the file under data_dir/evidence/<person>/ and return the item with its path.

    Files over Telegram's 20 MB limit keep only their reference (local_path None).
    """
    if item.file_id is None or item.file_unique_id is None or (item.size or 0) > MAX_DOWNLOAD:
        return item
    relative = Path("evidence") / str(person_id) / f"{re.sub(r'[^A-Za-z0-9_-]', '_', item.file_unique_id)}.{_extension(item)}"
    target = data_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        telegram_file = await bot.get_file(item.file_id)
        await telegram_file.download_to_drive(target)
    except TelegramError as exc:
        if "too big" in str(exc).lower():
            return item
        raise
    return EvidenceItem(**{**vars(item), "local_path": str(relative), "size": item.size or target.stat().st_size})
