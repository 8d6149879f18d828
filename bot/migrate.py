"""Alembic driven from code: `socialdesk migrate`, the serve-time check, and the tests."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

import migrations
from storage.db import create_engine, normalise_url


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(migrations.__file__).parent))
    cfg.attributes["database_url"] = normalise_url(database_url)
    return cfg


def upgrade(database_url: str) -> None:
    """Run from sync code only: env.py starts its own event loop."""
    command.upgrade(alembic_config(database_url), "head")


def check(database_url: str) -> None:
    command.check(alembic_config(database_url))


async def is_up_to_date(database_url: str) -> bool:
    heads = set(ScriptDirectory.from_config(alembic_config(database_url)).get_heads())
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            current = await conn.run_sync(_current_heads)
    finally:
        await engine.dispose()
    return current == heads


def _current_heads(connection: Connection) -> set[str]:
    return set(MigrationContext.configure(connection).get_current_heads())


async def upgrade_async(database_url: str) -> None:
    await asyncio.to_thread(upgrade, database_url)
