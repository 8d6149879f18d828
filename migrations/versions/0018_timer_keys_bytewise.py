"""timer keys compare bytewise on PostgreSQL, so a key prefix is a range of their unique index

Revision ID: 0018_timer_keys_bytewise
Revises: 0017_app_home
Create Date: 2026-12-01 04:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_timer_keys_bytewise"
down_revision: str | Sequence[str] | None = "0017_app_home"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # SQLite compares text bytewise (BINARY) already.
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(
            "timers",
            "key",
            type_=sa.String(200, collation="C"),
            existing_type=sa.String(200),
            existing_nullable=False,
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(
            "timers",
            "key",
            type_=sa.String(200),
            existing_type=sa.String(200, collation="C"),
            existing_nullable=False,
        )
