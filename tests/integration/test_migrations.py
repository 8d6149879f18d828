"""`upgrade head` on a fresh database gives exactly the models' schema (`alembic check`)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

import migrations
from bot import migrate
from tests.conftest import PG_URL, _pg_admin, create_database


def test_one_head_and_the_server_knows_it() -> None:
    heads = ScriptDirectory.from_config(migrate.alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, f"migrations have several heads: {heads}"
    assert heads == [migrations.HEAD], "move migrations.HEAD to the newest script"


def test_fresh_sqlite_upgrades_to_the_models(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    assert not asyncio.run(migrate.is_up_to_date(url))
    migrate.upgrade(url)
    migrate.check(url)  # raises if the models and the migrated schema differ
    assert asyncio.run(migrate.is_up_to_date(url))


def test_fresh_postgresql_upgrades_to_the_models(request: pytest.FixtureRequest) -> None:
    request.getfixturevalue("postgres_database")  # skips (or fails under CI) without a server
    name = "socialdesk_migration_check"
    asyncio.run(_pg_admin(PG_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    asyncio.run(create_database(name))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    try:
        migrate.upgrade(url)
        migrate.check(url)
        assert asyncio.run(migrate.is_up_to_date(url))
    finally:
        asyncio.run(_pg_admin(PG_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
