"""Every outbound message, written in the same transaction as the change that caused it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_messages_due", "status", "next_attempt_at"),
        Index("ix_outbox_messages_unreported", "status", "reported_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # post: a new message to a person or a channel; update: replace the message posted
    # under the same key; reply: answer the person who caused an event, where they are.
    kind: Mapped[str] = mapped_column(String(16))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    platform: Mapped[str | None] = mapped_column(String(16))
    channel: Mapped[str | None] = mapped_column(String(255))
    key: Mapped[str | None] = mapped_column(String(200), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    reply_context: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # interactive: for someone who just acted (replies, card updates, the next approver's
    # card), leased before bulk (reminders, re-pages, agenda, fan-out).
    lane: Mapped[str] = mapped_column(String(16), default="bulk", server_default="bulk")
    # pending → sent; or, for good: failed (refused), expired (older than the time to live),
    # unreachable (no platform knows the person, or the platform is not configured).
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    leased_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    platform_ref: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The platform's id of the sent message (Slack ts, Teams activity id): a reply to it
    # names what it answers.
    platform_message_id: Mapped[str | None] = mapped_column(String(255), index=True)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    # When the social media managers were told this row could not be delivered (once).
    reported_at: Mapped[datetime | None]
