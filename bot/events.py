"""Neutral inbound events: what a person did, whatever platform they did it on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Actor:
    """Who acted, as the platform knows them; the engine turns this into a Person."""

    platform: str
    user_id: str
    email: str | None = None
    name: str | None = None
    # Teams: the conversation reference that lets us write to them later.
    conversation_ref: dict[str, Any] | None = None


@dataclass(frozen=True)
class InboundEvent:
    actor: Actor
    # A key unique per delivery of one user action (Slack event_id or trigger_id, Teams
    # activity id): the same key twice means a retry, handled once.
    event_key: str
    # Where a reply to this person belongs (Slack response_url/channel, Teams conversation).
    reply_context: dict[str, Any] = field(default_factory=dict)
    # Files the event only names, in the platform's wire form: the inbox records the event at
    # once and a worker fetches them (ChatPlatform.fetch_files) into `files` before handling.
    file_refs: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class FileShared:
    """A file sent along with a message. The adapter fetched it before the event (no network
    call inside a transaction), reading at most the intake limit plus one byte: `complete` is
    False when the platform's file was bigger than that, and `size` says how big it claimed."""

    name: str
    data: bytes = b""
    size: int = 0
    complete: bool = True
    # False when the platform would not hand the file over (network, permissions).
    fetched: bool = True
    # Why it was not fetched, when the adapter knows better than "network": `host` (the URL is
    # not on the platform's file hosts, so it was never requested) or `pasted` (an image pasted
    # into the message that could not be loaded: attaching it as a file works instead).
    reason: str = ""


@dataclass(frozen=True)
class Command(InboundEvent):
    """`/submit text` in Slack or `submit text` typed in Teams; `files` sent with it go to
    intake."""

    text: str = ""
    files: tuple[FileShared, ...] = ()
    # The platform id of the bot's message this one replies to (a Slack thread reply).
    reply_to: str | None = None
    # People the text mentions: the adapter writes each as `@<user id>` into `text` and
    # maps the user id to the name the platform showed (a hint while the id is unknown).
    mentions: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Action(InboundEvent):
    """A button click or card submit: `action` names the handler, `value` its argument."""

    action: str = ""
    value: str = ""
    inputs: dict[str, str] = field(default_factory=dict)
    # Files attached in a form (Slack modal's file input), fetched by the adapter.
    files: tuple[FileShared, ...] = ()
    # The platform id of the bot's message the action came from (the card whose button or
    # form was used: Teams replyToId, Slack message ts); None where there is none (a modal).
    reply_to: str | None = None


@dataclass(frozen=True)
class Joined(InboundEvent):
    """The person added the bot (Teams install) or was added where the bot is: say hello."""
