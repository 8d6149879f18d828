"""How decisions combine into a stage's outcome."""

from __future__ import annotations

from bot.approvals.states import APPROVED, PENDING, REJECTED, request_status


def test_any_stage_is_decided_by_the_first_decision() -> None:
    assert request_status("any", [1, 2], {}) == PENDING
    assert request_status("any", [1, 2], {2: APPROVED}) == APPROVED
    assert request_status("any", [1, 2], {1: REJECTED}) == REJECTED


def test_all_stage_needs_everyone_and_one_rejection_ends_it() -> None:
    assert request_status("all", [1, 2], {1: APPROVED}) == PENDING
    assert request_status("all", [1, 2], {1: APPROVED, 2: APPROVED}) == APPROVED
    assert request_status("all", [1, 2], {1: APPROVED, 2: REJECTED}) == REJECTED
    assert request_status("all", [1, 2], {2: REJECTED}) == REJECTED


def test_decisions_of_non_approvers_do_not_complete_an_all_stage() -> None:
    assert request_status("all", [1, 2], {1: APPROVED, 3: APPROVED}) == PENDING
