"""The weekly editorial meeting: changed settings, one-off skips and moves, topics, reminders."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base


class MeetingSettings(Base):
    """What `/meeting set` changed: it wins over the organisation file's weekday and time."""

    __tablename__ = "meeting_settings"

    id: Mapped[int] = mapped_column(primary_key=True)  # always 1: there is one meeting
    weekday: Mapped[str] = mapped_column(String(16))
    time: Mapped[str] = mapped_column(String(5))  # HH:MM in the meeting's timezone
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    updated_at: Mapped[datetime]


class MeetingOverride(Base):
    """One occurrence, named by its regular local date, skipped or moved to another time."""

    __tablename__ = "meeting_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurrence: Mapped[str] = mapped_column(String(10), unique=True)  # YYYY-MM-DD, local
    action: Mapped[str] = mapped_column(String(8))  # skip | move
    moved_to: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime]


class MeetingTopic(Base):
    __tablename__ = "meeting_topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurrence: Mapped[str] = mapped_column(String(10), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    department_id: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class MeetingReminderSent(Base):
    """One row per person, occurrence and offset: the same reminder never goes out twice."""

    __tablename__ = "meeting_reminders_sent"
    __table_args__ = (UniqueConstraint("person_id", "occurrence", "offset_seconds"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    occurrence: Mapped[str] = mapped_column(String(10))
    offset_seconds: Mapped[int]
    sent_at: Mapped[datetime]
