"""Alembic environment: the URL comes from socialdesk's settings unless the caller set one."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection

from bot.settings import get_settings
from storage.base import UTCDateTime
from storage.db import create_engine, normalise_url
from storage.models import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    return normalise_url(config.attributes.get("database_url") or get_settings().database_url)


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Write our UTC column type as a plain DateTime, so migrations don't import app code."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


def _configure(connection: Connection | None = None, **kwargs: Any) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_item=_render_item,
        render_as_batch=True,
        compare_type=True,
        **kwargs,
    )


def run_migrations_offline() -> None:
    _configure(url=_url(), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


MIGRATION_LOCK_KEY = 0x50C1A1DE5D


def _run_sync(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Replicas starting together migrate one after the other; the later ones find
            # the schema at head and do nothing.
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
        context.run_migrations()


async def run_migrations_online() -> None:
    engine = create_engine(_url())
    async with engine.connect() as connection:
        await connection.run_sync(_run_sync)
        await connection.commit()
    await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_migrations_online())
