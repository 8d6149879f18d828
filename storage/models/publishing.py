"""Postings: one per (content item, target channel), each with its own plan and outcome.

The states (stored in English, shown in the reader's language): `draft` (entwurf),
`in_review` (in_freigabe), `approved` (freigegeben), `planned` (eingeplant), `due` (fällig),
`posted` (gepostet), `not_posted` (nicht_gepostet) and `frozen` (eingefroren, during a crisis).
The calendar and the iCal feed read this table, so times are UTC and indexed by channel.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base


class Posting(Base):
    __tablename__ = "postings"
    __table_args__ = (
        UniqueConstraint("item_id", "channel"),
        # The plan of a channel in a window (min_gap warnings, calendar, feed).
        Index("ix_postings_channel_planned", "channel", "planned_at"),
        Index("ix_postings_status_planned", "status", "planned_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("content_items.id"))
    channel: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32))
    # The submitter's wish (the plan's suggestion) and the plan itself.
    wished_at: Mapped[datetime | None]
    planned_at: Mapped[datetime | None]
    # Bumped on every change: a form carries the revision it was opened on, so of two people
    # changing the same posting at once, the second is told who was first.
    revision: Mapped[int] = mapped_column(default=0)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    handed_off_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    url: Mapped[str | None] = mapped_column(String(1000))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class FeedToken(Base):
    """A person's private calendar subscription (`/desk kalender abo`): only the SHA-256 of the
    token is kept, so a leaked database does not leak working feed URLs. One live token per
    person; replacing or revoking it sets `revoked_at`, and the old URL answers 404 at once."""

    __tablename__ = "feed_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
