"""Which texts can name a row: the database overflows beyond a signed 64-bit id."""

from __future__ import annotations

import pytest

from bot.ids import MAX_ID, looks_like_id, parse_id


@pytest.mark.parametrize(("text", "expected"), [("42", 42), ("007", 7), (str(MAX_ID), MAX_ID)])
def test_ids_that_can_exist(text: str, expected: int) -> None:
    assert parse_id(text) == expected


@pytest.mark.parametrize(
    "text", ["", "0", "-1", "+1", " 1", "1 ", "1.0", "x", "١٢", "²", str(MAX_ID + 1), "9" * 5000]
)
def test_texts_that_cannot_be_an_id(text: str) -> None:
    assert parse_id(text) is None


def test_a_number_too_large_still_looks_like_one() -> None:
    assert looks_like_id(str(MAX_ID + 1)) and not looks_like_id("١٢") and not looks_like_id("")
