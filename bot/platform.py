"""The one surface every chat platform implements (errbot's backend idea).

The engine and the outbox speak only to this; Slack and Teams live behind it in adapters/.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from bot.events import FileShared
from bot.home.page import HomePage
from bot.messages import Message


class DeliveryError(Exception):
    """A message could not be delivered; the subclass says whether to try again."""


class RetryLater(DeliveryError):
    """Rate-limited (429) or a server error (5xx): try again, after `retry_after` if given."""

    def __init__(
        self, reason: str, retry_after: float | None = None, scope: str | None = None
    ) -> None:
        super().__init__(reason)
        self.retry_after = retry_after
        # What the limit applies to (e.g. "chat.postMessage:C123"); None: the whole platform.
        self.scope = scope


class Undeliverable(DeliveryError):
    """The platform refused for good (unknown channel, message gone): retrying cannot help."""


@dataclass(frozen=True)
class Recipient:
    """A person as one platform addresses them."""

    user_id: str
    conversation_ref: dict[str, Any] | None = None


class ChatPlatform(ABC):
    name: str

    @abstractmethod
    async def post_to_person(self, recipient: Recipient, message: Message) -> dict[str, Any]:
        """Send a direct message; return the reference needed to update it later."""

    @abstractmethod
    async def post_to_channel(self, channel: str, message: Message) -> dict[str, Any]:
        """Post into a shared channel (meeting channel, crisis room)."""

    @abstractmethod
    async def update(self, ref: dict[str, Any], message: Message) -> dict[str, Any]:
        """Replace a message we posted, in place."""

    @abstractmethod
    async def reply(self, context: dict[str, Any], message: Message) -> dict[str, Any]:
        """Answer the person who caused an event, where they acted (ephemeral where possible)."""

    async def create_room(
        self, name: str, member_user_ids: list[str], *, private: bool = True
    ) -> str | None:
        """Create a room (a private channel) with these members; its channel id, or None if
        the platform cannot create rooms. A taken name is made unique, never reused."""
        return None

    async def find_user_by_email(self, email: str) -> Recipient | None:
        """Resolve a person the platform has not told us about yet; None if it cannot."""
        return None

    async def email_of(self, user_id: str) -> str | None:
        """The e-mail behind a platform user, to match them to the organisation's people."""
        return None

    async def fetch_files(
        self, refs: list[dict[str, Any]], *, limit: int
    ) -> tuple[FileShared, ...]:
        """The files an inbound event only named (`InboundEvent.file_refs`, in the platform's
        own wire form), fetched by an inbox worker before the engine's transaction: at most
        `limit` + 1 bytes each, so a too-large file is known as such without reading it all."""
        return ()

    async def publish_home(self, recipient: Recipient, home: HomePage) -> None:
        """Show the person's Home tab (bot/home); a platform without one shows nothing."""
        return None
