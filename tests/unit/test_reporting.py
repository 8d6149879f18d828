"""Cut lists in reports: numbers grouped the reader's way, and the line for what was cut."""

from __future__ import annotations

from bot.reporting import format_number, with_more


def test_numbers_are_grouped_the_readers_way() -> None:
    assert format_number(8732, "de") == "8.732"
    assert format_number(1234567, "en") == "1,234,567"
    assert format_number(999, "de") == "999"


def test_a_cut_list_says_how_many_more_there_are() -> None:
    assert with_more("de", ["a", "b"], 8734) == ["a", "b", "… und 8.732 weitere"]
    assert with_more("en", ["a", "b"], 8734) == ["a", "b", "… and 8,732 more"]
    assert with_more("de", ["a", "b"], 2) == ["a", "b"]
