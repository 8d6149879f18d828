"""The whole text of a piece of content, in messages every platform shows uncut.

A card cuts long content to fit its platform and says so: "gekürzt – ganzer Text: /desk history
42". `/desk history 42` keeps that promise: after the history (which quotes each version only
briefly) come the latest version's words in parts, each small enough that no renderer has to
cut it.
"""

from __future__ import annotations

import json

from bot.approvals.reports import EXCERPT
from bot.i18n import Reader
from bot.messages import Message, Section
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
        head = _longest_start(rest, limit)
        boundary = max(head.rfind(" "), head.rfind("\n"))
        cut = boundary if boundary > len(head) // 2 else len(head)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return [piece for piece in [*pieces, rest] if piece]


def _longest_start(text: str, limit: int) -> str:
    low, high = 1, len(text)  # one character always fits: the limits are thousands
    while low < high:
        middle = (low + high + 1) // 2
        if rendered_size(text[:middle]) <= limit:
            low = middle
        else:
            high = middle - 1
    return text[:low]


def messages(reader: Reader, item: ContentItem) -> list[Message]:
    """The latest version in full, when the history could only quote it; else nothing."""
    version = item.latest
    if len(version.text) <= EXCERPT:
        return []
    parts = split(version.text, PART_SIZE)
    return [
        Message(
            text=reader.t(
                "approvals.full_text.title",
                id=item.id,
                version=version.number,
                n=n,
                total=len(parts),
            ),
            sections=[Section(text=piece) for piece in split(part, SECTION_SIZE)],
            locale=reader.locale,
        )
        for n, part in enumerate(parts, start=1)
    ]
