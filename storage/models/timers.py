"""Durable timers: reminders, escalations, re-pages. One row per thing that must happen once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base


class Timer(Base):
    __tablename__ = "timers"
    __table_args__ = (Index("ix_timers_due", "fired_at", "cancelled_at", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    # Idempotency: scheduling the same key twice keeps one timer, so it fires once. Compared
    # bytewise (PostgreSQL's "C"; SQLite's BINARY is that already): timers.cancel reads a key
    # prefix as a range of this unique index, and a linguistic collation, which passes over
    # punctuation, would put "approval:12;" after "approval:123:sla".
    key: Mapped[str] = mapped_column(
        String(200).with_variant(String(200, collation="C"), "postgresql"), unique=True
    )
    due_at: Mapped[datetime]
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime]
    fired_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
