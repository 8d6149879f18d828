"""The Home tab (bot/home's neutral page) as a Block Kit `home` view, within its limits.

A view takes 100 blocks. Every list gets a fair share of them first and the room left over
after; a list cut here (or by the read side) ends with "… und N weitere", N counted by the
database, so nothing is dropped without a word. Texts are escaped and shortened like every
message (adapters/slack/render.py).
"""

from __future__ import annotations

from typing import Any

from adapters.limits import marker
from adapters.slack.render import TEXT_LIMIT, _buttons, _mrkdwn, _plain, _text
from bot.home.page import Entry, HomePage, Part
from bot.messages import Message
from bot.reporting import more

VIEW_BLOCKS_LIMIT = 100
HEADER_LIMIT = 150


def home_view(page: HomePage) -> dict[str, Any]:
    return {"type": "home", "blocks": home_blocks(page)}


def home_blocks(page: HomePage) -> list[dict[str, Any]]:
    mark = marker(Message(text="", locale=page.locale))
    top: list[dict[str, Any]] = [
        {"type": "header", "text": _plain(page.title, HEADER_LIMIT)},
    ]
    if page.banner:
        top.append({"type": "section", "text": _mrkdwn(_text(page.banner, TEXT_LIMIT, mark))})
    elements = _buttons(list(page.buttons))
    if elements:
        top.append({"type": "actions", "elements": elements})
    bottom = [_context(page.context, mark)] if page.context else []
    frames = [_frame(part, mark) for part in page.parts]
    entries = [[_entry(entry, mark) for entry in part.entries] for part in page.parts]
    # Each list keeps one block for its last line: "nothing here" or "… and N more".
    fixed = len(top) + len(bottom) + sum(len(frame) + 1 for frame in frames)
    counts = _allot([[len(e) for e in blocks] for blocks in entries], VIEW_BLOCKS_LIMIT - fixed)
    out = top
    for part, frame, blocks, shown in zip(page.parts, frames, entries, counts, strict=True):
        out += frame
        for entry_blocks in blocks[:shown]:
            out += entry_blocks
        if part.total == 0:
            out.append(_context(part.empty, mark))
        elif part.total > shown:
            out.append(_context(more(page.locale, part.total - shown), mark))
    return out + bottom


def _frame(part: Part, mark: str) -> list[dict[str, Any]]:
    """A list's divider and heading (and its note)."""
    heading = "*" + _text(part.title, TEXT_LIMIT - 2, mark) + "*"
    frame: list[dict[str, Any]] = [
        {"type": "divider"},
        {"type": "section", "text": _mrkdwn(heading)},
    ]
    if part.note:
        frame.append(_context(part.note, mark))
    return frame


def _entry(entry: Entry, mark: str) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": _mrkdwn(_text(entry.text, TEXT_LIMIT, mark))}
    ]
    elements = _buttons(list(entry.buttons))
    if elements:
        blocks.append({"type": "actions", "elements": elements})
    return blocks


def _context(text: str, mark: str) -> dict[str, Any]:
    return {"type": "context", "elements": [_mrkdwn(_text(text, TEXT_LIMIT, mark))]}


def _allot(sizes: list[list[int]], budget: int) -> list[int]:
    """How many entries of each list fit in `budget` blocks (entries are `sizes` blocks
    each): every list its fair share first, then the rest in order, so a long list of
    approvals cannot push the meeting off the page."""
    counts = [0] * len(sizes)
    used = [0] * len(sizes)
    share = max(budget, 0) // max(len(sizes), 1)
    left = max(budget, 0)
    for limit in (share, None):
        for n, entry_sizes in enumerate(sizes):
            while counts[n] < len(entry_sizes):
                size = entry_sizes[counts[n]]
                if size > left or (limit is not None and used[n] + size > limit):
                    break
                counts[n] += 1
                used[n] += size
                left -= size
    return counts
