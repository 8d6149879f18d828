"""The states of items and approval requests, and the one rule that combines decisions."""

from __future__ import annotations

from collections.abc import Iterable

PENDING = "pending"
APPROVED = "approved"
REJECTED = "rejected"
CHANGES_REQUESTED = "changes_requested"
# A request the submitter's revision replaced before anyone decided it.
SUPERSEDED = "superseded"
# The submitter took the item back before the stage was decided.
WITHDRAWN = "withdrawn"

# A number reserved for a draft (bot/content/service.py `reserve_item`), not yet submitted:
# no list or report counts it, no lookup by number finds it.
ITEM_DRAFT = "draft"
ITEM_IN_REVIEW = "in_review"
ITEM_APPROVED = "approved"
ITEM_REJECTED = "rejected"
ITEM_CHANGES_REQUESTED = "changes_requested"
ITEM_WITHDRAWN = "withdrawn"
# While these, the submitter may still take the item back.
WITHDRAWABLE = (ITEM_IN_REVIEW, ITEM_CHANGES_REQUESTED)

OUTCOMES = (APPROVED, REJECTED, CHANGES_REQUESTED)
# Outcomes that need a reason from the approver.
NEEDS_COMMENT = (REJECTED, CHANGES_REQUESTED)
ITEM_FINAL = (ITEM_APPROVED, ITEM_REJECTED)


def request_status(
    mode: str,
    approvers: Iterable[int],
    decisions: dict[int, str],
    overriders: Iterable[int] = (),
) -> str:
    """`any`: the first decision decides. `all`: every approver approves; one rejection (or
    request for changes) ends it. A decision by an `overrider` (the person a stage escalated
    to) decides the stage alone, whatever the mode."""
    for person in overriders:
        if person in decisions:
            return decisions[person]
    if REJECTED in decisions.values():
        return REJECTED
    if CHANGES_REQUESTED in decisions.values():
        return CHANGES_REQUESTED
    if mode == "any":
        return next(iter(decisions.values()), PENDING)
    ids = list(approvers)
    return APPROVED if ids and all(decisions.get(p) == APPROVED for p in ids) else PENDING
