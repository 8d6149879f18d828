"""Long lists in reports: the first few lines, then how many more there are.

A report that lists everything costs as much as the table is long and drowns the reader; the
database counts the rest and the reader sees "… und 8.732 weitere".
"""

from __future__ import annotations

from bot import i18n

LIMIT = 15


def format_number(value: int, locale: str | None) -> str:
    """Thousands grouped the reader's way (the catalog says how): 8.732 in German, 8,732 in
    English."""
    return f"{value:,}".replace(",", i18n.t(locale, "reporting.thousands"))


def more(locale: str | None, rest: int) -> str:
    """The line that stands for what was cut, e.g. "… und 8.732 weitere"."""
    return i18n.t(locale, "reporting.more", n=format_number(rest, locale))


def with_more(locale: str | None, lines: list[str], total: int) -> list[str]:
    """`lines` (the first of `total`), followed by the "… and N more" line when some were cut."""
    rest = total - len(lines)
    return [*lines, more(locale, rest)] if rest > 0 else lines
