"""channel texts: a text of its own per target channel, on versions and drafts

Existing versions and drafts get none (`{}`): every channel keeps getting the main text.

Revision ID: 0015_channel_texts
Revises: 0014_draft_numbers
Create Date: 2026-11-30 12:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_channel_texts"
down_revision: str | Sequence[str] | None = "0014_draft_numbers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("content_versions", "intake_drafts")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(
                sa.Column("channel_texts", sa.JSON(), nullable=False, server_default="{}")
            )


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("channel_texts")
