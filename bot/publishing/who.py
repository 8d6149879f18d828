"""Who plans and marks a channel's postings: its owner and the social media managers."""

from __future__ import annotations

from bot.orgconfig import ChannelConfig, OrgConfig
from storage.models import ContentItem, Person

MANAGER_ROLE = "social_media_manager"


def is_manager(person: Person) -> bool:
    return any(r.role == MANAGER_ROLE for r in person.roles)


def may_handle(person: Person, channel: ChannelConfig) -> bool:
    return person.handle == channel.owner or is_manager(person)


def channels_of(org: OrgConfig, item: ContentItem) -> list[ChannelConfig]:
    """The registry entries of the channels the item targets, in the item's order."""
    by_id = {c.id: c for c in org.channels}
    return [by_id[c] for c in dict.fromkeys(item.channels) if c in by_id]
