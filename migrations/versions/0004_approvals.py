"""approval paths in full: delegations, escalation and timeout marks, approver provenance

Revision ID: 0004_approvals
Revises: 0003_meeting
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_approvals"
down_revision: str | Sequence[str] | None = "0003_meeting"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "delegations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("delegate_id", sa.Integer(), nullable=False),
        sa.Column("until", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["delegate_id"], ["people.id"], name=op.f("fk_delegations_delegate_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_delegations_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delegations")),
    )
    with op.batch_alter_table("delegations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_delegations_person_id"), ["person_id"], unique=False)

    with op.batch_alter_table("approval_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("resolution", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("escalated_at", sa.DateTime(), nullable=True))

    with op.batch_alter_table("request_approvers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("added_by", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("delegated_from_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_request_approvers_delegated_from_id_people"),
            "people",
            ["delegated_from_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("request_approvers", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_request_approvers_delegated_from_id_people"), type_="foreignkey"
        )
        batch_op.drop_column("delegated_from_id")
        batch_op.drop_column("added_by")

    with op.batch_alter_table("approval_requests", schema=None) as batch_op:
        batch_op.drop_column("escalated_at")
        batch_op.drop_column("resolution")

    with op.batch_alter_table("delegations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_delegations_person_id"))

    op.drop_table("delegations")
