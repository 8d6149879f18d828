"""Intake: drafts built from files colleagues send, and content requests to departments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.base import Base


class ContentRequest(Base):
    """`/request marketing Visual … bis morgen 12 Uhr weil …`: asked of a lead or a person."""

    __tablename__ = "content_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    department_id: Mapped[str | None] = mapped_column(ForeignKey("departments.id"))
    assignee_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    what: Mapped[str] = mapped_column(Text)
    why: Mapped[str | None] = mapped_column(Text)
    due_at: Mapped[datetime]
    # open → accepted → delivered; or declined; `overdue` is noted, not a status.
    status: Mapped[str] = mapped_column(String(16), index=True)
    decline_reason: Mapped[str | None] = mapped_column(Text)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("content_items.id"))
    # The assignee clicked [Send content]: their next file goes to this request.
    awaiting_content: Mapped[bool] = mapped_column(default=False)
    overdue_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class IntakeDraft(Base):
    """What a colleague sent, before they submit it: text, files, channels, publish date."""

    __tablename__ = "intake_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    text: Mapped[str] = mapped_column(Text, default="")
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    # "Text für X": a text of its own per channel id, carried to the version on submit.
    channel_texts: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    publish_at: Mapped[datetime | None]
    request_id: Mapped[int | None] = mapped_column(ForeignKey("content_requests.id"))
    # open → submitted | discarded
    status: Mapped[str] = mapped_column(String(16), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("content_items.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    files: Mapped[list[DraftFile]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="DraftFile.id"
    )


class DraftFile(Base):
    __tablename__ = "intake_draft_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("intake_drafts.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    width: Mapped[int | None]
    height: Mapped[int | None]
