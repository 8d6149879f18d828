"""A chat platform that lives in memory: engine tests talk to it without any adapter."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from bot.messages import Message
from bot.platform import ChatPlatform, Recipient


@dataclass
class Delivered:
    to: str  # user id, channel, or "reply:<user>"
    message: Message
    ref: str
    updates: list[Message] = field(default_factory=list)

    @property
    def current(self) -> Message:
        return self.updates[-1] if self.updates else self.message


class FakePlatform(ChatPlatform):
    """Knows users by e-mail like Slack does; records what each person would see."""

    name = "fake"

    def __init__(self, users: dict[str, str] | None = None, name: str = "fake") -> None:
        self.name = name
        self.users = {email.lower(): uid for email, uid in (users or {}).items()}
        self.refuse: list[Exception] = []  # raised by the next sends, one each
        self.delivered: list[Delivered] = []
        self._refs = itertools.count(1)

    def inbox(self, user_id: str) -> list[Delivered]:
        return [d for d in self.delivered if d.to in (user_id, f"reply:{user_id}")]

    def _record(self, to: str, message: Message) -> dict[str, Any]:
        if self.refuse:
            raise self.refuse.pop(0)
        ref = f"m{next(self._refs)}"
        self.delivered.append(Delivered(to, message, ref))
        return {"ref": ref}

    async def post_to_person(self, recipient: Recipient, message: Message) -> dict[str, Any]:
        return self._record(recipient.user_id, message)

    async def post_to_channel(self, channel: str, message: Message) -> dict[str, Any]:
        return self._record(channel, message)

    async def update(self, ref: dict[str, Any], message: Message) -> dict[str, Any]:
        target = next(d for d in self.delivered if d.ref == ref["ref"])
        target.updates.append(message)
        return ref

    async def reply(self, context: dict[str, Any], message: Message) -> dict[str, Any]:
        return self._record(f"reply:{context['user']}", message)

    async def find_user_by_email(self, email: str) -> Recipient | None:
        user_id = self.users.get(email.lower())
        return Recipient(user_id) if user_id else None

    async def email_of(self, user_id: str) -> str | None:
        return next((e for e, uid in self.users.items() if uid == user_id), None)
