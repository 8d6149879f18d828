"""Content items, their versions and attachments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.base import Base


class ContentItem(Base):
    __tablename__ = "content_items"
    # Reports: approved content by publishing date (the agenda's planned section).
    __table_args__ = (Index("ix_content_items_status_publish", "status", "publish_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submitter_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    department_id: Mapped[str | None] = mapped_column(ForeignKey("departments.id"))
    title: Mapped[str] = mapped_column(String(200))
    approval_path: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32), index=True)
    current_stage: Mapped[int] = mapped_column(default=0)
    # Target channel ids from the registry, and when it should go out (UTC).
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    publish_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]

    versions: Mapped[list[ContentVersion]] = relationship(
        back_populates="item", order_by="ContentVersion.number", lazy="selectin"
    )

    @property
    def latest(self) -> ContentVersion:
        return self.versions[-1]


class ContentVersion(Base):
    __tablename__ = "content_versions"
    __table_args__ = (UniqueConstraint("item_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("content_items.id"))
    number: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    # A text of its own per target channel id (`{"x": "…"}`): every network has its audience
    # and its rules, so cross-posting one text everywhere hurts. A channel without one gets
    # `text`; `text_for` says which goes out.
    channel_texts: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime]

    item: Mapped[ContentItem] = relationship(back_populates="versions")
    attachments: Mapped[list[Attachment]] = relationship(lazy="selectin")

    def text_for(self, channel_id: str) -> str:
        """The text that goes out on that channel: its own, else the main text."""
        return (self.channel_texts or {}).get(channel_id) or self.text


class Attachment(Base):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("content_versions.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    # Measured once when the file arrived, so channel checks never re-read the blob.
    width: Mapped[int | None]
    height: Mapped[int | None]
    created_at: Mapped[datetime]
