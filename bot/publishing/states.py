"""Posting states (stored in English; the catalog names them: entwurf, in_freigabe, …)."""

from __future__ import annotations

DRAFT = "draft"
IN_REVIEW = "in_review"
APPROVED = "approved"
PLANNED = "planned"
DUE = "due"
POSTED = "posted"
NOT_POSTED = "not_posted"
FROZEN = "frozen"

ALL = (DRAFT, IN_REVIEW, APPROVED, PLANNED, DUE, POSTED, NOT_POSTED, FROZEN)
# A posting in one of these can be (re)planned.
PLANNABLE = (APPROVED, PLANNED, DUE)
DONE = (POSTED, NOT_POSTED)
# What occupies a slot on the channel's plan (min_gap warnings).
ON_THE_PLAN = (PLANNED, DUE, POSTED, FROZEN)

# The item's status once every posting is done and at least one went live.
ITEM_PUBLISHED = "published"

HANDOFF = "posting.handoff"
REMIND = "posting.remind"


def timer_prefix(posting_id: int) -> str:
    return f"posting:{posting_id}:"


def card_key(posting_id: int, revision: int) -> str:
    """The hand-off message, updated in place when the posting is marked or moved."""
    return f"posting:{posting_id}:handoff:{revision}"
