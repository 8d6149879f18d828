"""weekly editorial meeting: settings, overrides, topics, sent reminders

Revision ID: 0003_meeting
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_meeting"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "meeting_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.String(length=16), nullable=False),
        sa.Column("time", sa.String(length=5), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["people.id"], name=op.f("fk_meeting_settings_updated_by_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_settings")),
    )
    op.create_table(
        "meeting_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurrence", sa.String(length=10), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("moved_to", sa.DateTime(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["people.id"], name=op.f("fk_meeting_overrides_created_by_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_overrides")),
        sa.UniqueConstraint("occurrence", name=op.f("uq_meeting_overrides_occurrence")),
    )
    op.create_table(
        "meeting_topics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurrence", sa.String(length=10), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.String(length=64), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_meeting_topics_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_topics")),
    )
    op.create_index(
        op.f("ix_meeting_topics_occurrence"), "meeting_topics", ["occurrence"], unique=False
    )
    op.create_table(
        "meeting_reminders_sent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("occurrence", sa.String(length=10), nullable=False),
        sa.Column("offset_seconds", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_meeting_reminders_sent_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_reminders_sent")),
        sa.UniqueConstraint(
            "person_id",
            "occurrence",
            "offset_seconds",
            name=op.f("uq_meeting_reminders_sent_person_id_occurrence_offset_seconds"),
        ),
    )


def downgrade() -> None:
    op.drop_table("meeting_reminders_sent")
    op.drop_index(op.f("ix_meeting_topics_occurrence"), table_name="meeting_topics")
    op.drop_table("meeting_topics")
    op.drop_table("meeting_overrides")
    op.drop_table("meeting_settings")
