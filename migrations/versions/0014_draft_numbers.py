"""draft numbers: a draft shows the number of the content item it will become

Every open draft gets its item reserved now (status `draft`, no version yet) and keeps that
number when submitted. No schema change: `intake_drafts.item_id` already points at the item.
Downgrade gives the reserved numbers up again.

Revision ID: 0014_draft_numbers
Revises: 0013_feed_tokens
Create Date: 2026-11-30 12:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_draft_numbers"
down_revision: str | Sequence[str] | None = "0013_feed_tokens"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

drafts = sa.table(
    "intake_drafts",
    sa.column("id", sa.Integer()),
    sa.column("person_id", sa.Integer()),
    sa.column("status", sa.String()),
    sa.column("item_id", sa.Integer()),
    sa.column("created_at", sa.DateTime()),
)
items = sa.table(
    "content_items",
    sa.column("id", sa.Integer()),
    sa.column("submitter_id", sa.Integer()),
    sa.column("title", sa.String()),
    sa.column("approval_path", sa.String()),
    sa.column("status", sa.String()),
    sa.column("current_stage", sa.Integer()),
    sa.column("channels", sa.JSON()),
    sa.column("created_at", sa.DateTime()),
    sa.column("updated_at", sa.DateTime()),
)


def upgrade() -> None:
    """One reserved item per open draft; a handful of rows, so one insert each."""
    bind = op.get_bind()
    open_drafts = bind.execute(
        sa.select(drafts.c.id, drafts.c.person_id, drafts.c.created_at)
        .where(drafts.c.status == "open", drafts.c.item_id.is_(None))
        .order_by(drafts.c.id)
    ).all()
    for draft_id, person_id, created_at in open_drafts:
        item_id = bind.execute(
            sa.insert(items)
            .values(
                submitter_id=person_id,
                title="",
                approval_path="",
                status="draft",
                current_stage=0,
                channels=[],
                created_at=created_at,
                updated_at=created_at,
            )
            .returning(items.c.id)
        ).scalar_one()
        bind.execute(sa.update(drafts).where(drafts.c.id == draft_id).values(item_id=item_id))


def downgrade() -> None:
    reserved = sa.select(items.c.id).where(items.c.status == "draft")
    op.execute(sa.update(drafts).where(drafts.c.item_id.in_(reserved)).values(item_id=None))
    op.execute(sa.delete(items).where(items.c.status == "draft"))
