"""The one settings module: everything configurable comes from the environment or `.env`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite+aiosqlite:///./var/socialdesk.db", alias="SOCIALDESK_DATABASE_URL"
    )
    config: Path = Field(default=Path("socialdesk.example.yaml"), alias="SOCIALDESK_CONFIG")
    data_dir: Path = Field(default=Path("var/files"), alias="SOCIALDESK_DATA_DIR")
    # Where chat users reach this server (e.g. https://desk.example.com): file links on cards.
    public_url: str | None = Field(default=None, alias="SOCIALDESK_PUBLIC_URL")
    # Signs the board's session cookies (HMAC). Required when `serve` is not on loopback;
    # on loopback without one, a key is kept in the data directory (bot/board/keys.py).
    secret_key: str | None = Field(default=None, alias="SOCIALDESK_SECRET_KEY")
    host: str = Field(default="127.0.0.1", alias="SOCIALDESK_HOST")
    port: int = Field(default=3978, alias="SOCIALDESK_PORT")
    log_level: str = Field(default="INFO", alias="SOCIALDESK_LOG_LEVEL")
    # `json`: one JSON object per line (time, level, logger, message, exception) for a log
    # collector; `text`: one readable line.
    log_format: Literal["text", "json"] = Field(default="text", alias="SOCIALDESK_LOG_FORMAT")

    slack_bot_token: str | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: str | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    slack_api_url: str = Field(default="https://slack.com/api/", alias="SLACK_API_URL")

    microsoft_app_id: str | None = Field(default=None, alias="MICROSOFT_APP_ID")
    microsoft_app_password: str | None = Field(default=None, alias="MICROSOFT_APP_PASSWORD")
    microsoft_app_tenant_id: str | None = Field(default=None, alias="MICROSOFT_APP_TENANT_ID")
    teams_allow_unauthenticated: bool = Field(
        default=False, alias="SOCIALDESK_TEAMS_ALLOW_UNAUTHENTICATED"
    )
    # Hosts besides Microsoft's that Teams files may be fetched from, comma-separated
    # (`127.0.0.1:8080` or `http://files.test:8080`): a test double or a private cloud.
    teams_file_hosts: str = Field(default="", alias="SOCIALDESK_TEAMS_FILE_HOSTS")

    # How long the outbox waits before retrying a delivery that failed without Retry-After.
    outbox_retry_base_seconds: float = Field(default=2.0, alias="SOCIALDESK_OUTBOX_RETRY_BASE")
    # Retryable failures (429, 5xx, timeouts) back off up to this long between attempts …
    outbox_retry_cap_seconds: float = Field(default=300.0, alias="SOCIALDESK_OUTBOX_RETRY_CAP")
    # … and keep retrying until the message is this old; then it expires and the social
    # media managers are told.
    outbox_ttl_seconds: float = Field(default=86400.0, alias="SOCIALDESK_OUTBOX_TTL")
    # A message for a platform that is not configured waits this long, then counts as
    # unreachable (the platform may be switched on by a restart meanwhile).
    outbox_unconfigured_grace_seconds: float = Field(
        default=300.0, alias="SOCIALDESK_OUTBOX_UNCONFIGURED_GRACE"
    )
    # Sends in flight at once, per platform.
    outbox_concurrency: int = Field(default=16, alias="SOCIALDESK_OUTBOX_CONCURRENCY")
    # Web API calls per second per method before the first 429 teaches a lower rate.
    outbox_rate_per_second: float = Field(default=50.0, alias="SOCIALDESK_OUTBOX_RATE")
    # Rows leased per round: small, so people who just acted overtake a long fan-out.
    outbox_batch_size: int = Field(default=32, alias="SOCIALDESK_OUTBOX_BATCH")
    # How long a leased row is held by one dispatcher (renewed while the send is in flight).
    outbox_lease_seconds: float = Field(default=30.0, alias="SOCIALDESK_OUTBOX_LEASE")
    # A platform that has not answered a send after this long is tried again later: the
    # send slot goes to the next message (Teams' connector client would wait 100 s).
    outbox_send_timeout_seconds: float = Field(
        default=60.0, gt=0, alias="SOCIALDESK_OUTBOX_SEND_TIMEOUT"
    )

    # The scheduler's round: how often due timers are looked for (and leadership retried).
    scheduler_tick_seconds: float = Field(default=15.0, alias="SOCIALDESK_SCHEDULER_TICK")
    scheduler_enabled: bool = Field(default=True, alias="SOCIALDESK_SCHEDULER")
    # How often `serve` looks at the organisation file for changes (mtime and size).
    org_poll_seconds: float = Field(default=5.0, gt=0, alias="SOCIALDESK_ORG_POLL")

    # Inbox workers per replica: how many events are handled at once. Each holds one database
    # connection while it works, so keep it below the pool size (the dispatcher, the scheduler
    # and the requests being acknowledged need connections too).
    # Unset: 4 on PostgreSQL; 1 on SQLite, which has one writer (and here one connection)
    # anyway, so more workers only queue in front of the acknowledgements.
    workers: int | None = Field(default=None, ge=1, alias="SOCIALDESK_WORKERS")
    db_pool_size: int = Field(default=10, ge=2, alias="SOCIALDESK_DB_POOL_SIZE")


@lru_cache
def get_settings() -> Settings:
    return Settings()
