"""crisis protocol: crises, team members, checklist, timeline, touched content

Revision ID: 0005_crisis
Revises: 0004_approvals
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_crisis"
down_revision: str | Sequence[str] | None = "0004_approvals"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "crises",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("declared_by_id", sa.Integer(), nullable=False),
        sa.Column("declared_at", sa.DateTime(), nullable=False),
        sa.Column("room_platform", sa.String(length=16), nullable=True),
        sa.Column("room_name", sa.String(length=80), nullable=True),
        sa.Column("parallel", sa.Boolean(), nullable=False),
        sa.Column("severity", sa.Integer(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["declared_by_id"], ["people.id"], name=op.f("fk_crises_declared_by_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"], ["people.id"], name=op.f("fk_crises_resolved_by_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crises")),
    )
    op.create_index(op.f("ix_crises_status"), "crises", ["status"], unique=False)
    op.create_table(
        "crisis_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("crisis_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("last_paged_at", sa.DateTime(), nullable=True),
        sa.Column("acked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["crisis_id"], ["crises.id"], name=op.f("fk_crisis_members_crisis_id_crises")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_crisis_members_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crisis_members")),
        sa.UniqueConstraint(
            "crisis_id", "person_id", name=op.f("uq_crisis_members_crisis_id_person_id")
        ),
    )
    op.create_index(
        op.f("ix_crisis_members_crisis_id"), "crisis_members", ["crisis_id"], unique=False
    )
    op.create_table(
        "crisis_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("crisis_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["crisis_id"], ["crises.id"], name=op.f("fk_crisis_checks_crisis_id_crises")
        ),
        sa.ForeignKeyConstraint(
            ["done_by_id"], ["people.id"], name=op.f("fk_crisis_checks_done_by_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crisis_checks")),
        sa.UniqueConstraint("crisis_id", "item", name=op.f("uq_crisis_checks_crisis_id_item")),
    )
    op.create_index(
        op.f("ix_crisis_checks_crisis_id"), "crisis_checks", ["crisis_id"], unique=False
    )
    op.create_table(
        "crisis_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("crisis_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["people.id"], name=op.f("fk_crisis_events_actor_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["crisis_id"], ["crises.id"], name=op.f("fk_crisis_events_crisis_id_crises")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crisis_events")),
    )
    op.create_index(
        op.f("ix_crisis_events_crisis_id"), "crisis_events", ["crisis_id"], unique=False
    )
    op.create_table(
        "crisis_content",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("crisis_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["crisis_id"], ["crises.id"], name=op.f("fk_crisis_content_crisis_id_crises")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["people.id"], name=op.f("fk_crisis_content_decided_by_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["content_items.id"], name=op.f("fk_crisis_content_item_id_content_items")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crisis_content")),
        sa.UniqueConstraint(
            "crisis_id", "item_id", "kind", name=op.f("uq_crisis_content_crisis_id_item_id_kind")
        ),
    )
    op.create_index(
        op.f("ix_crisis_content_crisis_id"), "crisis_content", ["crisis_id"], unique=False
    )
    op.create_index(op.f("ix_crisis_content_item_id"), "crisis_content", ["item_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_crisis_content_item_id"), table_name="crisis_content")
    op.drop_index(op.f("ix_crisis_content_crisis_id"), table_name="crisis_content")
    op.drop_table("crisis_content")
    op.drop_index(op.f("ix_crisis_events_crisis_id"), table_name="crisis_events")
    op.drop_table("crisis_events")
    op.drop_index(op.f("ix_crisis_checks_crisis_id"), table_name="crisis_checks")
    op.drop_table("crisis_checks")
    op.drop_index(op.f("ix_crisis_members_crisis_id"), table_name="crisis_members")
    op.drop_table("crisis_members")
    op.drop_index(op.f("ix_crises_status"), table_name="crises")
    op.drop_table("crises")
