"""Texts name approval paths and roles as the organisation file names them, never by raw id."""

from __future__ import annotations

from typing import Any

import yaml

from bot.orgconfig import OrgConfig, humanised
from tests.conftest import EXAMPLE_CONFIG


def _org(**changes: Any) -> OrgConfig:
    raw = yaml.safe_load(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    raw.update(changes)
    return OrgConfig.model_validate(raw)


def test_paths_and_roles_by_their_names() -> None:
    org = _org()
    assert org.path_name("produkt") == "Produkt mit Recht"
    assert org.role_name("press") == "Presse"


def test_without_a_name_the_id_reads_as_a_name() -> None:
    org = _org(roles={})
    assert org.role_name("social_media_manager") == "Social media manager"
    assert org.path_name("recht") == "Recht"  # not even in the file
    assert humanised("fach-freigabe") == "Fach freigabe"
