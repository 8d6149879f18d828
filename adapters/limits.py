"""Shortening text to a platform's limit, for both renderers.

Each platform measures differently (Slack counts characters of the escaped text, Teams refuses a
payload by its size in bytes), so the measure is a parameter. What is cut is said visibly: the
marker names the way to the full text where the message knows one (`Message.cut_note`).
"""

from __future__ import annotations

from bot import i18n
from bot.messages import Message
from bot.textfit import Measure, longest_start

# How far back from the cut a word boundary is looked for, as a share of what is kept: a text
# without spaces near its end (a long URL, CJK) is cut where it must be.
_WORD_WINDOW = 0.5


def marker(message: Message) -> str:
    """What replaces the cut-off end: "… (gekürzt – ganzer Text: /desk history 42)"."""
    note = message.cut_note or i18n.t(message.locale, "message.shortened")
    return f" … ({note})"


def shorten(text: str, limit: int, mark: str, measure: Measure = len) -> str:
    """`text` itself if it measures at most `limit`; else its longest start ending at a word
    boundary that still fits with `mark` after it (a too long mark is shortened itself).

    `measure` must grow with the text (every start of a text measures at most the text)."""
    if measure(text) <= limit:
        return text
    room = limit - measure(mark)
    if room < 0:
        return longest_start(mark.strip(), limit, measure)
    head = longest_start(text, room, measure)
    boundary = max(head.rfind(" "), head.rfind("\n"), head.rfind("\t"))
    if boundary > len(head) * _WORD_WINDOW:
        head = head[:boundary]
    return head.rstrip() + mark
