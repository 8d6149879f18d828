"""Append to the audit log; every state change of note leaves a line here."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry


def record(
    session: AsyncSession,
    *,
    action: str,
    subject: str,
    now: datetime,
    actor_id: int | None = None,
    **details: Any,
) -> None:
    session.add(
        AuditEntry(at=now, actor_id=actor_id, action=action, subject=subject, details=details)
    )
