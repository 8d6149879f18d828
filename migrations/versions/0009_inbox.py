"""the inbox: inbound events recorded before they are acknowledged (replaces processed_events)

Revision ID: 0009_inbox
Revises: 0008_attachment_sizes
Create Date: 2026-11-30 11:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_inbox"
down_revision: str | Sequence[str] | None = "0008_attachment_sizes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbox_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("conversation", sa.String(length=255), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("leased_until", sa.DateTime(), nullable=True),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_events")),
        sa.UniqueConstraint("platform", "key", name=op.f("uq_inbox_events_platform_key")),
    )
    op.create_index("ix_inbox_events_due", "inbox_events", ["status", "id"], unique=False)
    op.create_index(
        "ix_inbox_events_conversation",
        "inbox_events",
        ["conversation", "status", "id"],
        unique=False,
    )
    op.drop_table("processed_events")


def downgrade() -> None:
    op.create_table(
        "processed_events",
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("processed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("platform", "key", name=op.f("pk_processed_events")),
    )
    op.drop_index("ix_inbox_events_conversation", table_name="inbox_events")
    op.drop_index("ix_inbox_events_due", table_name="inbox_events")
    op.drop_table("inbox_events")
