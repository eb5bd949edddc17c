"""Settings: defaults, parsing, and one clear error naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.kernel.settings import Settings, SettingsError, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "TELEGRAM_BOT_TOKEN",
        "TELEGRAM_API_URL",
        "DATABASE_URL",
        "ECOACH_DATA_DIR",
        "ECOACH_ADMIN_IDS",
        "ECOACH_DEFAULT_TIMEZONE",
        "ECOACH_DEFAULT_LOCALE",
        "ECOACH_SWEEP_SECONDS",
        "ECOACH_BOT_USERNAME",
        "ECOACH_CONCURRENT_UPDATES",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_defaults() -> None:
    settings = load_settings()
    assert settings.telegram_api_url == "https://api.telegram.org"
    assert settings.default_timezone == "Asia/Jakarta"
    assert settings.default_locale == "id"
    assert settings.sweep_seconds == 60
    assert settings.admin_ids == frozenset()
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert settings.database_url.endswith("/data/ecoach.sqlite3")
    assert settings.concurrent_updates == 1  # SQLite has one writer


def test_environment_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOACH_ADMIN_IDS", "101, 202,303")
    monkeypatch.setenv("TELEGRAM_API_URL", "http://127.0.0.1:8081/")
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://u@h/db")
    monkeypatch.setenv("ECOACH_SWEEP_SECONDS", "5")
    settings = load_settings()
    assert settings.admin_ids == {101, 202, 303}
    assert settings.telegram_api_url == "http://127.0.0.1:8081"
    assert settings.database_url == "postgresql+asyncpg://u@h/db"
    assert settings.sweep_seconds == 5
    assert settings.concurrent_updates == 8
    monkeypatch.setenv("ECOACH_CONCURRENT_UPDATES", "3")
    assert load_settings().concurrent_updates == 3


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("ECOACH_DEFAULT_LOCALE=en\nECOACH_DEFAULT_TIMEZONE=Asia/Makassar\n")
    settings = load_settings()
    assert (settings.default_locale, settings.default_timezone) == ("en", "Asia/Makassar")


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("ECOACH_ADMIN_IDS", "12,@someone"),
        ("ECOACH_SWEEP_SECONDS", "soon"),
        ("ECOACH_SWEEP_SECONDS", "0"),
        ("ECOACH_CONCURRENT_UPDATES", "0"),
        ("ECOACH_DEFAULT_TIMEZONE", "Mars/Olympus"),
        ("ECOACH_DEFAULT_LOCALE", "fr"),
        ("TELEGRAM_API_URL", "api.telegram.org"),
    ],
)
def test_malformed_setting_names_the_variable(monkeypatch: pytest.MonkeyPatch, variable: str, value: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert str(error.value).startswith(f"{variable} is invalid")
    assert "\n" not in str(error.value)


def test_missing_token_is_one_clear_error() -> None:
    with pytest.raises(SettingsError, match="TELEGRAM_BOT_TOKEN is not set"):
        _ = load_settings().token


def test_token_is_hidden_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:SECRET-TOKEN-VALUE")
    settings = load_settings()
    assert "SECRET-TOKEN-VALUE" not in repr(settings)
    assert settings.token == "123:SECRET-TOKEN-VALUE"


def test_settings_accept_field_names_for_tests() -> None:
    assert Settings(_env_file=None, ECOACH_DEFAULT_LOCALE="en").default_locale == "en"
