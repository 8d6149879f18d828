"""feed_tokens: private, revocable calendar subscriptions, stored as SHA-256 hashes only

Revision ID: 0013_feed_tokens
Revises: 0012_postings
Create Date: 2026-11-30 12:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_feed_tokens"
down_revision: str | Sequence[str] | None = "0012_postings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "feed_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_feed_tokens_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_feed_tokens_token_hash")),
    )
    op.create_index(op.f("ix_feed_tokens_person_id"), "feed_tokens", ["person_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_feed_tokens_person_id"), table_name="feed_tokens")
    op.drop_table("feed_tokens")
