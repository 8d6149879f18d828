"""A crisis: who is on it (and when they acknowledged), its checklist, its timeline, and the
content it froze, held or produced as statements."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base


class Crisis(Base):
    __tablename__ = "crises"

    id: Mapped[int] = mapped_column(primary_key=True)
    description: Mapped[str] = mapped_column(Text)
    # open | resolved
    status: Mapped[str] = mapped_column(String(16), index=True)
    declared_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    declared_at: Mapped[datetime]
    # The crisis room: a channel name we asked the platform to create, or a configured channel.
    room_platform: Mapped[str | None] = mapped_column(String(16))
    room_name: Mapped[str | None] = mapped_column(String(80))
    parallel: Mapped[bool] = mapped_column(default=False)
    severity: Mapped[int | None]
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    summary: Mapped[str | None] = mapped_column(Text)


class CrisisMember(Base):
    """One person on the crisis team, paged until they acknowledge."""

    __tablename__ = "crisis_members"
    __table_args__ = (UniqueConstraint("crisis_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    crisis_id: Mapped[int] = mapped_column(ForeignKey("crises.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    # Their roles when paged, for "time to first acknowledgement per role".
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    pages: Mapped[int] = mapped_column(default=0)
    last_paged_at: Mapped[datetime | None]
    acked_at: Mapped[datetime | None]


class CrisisCheck(Base):
    """A ticked checklist entry: which, by whom, when (and a value, e.g. the severity)."""

    __tablename__ = "crisis_checks"
    __table_args__ = (UniqueConstraint("crisis_id", "item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    crisis_id: Mapped[int] = mapped_column(ForeignKey("crises.id"), index=True)
    item: Mapped[str] = mapped_column(String(32))
    value: Mapped[str | None] = mapped_column(String(64))
    done_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    done_at: Mapped[datetime]


class CrisisEvent(Base):
    """The timeline: every event with time and person."""

    __tablename__ = "crisis_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    crisis_id: Mapped[int] = mapped_column(ForeignKey("crises.id"), index=True)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    text: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class CrisisContent(Base):
    """Content the crisis touched. kind: `frozen` (approved and scheduled, paused), `held` (an
    approval in flight, its decisions held), `statement` (submitted with `/crisis statement`).
    state: frozen → resumed | kept; held → released."""

    __tablename__ = "crisis_content"
    __table_args__ = (UniqueConstraint("crisis_id", "item_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    crisis_id: Mapped[int] = mapped_column(ForeignKey("crises.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("content_items.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
