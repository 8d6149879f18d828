"""The inbox: every inbound event, recorded under its platform key before it is acknowledged.

The unique key is also the dedupe: a Slack retry or a double click finds its row already
there. Workers take pending rows in order per conversation and mark a row done in the same
transaction as the effects of handling it, so an event is handled once, after a crash too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base


class InboxEvent(Base):
    __tablename__ = "inbox_events"
    __table_args__ = (
        UniqueConstraint("platform", "key"),
        Index("ix_inbox_events_due", "status", "id"),
        Index("ix_inbox_events_conversation", "conversation", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(255))
    # Events of one conversation (a person's chat) are handled in the order they arrived.
    conversation: Mapped[str] = mapped_column(String(255))
    # The neutral event (bot/inbox/codec.py), without file contents: those are fetched by the
    # worker, before the engine's transaction.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # pending → done | failed
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    received_at: Mapped[datetime]
    leased_until: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
