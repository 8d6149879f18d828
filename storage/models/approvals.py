"""Approval requests (one per stage and version), who may decide them, and decisions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.base import Base


class ApprovalRequest(Base):
    __tablename__ = "approval_requests"
    # Reports: what is pending, oldest first; what was decided in a window (0011_report_indexes).
    __table_args__ = (
        Index("ix_approval_requests_status_created", "status", "created_at", "id"),
        Index("ix_approval_requests_decided_at", "decided_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("content_items.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("content_versions.id"))
    stage_index: Mapped[int]
    stage_name: Mapped[str] = mapped_column(String(200))
    mode: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(32), index=True)
    due_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    # How a finished request ended when nobody decided it (`timeout`: silence was consent).
    resolution: Mapped[str | None] = mapped_column(String(32))
    escalated_at: Mapped[datetime | None]

    approvers: Mapped[list[RequestApprover]] = relationship(lazy="selectin")
    decisions: Mapped[list[Decision]] = relationship(
        lazy="selectin", order_by="Decision.decided_at"
    )

    @property
    def approver_ids(self) -> list[int]:
        return [a.person_id for a in self.approvers]


class RequestApprover(Base):
    """Approvers are fixed when the request opens, so a config change never strands it."""

    __tablename__ = "request_approvers"
    # Reports: what waits for one person (the primary key starts with the request).
    __table_args__ = (Index("ix_request_approvers_person", "person_id", "request_id"),)

    request_id: Mapped[int] = mapped_column(ForeignKey("approval_requests.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    # None: from the stage's config; `fallback`, `delegate` or `escalation` otherwise.
    added_by: Mapped[str | None] = mapped_column(String(16))
    # A stand-in decides for this person while they are away.
    delegated_from_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))


class Decision(Base):
    __tablename__ = "decisions"
    __table_args__ = (
        UniqueConstraint("request_id", "person_id"),
        Index("ix_decisions_decided_at", "decided_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("approval_requests.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    outcome: Mapped[str] = mapped_column(String(32))
    comment: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime]


class Delegation(Base):
    """`/desk delegate @person until DATE`: approvals go to the stand-in until then."""

    __tablename__ = "delegations"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    delegate_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
