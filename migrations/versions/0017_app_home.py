"""app home: when a person first opened the Slack Home tab (only they get its refreshes)

Revision ID: 0017_app_home
Revises: 0016_board_signin
Create Date: 2026-11-30 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_app_home"
down_revision: str | Sequence[str] | None = "0016_board_signin"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("platform_identities") as batch_op:
        batch_op.add_column(sa.Column("home_opened_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("platform_identities") as batch_op:
        batch_op.drop_column("home_opened_at")
