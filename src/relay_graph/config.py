from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from relay_graph.i18n import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES, Language, is_language

REPO_FLAGS_FILE = Path(__file__).resolve().parents[2] / "flags.json"


def _primary_subtag(value: str) -> str:
    """Return the language part of a locale name or language tag: en_US.UTF-8 gives en."""
    return value.split(".")[0].replace("_", "-").split("-")[0].lower()


def system_language() -> Language:
    """Return the language of the POSIX locale, or German when it is unset or unsupported.

    The first variable set among LC_ALL, LC_MESSAGES and LANG decides, as in POSIX. So
    LANG=en_US.UTF-8 gives English, and LANG=C or fr_FR.UTF-8 give German.
    """
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name)
        if value:
            primary = _primary_subtag(value)
            return primary if is_language(primary) else DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


class Settings(BaseSettings):
    """Runtime configuration; the only place that reads the environment (prefix RELAY_)."""

    model_config = SettingsConfigDict(
        env_prefix="RELAY_", env_file=".env", env_ignore_empty=True, extra="ignore"
    )

    database_url: str = Field(
        "sqlite+aiosqlite:///./relay.db",
        description="SQLAlchemy URL of the database (aiosqlite or asyncpg).",
    )
    host: str = Field("127.0.0.1", description="Interface the server binds to.")
    port: int = Field(8000, ge=1, le=65535, description="TCP port of the server.")
    workers: int | None = Field(
        None, ge=1, description="Server processes for `relay-graph serve`; unset: one per CPU."
    )
    db_pool_size: int = Field(
        10,
        ge=2,
        description=(
            "PostgreSQL connections that the server processes of one host keep open "
            "together; each process gets its share and opens as many again in a burst."
        ),
    )
    log_level: str = Field("INFO", description="Level of the application's log.")
    unleash_url: str | None = Field(
        None, description="Unleash API base URL; unset runs offline from the flags file."
    )
    unleash_api_token: str | None = Field(None, description="Client API token for Unleash.")
    unleash_app_name: str = Field("relay-graph", description="App name reported to Unleash.")
    unleash_environment: str = Field("default", description="Unleash environment of the client.")
    unleash_refresh_interval: int = Field(
        15, ge=1, description="Seconds between two fetches of the flag state from Unleash."
    )
    unleash_timeout: float = Field(
        2.0, gt=0, description="Seconds that startup waits for Unleash at most."
    )
    unleash_cache_dir: Path | None = Field(
        None, description="Folder of Unleash's file cache (last known flag state)."
    )
    flags_file: Path = Field(
        REPO_FLAGS_FILE, description="Flag definitions in the format of Unleash's client API."
    )
    registration_url: str = Field(
        "https://relay.example/register",
        description="Base URL of Relay's registration page; the code is appended as ?code=.",
    )
    code_ttl_days: int = Field(
        14, ge=1, le=365, description="Days a provider code stays valid unless a tenant sets it."
    )
    outbox_worker: bool = Field(
        True,
        description=(
            "Deliver queued emails from inside the server; false leaves it to separate "
            "`relay-graph outbox-worker` processes."
        ),
    )
    outbox_poll_interval: float = Field(
        2.0, gt=0, description="Seconds an idle outbox worker waits before it looks again."
    )
    outbox_batch_size: int = Field(
        50, ge=1, le=1000, description="Emails a worker claims and sends per round."
    )
    mail_connections: int = Field(
        4, ge=1, le=32,
        description="SMTP connections (or file writes) one worker uses at once for a batch.",
    )
    outbox_lease_seconds: int = Field(
        600,
        ge=30,
        description=(
            "Seconds a claimed batch stays reserved for its worker; after that another "
            "worker may send it again, so it must exceed the time one batch takes."
        ),
    )
    mail_transport: Literal["smtp", "file"] = Field(
        "file",
        description="How emails leave: smtp sends them, file writes one .eml file each.",
    )
    mail_dir: Path = Field(
        Path("var/mail"), description="Folder of the file transport's .eml files."
    )
    mail_from: str = Field(
        "relay@relay.example",
        description="Sender address of every email; the tenant's name is its display name.",
    )
    mail_max_attempts: int = Field(
        8, ge=1, description="Attempts at a temporary failure before an email is FAILED."
    )
    mail_retry_base_seconds: float = Field(
        60.0, gt=0, description="Delay before the first retry; it doubles with each attempt."
    )
    mail_retry_max_seconds: float = Field(
        3600.0, gt=0, description="Maximum delay between two attempts, in seconds."
    )
    smtp_host: str = Field("localhost", description="SMTP server of the smtp transport.")
    smtp_port: int = Field(25, ge=1, le=65535, description="TCP port of the SMTP server.")
    smtp_username: str | None = Field(None, description="SMTP login; unset sends without AUTH.")
    smtp_password: SecretStr | None = Field(None, description="Password of the SMTP login.")
    smtp_tls: Literal["none", "starttls", "ssl"] = Field(
        "starttls",
        description="none (plain text), starttls (upgrade after connecting) or ssl (TLS at once).",
    )
    smtp_timeout: float = Field(
        30.0, gt=0, description="Seconds to wait for the SMTP server at each step."
    )
    max_query_depth: int = Field(10, ge=1, description="Deepest nesting a query may have.")
    max_aliases: int = Field(30, ge=1, description="Most aliases one query may use.")
    max_tokens: int = Field(5000, ge=1, description="Most lexical tokens one query may have.")
    graphiql: bool = Field(True, description="Serve the GraphiQL explorer on GET /graphql.")
    language: Language = Field(
        default_factory=system_language,
        description=(
            "Language of the import command's report and messages, de or en (the other "
            "commands write English). Unset: the locale's language "
            "(LC_ALL, LC_MESSAGES, LANG), else de."
        ),
    )
    max_query_cost: int = Field(
        5000, ge=1, description="Maximum computed cost of one operation; see docs/limits.md."
    )
    max_node_ids: int = Field(100, ge=1, description="Maximum number of IDs in `nodes(ids:)`.")
    max_body_bytes: int = Field(
        1_048_576, ge=1024, description="Maximum size of a request body in bytes (HTTP 413 above)."
    )
    max_batch_operations: int = Field(
        10, ge=0, description="Maximum operations in one batched request; 0 turns batching off."
    )
    rate_limit_per_second: float = Field(
        10.0, ge=0, description="Sustained requests per second per token; 0 turns the limit off."
    )
    rate_limit_burst: int = Field(
        100, ge=1, description="Requests a token may send at once before the rate applies."
    )
    redis_url: str | None = Field(
        None, description="Redis URL for the shared rate-limit budget; unset keeps it in memory."
    )
    rate_limit_key_prefix: str = Field(
        "relay-graph", description="Prefix of the rate-limit keys in Redis."
    )
    cors_origins: str = Field(
        "", description="Comma-separated origins allowed to call the API from a browser."
    )
    hsts_max_age: int = Field(
        0, ge=0, description="Seconds of Strict-Transport-Security; 0 sends no such header."
    )

    @property
    def worker_count(self) -> int:
        return self.workers or os.cpu_count() or 1

    @property
    def cors_origin_list(self) -> list[str]:
        return [origin.strip() for origin in self.cors_origins.split(",") if origin.strip()]

    @field_validator("language", mode="before")
    @classmethod
    def _primary_language(cls, value: Any) -> Any:
        # Accept locale-style values such as "en_US.UTF-8" or "de-DE" by their language.
        if not isinstance(value, str):
            return value
        primary = _primary_subtag(value)
        if not is_language(primary):
            raise ValueError(f"unsupported language {value!r}; use one of {SUPPORTED_LANGUAGES}")
        return primary
