"""The one settings module: everything configurable comes from the environment or `.env`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

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
    host: str = Field(default="127.0.0.1", alias="SOCIALDESK_HOST")
    port: int = Field(default=3978, alias="SOCIALDESK_PORT")
    log_level: str = Field(default="INFO", alias="SOCIALDESK_LOG_LEVEL")

    slack_bot_token: str | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: str | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    slack_api_url: str = Field(default="https://slack.com/api/", alias="SLACK_API_URL")

    microsoft_app_id: str | None = Field(default=None, alias="MICROSOFT_APP_ID")
    microsoft_app_password: str | None = Field(default=None, alias="MICROSOFT_APP_PASSWORD")
    microsoft_app_tenant_id: str | None = Field(default=None, alias="MICROSOFT_APP_TENANT_ID")
    teams_allow_unauthenticated: bool = Field(
        default=False, alias="SOCIALDESK_TEAMS_ALLOW_UNAUTHENTICATED"
    )

    # How long the outbox waits before retrying a delivery that failed without Retry-After.
    outbox_retry_base_seconds: float = Field(default=2.0, alias="SOCIALDESK_OUTBOX_RETRY_BASE")
    outbox_max_attempts: int = Field(default=8, alias="SOCIALDESK_OUTBOX_MAX_ATTEMPTS")

    # The scheduler's round: how often due timers are looked for (and leadership retried).
    scheduler_tick_seconds: float = Field(default=15.0, alias="SOCIALDESK_SCHEDULER_TICK")
    scheduler_enabled: bool = Field(default=True, alias="SOCIALDESK_SCHEDULER")


@lru_cache
def get_settings() -> Settings:
    return Settings()
