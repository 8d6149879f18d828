"""The board's sign-in: one-time links sent in chat, and the browser sessions they open.

Neither table holds anything that works when read from a backup: links and sessions are
stored as the SHA-256 of their random token (as feed tokens are), and a session cookie is
also signed with SOCIALDESK_SECRET_KEY (bot/board/signin.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base


class BoardSignInLink(Base):
    """`/desk board`: valid for 15 minutes and once; `used_at` is set by the one request that
    exchanges it for a session."""

    __tablename__ = "board_signin_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class BoardSession(Base):
    """A signed-in browser: 30 days, ended early by *Abmelden* (`ended_at`)."""

    __tablename__ = "board_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
