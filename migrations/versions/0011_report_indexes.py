"""indexes for the reports: pending by age, decided in a window, waiting for one person

Revision ID: 0011_report_indexes
Revises: 0010_outbox_lanes
Create Date: 2026-11-30 12:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011_report_indexes"
down_revision: str | Sequence[str] | None = "0010_outbox_lanes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = [
    ("ix_approval_requests_status_created", "approval_requests", ["status", "created_at", "id"]),
    ("ix_approval_requests_decided_at", "approval_requests", ["decided_at"]),
    ("ix_request_approvers_person", "request_approvers", ["person_id", "request_id"]),
    ("ix_decisions_decided_at", "decisions", ["decided_at"]),
    ("ix_content_items_status_publish", "content_items", ["status", "publish_at"]),
]


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
