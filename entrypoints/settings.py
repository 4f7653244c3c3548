"""Configuration from the environment (and an optional .env file)."""

from __future__ import annotations

import ipaddress
import os
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.views import SEARCH_WINDOW

JWT_SECRET_MIN_LENGTH = 32
JWT_SECRET_MIN_DISTINCT = 10
PUBLISHED_JWT_SECRETS = frozenset({"dev-secret-change-me-in-production-0123456789"})
"""Secrets that were once in this repository (the development default until issue 13):
anyone who read it can sign tokens with them."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_file_encoding="utf-8")

    environment: Literal["development", "test", "production"] = "development"
    storage: Literal["postgres", "memory"] = "postgres"
    database_url: str | None = Field(
        default=None,
        description="postgresql+asyncpg://...; unset means the embedded PostgreSQL under .data/",
    )
    database_replica_urls: list[str] = Field(
        default_factory=list,
        description="JSON list of postgresql+asyncpg:// URLs of streaming replicas the reads "
        "may use; empty: every read on DATABASE_URL",
    )
    replica_max_lag: float = Field(
        default=5.0, gt=0, description="seconds; a replica further behind is out of rotation"
    )
    replica_read_timeout: float = Field(
        default=2.0,
        gt=0,
        description="seconds a read may take on a replica before the primary answers it",
    )
    replica_check_interval: float = Field(
        default=0.2, gt=0, le=10, description="seconds between two checks of every database"
    )
    data_dir: str = ".data"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(
        default_factory=lambda: os.cpu_count() or 1, ge=1, le=64, description="one per core"
    )

    jwt_secret: SecretStr | None = Field(
        default=None,
        description="required in production; elsewhere unset means a random one under DATA_DIR",
    )
    jwt_ttl_seconds: int = Field(default=7 * 24 * 3600, ge=60)

    argon2_time_cost: int = Field(default=2, ge=1)
    argon2_memory_kib: int = Field(default=19_456, ge=8)

    cors_origins: list[str] = ["*"]
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "text"] | None = Field(
        default=None, description="json in production, text elsewhere"
    )
    docs_enabled: bool = True
    metrics_port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description="serve /metrics (and /livez, /readyz) on this port; unset: /metrics on "
        "the API port in development only",
    )
    max_body_bytes: int = Field(default=1_048_576, ge=1_024)
    max_header_bytes: int = Field(
        default=16_384, ge=1_024, description="request line and headers; larger get 431"
    )
    search_window: int = Field(default=SEARCH_WINDOW, ge=1, le=100_000)
    embedded_pg_settings: dict[str, str] = Field(default_factory=dict)
    """postgresql.conf values for the embedded server, over those sized from memory."""
    rate_limit_per_minute: int = Field(
        default=30, ge=0, description="login and registration attempts per client; 0 = off"
    )
    shutdown_grace_seconds: int = Field(default=20, ge=0)
    request_timeout_seconds: float = Field(
        default=5.0, gt=0, description="a request unanswered by then gets 503 with Retry-After"
    )
    forwarded_allow_ips: str = Field(
        default="",
        description="comma-separated addresses or networks (or *) whose X-Forwarded-For "
        "and X-Forwarded-Proto are believed; empty: nobody's",
    )

    db_pool_size: int = Field(default=20, ge=1)
    db_max_overflow: int = Field(default=0, ge=0)
    db_pool_timeout: float = Field(default=5.0, gt=0)
    db_pool_recycle: int = Field(default=1800, ge=-1)
    db_pool_pre_ping: bool = False
    db_statement_timeout_ms: int = Field(default=15_000, ge=0)
    db_lock_timeout_ms: int = Field(default=5_000, ge=0)
    db_idle_in_transaction_timeout_ms: int = Field(default=30_000, ge=0)
    db_command_timeout: float = Field(default=30.0, gt=0)
    db_connect_timeout: float = Field(default=5.0, gt=0)
    db_pgbouncer: bool = False

    @field_validator("database_url")
    @classmethod
    def _hosts_in_query(cls, url: str | None) -> str | None:
        return None if url is None else multi_host_url(url)

    @field_validator("database_replica_urls")
    @classmethod
    def _replica_urls(cls, urls: list[str]) -> list[str]:
        for url in urls:
            if not url.startswith("postgresql"):
                raise ValueError(f"{url!r} is not a postgresql+asyncpg:// URL")
        return [multi_host_url(url) for url in urls]

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _addresses(cls, raw: str) -> str:
        for entry in filter(None, (item.strip() for item in raw.split(","))):
            if entry == "*":
                continue
            try:
                ipaddress.ip_network(entry)  # an address is a network of one
            except ValueError as error:
                raise ValueError(f"{entry!r} is not an IP address or network") from error
        return raw

    @property
    def metrics_on_api_port(self) -> bool:
        """Metrics tell an attacker what the service does: public only in development."""
        return self.metrics_port is None and self.environment == "development"

    @property
    def effective_log_format(self) -> str:
        if self.log_format is not None:
            return self.log_format
        return "json" if self.environment == "production" else "text"

    @model_validator(mode="after")
    def _two_ports(self) -> Settings:
        if self.metrics_port == self.port:
            raise ValueError("METRICS_PORT must differ from PORT")
        return self

    @model_validator(mode="after")
    def _safe_in_production(self) -> Settings:
        if self.environment == "production":
            if self.jwt_secret is None:
                raise ValueError("JWT_SECRET must be set in production")
            if weakness := jwt_secret_weakness(self.jwt_secret.get_secret_value()):
                raise ValueError(f"JWT_SECRET {weakness} in production")
            if "*" in self.cors_origins:
                raise ValueError(
                    "CORS_ORIGINS must list the allowed origins in production, not '*'"
                )
        return self


def multi_host_url(url: str) -> str:
    """libpq's `user@host1:5432,host2:5432/db` as SQLAlchemy's asyncpg dialect takes several
    hosts: `user@/db?host=host1:5432&host=host2:5432` (any other URL unchanged)."""
    scheme, sep, rest = url.partition("://")
    netloc, _, tail = rest.partition("/")
    credentials, at, hosts = netloc.rpartition("@")
    if not sep or "," not in hosts:
        return url
    database, question, query = tail.partition("?")
    pairs = "&".join(f"host={host}" for host in hosts.split(","))
    joined = f"{pairs}&{query}" if question and query else pairs
    return f"{scheme}://{credentials}{at}/{database}?{joined}"


def jwt_secret_weakness(secret: str) -> str | None:
    """Why `secret` is too weak to sign production tokens, or None."""
    if secret in PUBLISHED_JWT_SECRETS:
        return "is a published secret (it was in this repository), refused"
    if len(secret) < JWT_SECRET_MIN_LENGTH:
        return f"must be at least {JWT_SECRET_MIN_LENGTH} characters"
    if len(set(secret)) < JWT_SECRET_MIN_DISTINCT:
        return (
            f"must mix at least {JWT_SECRET_MIN_DISTINCT} different characters "
            "(generate one: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
        )
    return None
