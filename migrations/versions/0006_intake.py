"""intake: content requests, drafts and their files

Revision ID: 0006_intake
Revises: 0005_crisis
Create Date: 2026-11-26 02:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_intake"
down_revision: str | Sequence[str] | None = "0005_crisis"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "content_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requester_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.String(length=64), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("why", sa.Text(), nullable=True),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decline_reason", sa.Text(), nullable=True),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("awaiting_content", sa.Boolean(), nullable=False),
        sa.Column("overdue_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["requester_id"], ["people.id"], name=op.f("fk_content_requests_requester_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["people.id"], name=op.f("fk_content_requests_assignee_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_content_requests_department_id_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["content_items.id"],
            name=op.f("fk_content_requests_item_id_content_items"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_requests")),
    )
    with op.batch_alter_table("content_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_content_requests_requester_id"), ["requester_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_content_requests_assignee_id"), ["assignee_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_content_requests_status"), ["status"], unique=False)

    op.create_table(
        "intake_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("publish_at", sa.DateTime(), nullable=True),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_intake_drafts_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["content_requests.id"],
            name=op.f("fk_intake_drafts_request_id_content_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["content_items.id"], name=op.f("fk_intake_drafts_item_id_content_items")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_drafts")),
    )
    with op.batch_alter_table("intake_drafts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_intake_drafts_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_intake_drafts_status"), ["status"], unique=False)

    op.create_table(
        "intake_draft_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["draft_id"],
            ["intake_drafts.id"],
            name=op.f("fk_intake_draft_files_draft_id_intake_drafts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_draft_files")),
    )
    with op.batch_alter_table("intake_draft_files", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_intake_draft_files_draft_id"), ["draft_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("intake_draft_files")
    op.drop_table("intake_drafts")
    op.drop_table("content_requests")
