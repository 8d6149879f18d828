"""Row ids that arrive as text (button values, `#42` in a command), parsed once, safely.

Python turns any run of digits into an int, but the database does not: an id beyond a signed
64-bit integer overflows in the driver and the person would read "something went wrong, try
again" for an item that simply does not exist. `parse_id` answers None for anything that
cannot be a row id, so the handler can say so.
"""

from __future__ import annotations

import re

MAX_ID = 2**63 - 1  # BIGINT / SQLite INTEGER: no row can have a larger id
_DIGITS = re.compile(r"[0-9]+")


def parse_id(value: str) -> int | None:
    """`"42"` → 42; anything else (empty, signs, spaces, non-ASCII digits, 0, > MAX_ID) → None."""
    if not _DIGITS.fullmatch(value) or len(value.lstrip("0")) > len(str(MAX_ID)):
        return None
    number = int(value)
    return number if 1 <= number <= MAX_ID else None


def looks_like_id(value: str) -> bool:
    """Written as a number (ASCII digits), whether or not such a row could exist: the
    difference between "that is not a number" and "there is no #99999999999999999999"."""
    return bool(_DIGITS.fullmatch(value))
