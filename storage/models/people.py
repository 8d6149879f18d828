"""People, their roles, their platform identities, and departments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.base import Base


class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    handle: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    preferred_platform: Mapped[str | None] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(default=True)

    roles: Mapped[list[PersonRole]] = relationship(
        back_populates="person", cascade="all, delete-orphan", lazy="selectin"
    )
    identities: Mapped[list[PlatformIdentity]] = relationship(
        back_populates="person", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def role_names(self) -> set[str]:
        return {r.role for r in self.roles}


class PersonRole(Base):
    __tablename__ = "person_roles"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(64), primary_key=True)
    person: Mapped[Person] = relationship(back_populates="roles")


class PlatformIdentity(Base):
    """A person on one platform: the id there and, for Teams, how to reach them proactively."""

    __tablename__ = "platform_identities"
    __table_args__ = (UniqueConstraint("platform", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(255))
    conversation_ref: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    last_seen_at: Mapped[datetime | None]
    # When the person first opened the app's Home tab here (Slack): only they get its
    # refreshes (bot/home/refresh.py).
    home_opened_at: Mapped[datetime | None]
    person: Mapped[Person] = relationship(back_populates="identities")


class Department(Base):
    __tablename__ = "departments"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    approval_path: Mapped[str | None] = mapped_column(String(64))


class DepartmentMember(Base):
    __tablename__ = "department_members"

    department_id: Mapped[str] = mapped_column(ForeignKey("departments.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
