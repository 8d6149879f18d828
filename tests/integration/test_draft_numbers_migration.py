"""Migration 0014: an open draft from before gets its item number reserved; a submitted or
discarded one is left alone; downgrading gives the reserved numbers up again."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command

from bot import migrate

NOW = "2026-11-30 12:00:00.000000"


def test_open_drafts_get_their_numbers_reserved(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    cfg = migrate.alembic_config(f"sqlite+aiosqlite:///{path}")
    command.upgrade(cfg, "0013_feed_tokens")
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO people (id, handle, name, email, active)"
            " VALUES (1, 'carla', 'Carla', 'carla@beispiel.de', 1)"
        )
        for draft_id, status in ((1, "open"), (2, "discarded"), (3, "open")):
            db.execute(
                "INSERT INTO intake_drafts (id, person_id, text, channels, status, created_at,"
                " updated_at) VALUES (?, 1, '', '[]', ?, ?, ?)",
                (draft_id, status, NOW, NOW),
            )
    command.upgrade(cfg, "0014_draft_numbers")
    with sqlite3.connect(path) as db:
        drafts = db.execute("SELECT id, item_id FROM intake_drafts ORDER BY id").fetchall()
        items = db.execute("SELECT id, submitter_id, status FROM content_items").fetchall()
    assert drafts == [(1, 1), (2, None), (3, 2)]
    assert items == [(1, 1, "draft"), (2, 1, "draft")]

    command.downgrade(cfg, "0013_feed_tokens")
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM content_items").fetchone() == (0,)
        assert db.execute("SELECT item_id FROM intake_drafts").fetchall() == [(None,)] * 3
