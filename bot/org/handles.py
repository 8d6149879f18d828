"""Handles from names: ASCII, lower case, unique, the same on every run.

Existing people keep theirs (the merge matches them by Slack id or e-mail first); only new
people get one derived here, in a fixed order, so two runs over the same data agree.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

_GERMAN = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"}
)
_NOT_HANDLE = re.compile(r"[^a-z0-9]+")


def ascii_words(name: str) -> list[str]:
    """`Jürgen Groß-Müller` → ["juergen", "gross", "mueller"]: German umlauts spelled out,
    other accents dropped (é → e), anything else a separator."""
    spelled = unicodedata.normalize("NFKD", name.translate(_GERMAN))
    plain = "".join(c for c in spelled if not unicodedata.combining(c)).lower()
    return [w for w in _NOT_HANDLE.split(plain) if w]


def slug(text: str) -> str:
    """An id for a department (`Presse & PR` → `presse-pr`)."""
    return "-".join(ascii_words(text)) or "x"


def assign_handles(names: list[tuple[str, str]], taken: Iterable[str]) -> dict[str, str]:
    """Handles for new people, given as (key, name) in a stable order; `taken` are handles
    in use. The first name alone where no other new person shares it, else first.last,
    else first.last2, …"""
    used = set(taken)
    words = {key: ascii_words(name) or ["person"] for key, name in names}
    firsts = Counter(w[0] for w in words.values())
    out: dict[str, str] = {}
    for key, _ in names:
        parts = words[key]
        candidates = [parts[0]] if firsts[parts[0]] == 1 else []
        candidates.append(".".join([parts[0], *parts[1:][-1:]]))
        handle = next((c for c in candidates if c not in used), None)
        n = 2
        while handle is None:
            if f"{candidates[-1]}{n}" not in used:
                handle = f"{candidates[-1]}{n}"
            n += 1
        used.add(handle)
        out[key] = handle
    return out
