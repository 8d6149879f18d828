"""Fitting text into a measured budget: the renderers' platform limits (adapters/limits.py)
and the full text sent in parts (bot/approvals/fulltext.py) cut the same way."""

from __future__ import annotations

from collections.abc import Callable

Measure = Callable[[str], int]


def longest_start(text: str, limit: int, measure: Measure) -> str:
    """The longest start of `text` that measures at most `limit`, by binary search: `measure`
    must grow with the text (every start of a text measures at most the text)."""
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if measure(text[:middle]) <= limit:
            low = middle
        else:
            high = middle - 1
    return text[:low]
