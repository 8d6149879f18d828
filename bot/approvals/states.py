"""The states of items and approval requests, and the one rule that combines decisions."""

from __future__ import annotations

from collections.abc import Iterable

PENDING = "pending"
APPROVED = "approved"
REJECTED = "rejected"

ITEM_IN_REVIEW = "in_review"
ITEM_APPROVED = "approved"
ITEM_REJECTED = "rejected"

OUTCOMES = (APPROVED, REJECTED)


def request_status(mode: str, approvers: Iterable[int], decisions: dict[int, str]) -> str:
    """`any`: the first decision decides. `all`: every approver approves; one rejection ends it."""
    if REJECTED in decisions.values():
        return REJECTED
    if mode == "any":
        return APPROVED if decisions else PENDING
    return APPROVED if all(decisions.get(p) == APPROVED for p in approvers) else PENDING
