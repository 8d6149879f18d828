"""outbox lanes (interactive before bulk) and the failure summary's bookkeeping

Revision ID: 0010_outbox_lanes
Revises: 0009_inbox
Create Date: 2026-11-30 11:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_outbox_lanes"
down_revision: str | Sequence[str] | None = "0009_inbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_messages") as batch:
        batch.add_column(
            sa.Column("lane", sa.String(length=16), server_default="bulk", nullable=False)
        )
        batch.add_column(sa.Column("reported_at", sa.DateTime(), nullable=True))
    op.create_index(
        "ix_outbox_messages_unreported",
        "outbox_messages",
        ["status", "reported_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_messages_unreported", table_name="outbox_messages")
    with op.batch_alter_table("outbox_messages") as batch:
        batch.drop_column("reported_at")
        batch.drop_column("lane")
