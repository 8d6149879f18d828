"""postings: one per (content item, channel), with its own plan and outcome

Existing items become one posting per target channel, keeping their `publish_at` as the wished
time. Approved items are not planned by the migration (no hand-off surprises after a deploy):
their postings wait as `approved` for someone to plan them.

Revision ID: 0012_postings
Revises: 0011_report_indexes
Create Date: 2026-11-30 12:00:00
"""

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0012_postings"
down_revision: str | Sequence[str] | None = "0011_report_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Item status -> the status of its postings.
ITEM_TO_POSTING = {
    "in_review": "in_review",
    "changes_requested": "draft",
    "approved": "approved",
    "paused": "frozen",
    "rejected": "not_posted",
}


def upgrade() -> None:
    op.create_table(
        "postings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("wished_at", sa.DateTime(), nullable=True),
        sa.Column("planned_at", sa.DateTime(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.Column("handed_off_at", sa.DateTime(), nullable=True),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.Column("url", sa.String(length=1000), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["changed_by_id"], ["people.id"], name=op.f("fk_postings_changed_by_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["content_items.id"], name=op.f("fk_postings_item_id_content_items")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_postings")),
        sa.UniqueConstraint("item_id", "channel", name=op.f("uq_postings_item_id_channel")),
    )
    op.create_index("ix_postings_channel_planned", "postings", ["channel", "planned_at"])
    op.create_index("ix_postings_status_planned", "postings", ["status", "planned_at"])
    _postings_for_existing_items()


def _postings_for_existing_items() -> None:
    items = sa.table(
        "content_items",
        sa.column("id", sa.Integer()),
        sa.column("status", sa.String()),
        sa.column("channels", sa.JSON()),
        sa.column("publish_at", sa.DateTime()),
        sa.column("created_at", sa.DateTime()),
        sa.column("updated_at", sa.DateTime()),
    )
    postings = sa.table(
        "postings",
        sa.column("item_id", sa.Integer()),
        sa.column("channel", sa.String()),
        sa.column("status", sa.String()),
        sa.column("wished_at", sa.DateTime()),
        sa.column("revision", sa.Integer()),
        sa.column("created_at", sa.DateTime()),
        sa.column("updated_at", sa.DateTime()),
    )
    rows: list[dict[str, Any]] = []
    for item in op.get_bind().execute(sa.select(items)).mappings():
        channels = item["channels"]
        if isinstance(channels, str):
            channels = json.loads(channels)
        for channel in dict.fromkeys(channels or []):
            rows.append(
                {
                    "item_id": item["id"],
                    "channel": channel,
                    "status": ITEM_TO_POSTING.get(item["status"], "draft"),
                    "wished_at": item["publish_at"],
                    "revision": 0,
                    "created_at": item["created_at"],
                    "updated_at": item["updated_at"],
                }
            )
    if rows:
        op.bulk_insert(postings, rows)


def downgrade() -> None:
    op.drop_index("ix_postings_status_planned", table_name="postings")
    op.drop_index("ix_postings_channel_planned", table_name="postings")
    op.drop_table("postings")
