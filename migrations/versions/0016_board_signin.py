"""board sign-in: one-time sign-in links and browser sessions, stored as SHA-256 hashes only

Revision ID: 0016_board_signin
Revises: 0015_channel_texts
Create Date: 2026-11-30 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_board_signin"
down_revision: str | Sequence[str] | None = "0015_channel_texts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "board_signin_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_board_signin_links_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_board_signin_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_board_signin_links_token_hash")),
    )
    op.create_index(op.f("ix_board_signin_links_person_id"), "board_signin_links", ["person_id"])
    op.create_table(
        "board_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_board_sessions_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_board_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_board_sessions_token_hash")),
    )
    op.create_index(op.f("ix_board_sessions_person_id"), "board_sessions", ["person_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_board_sessions_person_id"), table_name="board_sessions")
    op.drop_table("board_sessions")
    op.drop_index(op.f("ix_board_signin_links_person_id"), table_name="board_signin_links")
    op.drop_table("board_signin_links")
