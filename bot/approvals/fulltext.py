"""The whole text of a piece of content, in messages every platform shows uncut.

A card cuts long content to fit its platform and says so: "gekürzt – ganzer Text: /desk history
42". `/desk history 42` keeps that promise: after the history (which quotes each version only
briefly) come the latest version's words in parts, each small enough that no renderer has to
cut it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from bot.approvals.reports import EXCERPT
from bot.i18n import Reader
from bot.messages import Message, Section
from bot.textfit import longest_start
from storage.models import ContentItem

# Sizes as measured by `rendered_size`: a part well under a Teams card's budget (about 25,000
# bytes), a section under a Slack section's 3,000 characters.
PART_SIZE = 20_000
SECTION_SIZE = 2_900


def rendered_size(text: str) -> int:
    """An upper bound of what any platform counts for `text` once rendered: JSON with non-ASCII
    escaped (Teams measures bytes so; it is never less than Slack's count of characters), plus
    what escaping adds (Slack's `&amp;`, `&lt;`, `&gt;`; a zero-width space in `](` for Teams)."""
    entities = text.count("&") + text.count("<") + text.count(">")
    return len(json.dumps(text)) - 2 + 4 * entities + 6 * text.count("](")


def split(text: str, limit: int) -> list[str]:
    """`text` in consecutive pieces of at most `limit`, cut between words where there are any
    (the whitespace at a cut is dropped, and so is a piece of nothing but whitespace)."""
    pieces: list[str] = []
    rest = text
    while rendered_size(rest) > limit:
        head = longest_start(rest, limit, rendered_size) or rest[:1]  # a character always fits
        boundary = max(head.rfind(" "), head.rfind("\n"))
        cut = boundary if boundary > len(head) // 2 else len(head)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return [piece for piece in [*pieces, rest] if piece]


def messages(
    reader: Reader, item: ContentItem, channel_names: Mapping[str, str] | None = None
) -> list[Message]:
    """The latest version in full, when the history could only quote it; then each channel's
    own text (the history never quotes those), under the channel's name."""
    version = item.latest
    head: dict[str, object] = {"id": item.id, "version": version.number}
    out: list[Message] = []
    if len(version.text) > EXCERPT:
        out += _parts(reader, version.text, "approvals.full_text.title", head)
    for channel_id, text in (version.channel_texts or {}).items():
        channel = (channel_names or {}).get(channel_id, channel_id)
        out += _parts(reader, text, "approvals.full_text.channel", {**head, "channel": channel})
    return out


def _parts(reader: Reader, text: str, key: str, params: Mapping[str, object]) -> list[Message]:
    """`text` in messages small enough that no renderer cuts them, titled `key`."""
    parts = split(text, PART_SIZE)
    return [
        Message(
            text=reader.t(key, **params, n=n, total=len(parts)),
            sections=[Section(text=piece) for piece in split(part, SECTION_SIZE)],
            locale=reader.locale,
        )
        for n, part in enumerate(parts, start=1)
    ]
