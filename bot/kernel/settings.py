"""Settings from environment variables and an optional .env file."""

from __future__ import annotations

import re
from datetime import time, timedelta
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from db.engine import is_sqlite

LOCALES = ("id", "en")
DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}  # the async drivers ecoach installs
EXAMPLE_URLS = "sqlite+aiosqlite:///data/ecoach.sqlite3 or postgresql+asyncpg://user@host:5432/ecoach"


class SettingsError(Exception):
    """A setting is missing or malformed; the message names the variable."""


class Settings(BaseSettings):
    """Every knob of ecoach, read once at start-up."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    telegram_bot_token: SecretStr | None = Field(default=None, alias="TELEGRAM_BOT_TOKEN")
    telegram_api_url: str = Field(default="https://api.telegram.org", alias="TELEGRAM_API_URL")
    data_dir: Path = Field(default=Path("data"), alias="ECOACH_DATA_DIR")
    database_url_override: str | None = Field(default=None, alias="DATABASE_URL")
    admin_ids: Annotated[frozenset[int], NoDecode] = Field(default=frozenset(), alias="ECOACH_ADMIN_IDS")
    default_timezone: str = Field(default="Asia/Jakarta", alias="ECOACH_DEFAULT_TIMEZONE")
    default_locale: str = Field(default="id", alias="ECOACH_DEFAULT_LOCALE")
    sweep_seconds: float = Field(default=60, gt=0, alias="ECOACH_SWEEP_SECONDS")
    # A claimed send (or webhook update) not confirmed within this time is taken again: how long a
    # killed process delays what it held. Longer than any one send, with its rate-limit wait.
    lease_seconds: float = Field(default=120, gt=0, alias="ECOACH_LEASE_SECONDS")
    bot_username: str | None = Field(default=None, alias="ECOACH_BOT_USERNAME")
    # Bot API calls per second for the whole bot (Telegram allows about 30); 0 lifts the limit. The
    # processes that send (`ecoach worker`s, or the one `ecoach run`) share it equally.
    send_rate: float = Field(default=30, ge=0, alias="ECOACH_SEND_RATE")
    sending_processes: int = Field(default=1, ge=1, le=64, alias="ECOACH_SENDING_PROCESSES")
    # New messages one private chat gets at once, then one a second (Telegram: about one a second, short
    # bursts allowed); 0 leaves private chats unpaced (the tests that type faster than anyone do).
    chat_burst: int = Field(default=3, ge=0, alias="ECOACH_CHAT_BURST")
    # Updates from different people handled at once in polling mode; one person's stay in order.
    # Unset: 8 on PostgreSQL, 1 on SQLite, whose single writer makes the others sleep and retry.
    concurrent_updates_override: int | None = Field(default=None, ge=1, le=64, alias="ECOACH_CONCURRENT_UPDATES")
    # Updates one person may send: a burst, then this many a minute; past it, one "please slow down".
    # 0 turns the throttle off (the tests that type faster than anyone do).
    updates_per_minute: float = Field(default=20, ge=0, alias="ECOACH_UPDATES_PER_MINUTE")
    update_burst: int = Field(default=10, ge=0, alias="ECOACH_UPDATE_BURST")
    # Evidence quotas: files in one logbook entry, and megabytes kept on disk for one alumna.
    max_files_per_entry: int = Field(default=10, ge=1, alias="ECOACH_MAX_FILES_PER_ENTRY")
    max_evidence_mb: int = Field(default=500, ge=1, alias="ECOACH_MAX_EVIDENCE_MB")
    webhook_url: str | None = Field(default=None, alias="ECOACH_WEBHOOK_URL")  # the public https URL Telegram posts to
    webhook_secret: SecretStr | None = Field(default=None, alias="ECOACH_WEBHOOK_SECRET")
    webhook_listen: str = Field(default="127.0.0.1", alias="ECOACH_WEBHOOK_LISTEN")
    webhook_port: int = Field(default=8080, ge=1, le=65535, alias="ECOACH_WEBHOOK_PORT")
    # The organizers' web dashboard: served by `ecoach web`, and by `ecoach run` when the port is set.
    web_listen: str = Field(default="127.0.0.1", alias="ECOACH_WEB_LISTEN")
    web_port: int | None = Field(default=None, ge=1, le=65535, alias="ECOACH_WEB_PORT")
    web_url: str | None = Field(default=None, alias="ECOACH_WEB_URL")  # its public base URL behind a reverse proxy
    weekly_tips: bool = Field(default=True, alias="ECOACH_WEEKLY_TIPS")
    tip_weekday: int = Field(default=0, ge=0, le=6, alias="ECOACH_TIP_WEEKDAY")  # 0 = Monday
    tip_time: time = Field(default=time(8, 0), alias="ECOACH_TIP_TIME")  # in ECOACH_DEFAULT_TIMEZONE

    @field_validator("telegram_api_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("web_url")
    @classmethod
    def _web_url_shape(cls, value: str | None) -> str | None:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/") if value else value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        # Telegram accepts 1-256 characters of A-Za-z0-9_-; fewer than 16 is too easy to guess.
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{16,256}", value.get_secret_value()):
            raise ValueError("must be 16 to 256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
            if not all(part.lstrip("-").isdigit() for part in parts):
                raise ValueError("must be comma-separated numeric Telegram user ids")
            return frozenset(int(part) for part in parts)
        return value

    @field_validator("database_url_override")
    @classmethod
    def _usable_database_url(cls, value: str | None) -> str | None:
        if not value:
            return value
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError(f"not a database URL; write {EXAMPLE_URLS}") from None
        if url.drivername not in DRIVERS.values():
            backend = url.get_backend_name()
            hint = f"write {DRIVERS[backend]}://…" if backend in DRIVERS else f"write {EXAMPLE_URLS}"
            raise ValueError(f"the driver {url.drivername!r} is not the one ecoach uses; {hint}")
        return value

    @field_validator("default_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("default_locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        if value not in LOCALES:
            raise ValueError(f"must be one of {', '.join(LOCALES)}")
        return value

    @property
    def database_url(self) -> str:
        """The configured URL, or a SQLite file under the data directory."""
        if self.database_url_override:
            return self.database_url_override
        return f"sqlite+aiosqlite:///{(self.data_dir / 'ecoach.sqlite3').resolve()}"

    @property
    def web_base_url(self) -> str | None:
        """Where login links point: ECOACH_WEB_URL, else the address it listens on; None when it is off."""
        if self.web_url:
            return self.web_url
        return f"http://{self.web_listen}:{self.web_port}" if self.web_port else None

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.lease_seconds)

    @property
    def concurrent_updates(self) -> int:
        if self.concurrent_updates_override is not None:
            return self.concurrent_updates_override
        return 1 if is_sqlite(self.database_url) else 8

    @property
    def token(self) -> str:
        """The bot token; raises SettingsError when it is not set."""
        if self.telegram_bot_token is None or not self.telegram_bot_token.get_secret_value():
            raise SettingsError("TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather and export it")
        return self.telegram_bot_token.get_secret_value()


def load_settings(**overrides: Any) -> Settings:
    """Read settings, turning validation errors into one line naming the variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else "settings"
        alias = Settings.model_fields[field].alias if field in Settings.model_fields else field
        # Never echo the input: it may be the token.
        message = str(error["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
        raise SettingsError(f"{alias or field} is invalid: {message}") from None
