"""`when` rules choose the approval path (department, target channel, keywords), and
`check-config` reports every mistake in the new approval keys with its path."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from bot.approvals.service import choose_path
from bot.orgconfig import ConfigError, OrgConfig, parse_config
from tests.conftest import EXAMPLE_CONFIG


def raw_org() -> dict[str, Any]:
    raw: dict[str, Any] = yaml.safe_load(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    paths = raw["approval_paths"]
    paths["recht"] = {
        "when": {"keywords": ["Preis", "Heilversprechen"]},
        "stages": [{"name": "Recht", "approvers": ["role:legal"]}],
    }
    paths["kurz"] = {
        "when": {"departments": ["marketing"], "channels": ["x"]},
        "stages": [{"name": "Social Media", "approvers": ["anna"]}],
    }
    return raw


@pytest.fixture
def org() -> OrgConfig:
    return parse_config(raw_org())


def test_keywords_send_to_legal_whatever_the_department(org: OrgConfig) -> None:
    marketing = org.department_of("carla")
    choice = choose_path(org, department=marketing, text="Neuer PREIS ab Montag")
    assert (choice.name, choice.reason, choice.matched) == (
        "recht",
        "rule",
        (("keyword", "Preis"),),
    )


def test_department_and_channel_must_both_match(org: OrgConfig) -> None:
    marketing = org.department_of("carla")
    both = choose_path(org, department=marketing, text="Hallo", channels=["x", "linkedin"])
    assert both.name == "kurz"
    assert both.matched == (("department", "Marketing"), ("channel", "X"))
    only_channel = choose_path(
        org, department=org.department_of("felix"), text="Hallo", channels=["x"]
    )
    assert only_channel.name == "produkt" and only_channel.reason == "department"
    no_channel = choose_path(org, department=marketing, text="Hallo")
    assert (no_channel.name, no_channel.reason) == ("standard", "department")


def test_no_department_no_rule_takes_the_default(org: OrgConfig) -> None:
    choice = choose_path(org, department=None, text="Hallo")
    assert (choice.name, choice.reason) == ("standard", "default")


def test_a_requested_path_wins(org: OrgConfig) -> None:
    choice = choose_path(org, department=None, text="Preis", requested="krise")
    assert (choice.name, choice.reason) == ("krise", "requested")


def problems(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(raw)
    return caught.value.problems


def test_rules_that_name_unknown_things_are_reported() -> None:
    raw = raw_org()
    raw["approval_paths"]["recht"]["when"] = {
        "departments": ["marketingg"],
        "channels": ["tiktok"],
        "keywords": [" "],
    }
    raw["approval_paths"]["kurz"]["when"] = {}
    assert problems(raw) == [
        "approval_paths.recht.when.departments[0]: unknown department 'marketingg'",
        "approval_paths.recht.when.channels[0]: unknown channel 'tiktok'",
        "approval_paths.recht.when.keywords[0]: empty keyword",
        "approval_paths.kurz.when: give at least one of departments, channels, keywords",
    ]


def test_stage_keys_are_checked() -> None:
    raw = raw_org()
    stages = raw["approval_paths"]["standard"]["stages"]
    stages[0]["fallback"] = ["role:lawyers", "zoe"]
    stages[0]["escalate_to"] = "role:chefs"
    stages[1]["remind_at"] = [50, 120]
    raw["approval_paths"]["recht"]["stages"][0]["on_timeout"] = "approve"  # but no sla
    raw["approval_paths"]["kurz"]["stages"][0]["on_timeout"] = "ignore"
    assert problems(raw) == [
        "approval_paths.standard.stages[1].remind_at: reminder at 120% "
        "(use percentages between 1 and 99)",
        "approval_paths.kurz.stages[0].on_timeout: Input should be 'escalate' or 'approve'",
    ]
    raw["approval_paths"]["kurz"]["stages"][0]["on_timeout"] = "approve"
    raw["approval_paths"]["kurz"]["stages"][0]["sla"] = "1h"
    stages[1]["remind_at"] = [90, 50]
    assert problems(raw) == [
        "approval_paths.standard.stages[0].fallback[0]: unknown role 'lawyers'",
        "approval_paths.standard.stages[0].fallback[1]: unknown person 'zoe' "
        "(use a handle, 'lead' or 'role:NAME')",
        "approval_paths.standard.stages[0].escalate_to: unknown role 'chefs'",
        "approval_paths.recht.stages[0].sla: required for on_timeout/escalate_to "
        "(when does the stage time out?)",
    ]


def test_a_valid_file_keeps_the_new_keys() -> None:
    raw = raw_org()
    raw["approval_paths"]["standard"]["stages"][0].update(
        {"fallback": ["role:management"], "escalate_to": "ben", "remind_at": [90, 25]}
    )
    org = parse_config(raw)
    stage = org.approval_paths["standard"].stages[0]
    assert stage.remind_at == [25, 90] and stage.escalate_to == "ben"
    assert stage.on_timeout == "escalate"
