"""Configuration: invalid or unsafe settings stop the service at start-up, with the reason."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from entrypoints.settings import PUBLISHED_JWT_SECRETS, Settings

ROOT = Path(__file__).resolve().parents[2]
STRONG_SECRET = "production-secret-0123456789-abcdefghijklmnop"


def test_production_refuses_to_start_without_a_jwt_secret() -> None:
    with pytest.raises(ValidationError, match="JWT_SECRET must be set in production"):
        Settings(environment="production", cors_origins=["https://app.example"])


@pytest.mark.parametrize(
    ("secret", "reason"),
    [
        ("short", "at least 32 characters"),
        ("a" * 64, "at least 10 different characters"),
        ("abab" * 16, "at least 10 different characters"),
        *((published, "published secret") for published in PUBLISHED_JWT_SECRETS),
    ],
)
def test_production_refuses_a_weak_jwt_secret(secret: str, reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        Settings(environment="production", jwt_secret=secret, cors_origins=["https://a.example"])


def test_production_refuses_a_wildcard_cors_origin() -> None:
    with pytest.raises(ValidationError, match="CORS_ORIGINS"):
        Settings(environment="production", jwt_secret=STRONG_SECRET)


def test_production_with_safe_settings_is_accepted_and_logs_json() -> None:
    settings = Settings(
        environment="production", jwt_secret=STRONG_SECRET, cors_origins=["https://a.example"]
    )
    assert settings.effective_log_format == "json"
    assert Settings().effective_log_format == "text"


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "9000")
    monkeypatch.setenv("CORS_ORIGINS", '["https://a.example","https://b.example"]')
    monkeypatch.setenv("DB_POOL_SIZE", "3")
    settings = Settings()
    assert settings.port == 9000
    assert settings.cors_origins == ["https://a.example", "https://b.example"]
    assert settings.db_pool_size == 3


def test_there_is_no_default_jwt_secret_and_a_set_one_is_never_shown() -> None:
    assert Settings().jwt_secret is None
    assert STRONG_SECRET not in repr(Settings(jwt_secret=STRONG_SECRET))


@pytest.mark.parametrize(
    ("name", "value"),
    [("PORT", "not-a-port"), ("ENVIRONMENT", "staging"), ("DB_POOL_SIZE", "0")],
)
def test_the_cli_fails_fast_with_a_clear_message(name: str, value: str) -> None:
    env = {**os.environ, name: value}
    result = subprocess.run(
        [sys.executable, "-m", "entrypoints.cli", "db", "url"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "invalid configuration" in result.stderr
    assert name.lower() in result.stderr.lower()
