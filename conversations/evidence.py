"""Evidence from Telegram messages: what is accepted, and a copy on disk under ECOACH_DATA_DIR.

A document is judged by its content, not its name: once downloaded, its first bytes are sniffed
(`filetype`), and anything but a PDF, an Office document or an image, such as a renamed program, is
refused and removed. Photos come from Telegram, which re-encodes them as JPEG.
"""

from __future__ import annotations

import asyncio
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import filetype
from telegram import Bot, InputMediaDocument, InputMediaPhoto, Message
from telegram.error import TelegramError

from db.logbook import EvidenceItem
from db.models import Evidence, EvidenceKind

MAX_DOWNLOAD = 20 * 1024 * 1024  # Telegram's getFile limit
ALBUM = 10  # items in one sendMediaGroup
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
SNIFFED = {"pdf", "docx", "xlsx", "pptx", "jpg", "png", "webp", "heic"}  # what the content itself may turn out to be
MAX_NAME = 255
URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
MAX_URL = 2000


class Refused(Exception):
    """This attachment cannot be evidence; `key` names the message that says why."""

    def __init__(self, key: str, **values: int | str) -> None:
        super().__init__(key)
        self.key = key
        self.values: dict[str, int | str] = values


def remove_files(data_dir: Path, paths: list[str]) -> None:
    """Delete evidence copies from disk; a file already gone is fine."""
    for relative in paths:
        (data_dir / relative).unlink(missing_ok=True)


def stored_bytes(data_dir: Path, person_id: int) -> int:
    """What her evidence takes on disk, drafts' files included."""
    folder = data_dir / "evidence" / str(person_id)
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file()) if folder.is_dir() else 0


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
        name = clean_name(document.file_name)
        return EvidenceItem(EvidenceKind.DOCUMENT, document.file_id, document.file_unique_id, name, document.mime_type, document.file_size)
    if message.voice or message.audio or message.video or message.video_note or message.sticker or message.animation:
        raise Refused("logbook.media_refused")
    return None


def clean_name(name: str | None) -> str | None:
    """A file name fit to store and show: no control characters (NUL included), at most 255 characters."""
    if not name:
        return None
    cleaned = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf", "Cs")).strip()
    return cleaned[:MAX_NAME] or None


def links(text: str) -> list[EvidenceItem]:
    return [EvidenceItem(EvidenceKind.LINK, url=url[:MAX_URL]) for url in dict.fromkeys(URL.findall(text))]


def _extension(item: EvidenceItem) -> str:
    if item.name and "." in item.name:
        suffix = item.name.rsplit(".", 1)[-1].lower()
        if suffix in ALLOWED_EXTENSIONS:
            return suffix
    return ALLOWED.get(item.mime_type or "", "bin")


async def keep_copy(bot: Bot, data_dir: Path, person_id: int, item: EvidenceItem, quota_mb: int) -> EvidenceItem:
    """Download the file under data_dir/evidence/<person>/ and return the item with its path.

    Files over Telegram's 20 MB limit keep only their reference (local_path None). A document whose
    content is not an accepted kind, or a file past her `quota_mb`, is removed again and Refused.
    """
    if item.file_id is None or item.file_unique_id is None or (item.size or 0) > MAX_DOWNLOAD:
        return item
    quota = quota_mb * 1024 * 1024
    used = await asyncio.to_thread(stored_bytes, data_dir, person_id)
    if used + (item.size or 0) > quota:
        raise Refused("logbook.quota_full", limit=quota_mb)
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
    if used + target.stat().st_size > quota:  # Telegram did not say its size beforehand
        target.unlink(missing_ok=True)
        raise Refused("logbook.quota_full", limit=quota_mb)
    mime_type = item.mime_type
    if item.kind == EvidenceKind.DOCUMENT:
        kind = await asyncio.to_thread(filetype.guess, str(target))
        if kind is None or kind.extension not in SNIFFED:
            target.unlink(missing_ok=True)
            raise Refused("logbook.type_refused")
        mime_type = kind.mime
        if target.suffix != f".{kind.extension}":  # stored under what it is, not what it was called
            target = target.rename(target.with_suffix(f".{kind.extension}"))
            relative = relative.with_suffix(f".{kind.extension}")
    return EvidenceItem(**{**vars(item), "local_path": str(relative), "mime_type": mime_type, "size": item.size or target.stat().st_size})


async def send_evidence(bot: Bot, chat_id: int, items: Sequence[Evidence]) -> None:
    """An entry's photos as an album and its documents as another, each sent by Telegram's file_id
    (nothing is uploaded again; a file too big to download is sent the same way)."""
    for kind, as_media in ((EvidenceKind.PHOTO, InputMediaPhoto), (EvidenceKind.DOCUMENT, InputMediaDocument)):
        file_ids = [item.file_id for item in items if item.kind == kind and item.file_id]
        for start in range(0, len(file_ids), ALBUM):
            chunk = file_ids[start : start + ALBUM]
            if len(chunk) > 1:
                await bot.send_media_group(chat_id, [as_media(file_id) for file_id in chunk])
            elif kind == EvidenceKind.PHOTO:
                await bot.send_photo(chat_id, chunk[0])
            else:
                await bot.send_document(chat_id, chunk[0])
