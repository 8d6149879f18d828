"""The command menus outside the chat: the Slack app manifest (`socialdesk slack-manifest`) and
the Teams app package (`make teams-package`), both from the command registry and the catalog."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest
import yaml

from adapters.slack import manifest as slack
from adapters.teams import package as teams
from bot import cli
from bot.registry import COMMANDS, listed_commands

ROOT = Path(__file__).resolve().parents[2]
HOST = "https://desk.beispiel.de"

# The bot scope each Slack Web API method needs (api.slack.com/methods). A method the adapter
# calls that is missing here fails the scope test below: look it up and add it.
METHOD_SCOPES: dict[str, str | None] = {
    "chat_postMessage": "chat:write",
    "chat_postEphemeral": "chat:write",
    "chat_update": "chat:write",
    "conversations_open": "im:write",
    "conversations_create": "groups:write",  # the crisis room is private
    "conversations_invite": "groups:write",
    "conversations_members": "groups:read",
    "users_info": "users:read",
    "users_lookupByEmail": "users:read.email",
    "users_list": "users:read",
    "usergroups_list": "usergroups:read",
    "usergroups_users_list": "usergroups:read",
    "files_info": "files:read",
    "reactions_add": "reactions:write",
    "views_open": None,
    "views_publish": None,
    "views_update": None,
    "auth_test": None,
}
# What the adapter does besides calling methods, and the scope that needs.
FEATURE_SCOPES = {
    r"app\.command\(": "commands",
    r"url_private": "files:read",  # downloading the files people send to the bot
    r"app\.event\(\"message\"\)": "im:history",  # the message.im event
}
_CALL = re.compile(r"\bclient\.([a-z]+_[A-Za-z_]+)\(")


def _adapter_sources() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "adapters/slack").glob("*.py"))


def test_the_slack_manifest_has_every_registered_command() -> None:
    data = slack.manifest(HOST, "de")
    commands = {c["command"]: c for c in data["features"]["slash_commands"]}
    for spec in listed_commands():
        if spec.name in slack.SLACK_BUILT_INS:  # Slack's own: typed as `/desk status`
            assert f"/{spec.name}" not in commands
        else:
            assert f"/{spec.name}" in commands, f"/{spec.name} missing from the manifest"
    assert "/desk" in commands and "/topic" not in commands and "/status" not in commands
    assert (
        commands["/submit"]["description"]
        == "Inhalt zur Freigabe einreichen (ohne Text: ein Formular)"
    )
    assert commands["/revise"]["usage_hint"] == "ID TEXT"
    for command in commands.values():
        assert command["url"] == f"{HOST}/slack/events"
        assert 0 < len(command["description"]) <= 100
        assert re.fullmatch(r"/[a-z0-9_-]{1,31}", command["command"])
    english = {c["command"]: c for c in slack.manifest(HOST, "en")["features"]["slash_commands"]}
    assert english["/submit"]["description"] == "Submit content for approval (no text: a form)"


def test_the_slack_manifest_sets_up_events_interactivity_and_the_tabs() -> None:
    data = slack.manifest(HOST + "/", "en")
    settings = data["settings"]
    assert settings["interactivity"] == {"is_enabled": True, "request_url": f"{HOST}/slack/events"}
    events = settings["event_subscriptions"]
    assert events["request_url"] == f"{HOST}/slack/events"
    assert {"message.im", "app_home_opened"} <= set(events["bot_events"])
    home = data["features"]["app_home"]
    assert home["home_tab_enabled"] and home["messages_tab_enabled"]
    assert not home["messages_tab_read_only_enabled"]  # people write to the bot there
    assert 175 <= len(data["display_information"]["long_description"]) <= 4000
    assert len(data["display_information"]["description"]) <= 140


def test_the_slack_manifest_asks_for_every_scope_the_code_uses() -> None:
    source = _adapter_sources()
    called = set(_CALL.findall(source))
    assert {"chat_postMessage", "users_lookupByEmail", "conversations_open"} <= called
    unknown = called - set(METHOD_SCOPES)
    assert not unknown, f"which scope do {sorted(unknown)} need? add them to METHOD_SCOPES"
    needed = {METHOD_SCOPES[m] for m in called} - {None}
    needed |= {scope for pattern, scope in FEATURE_SCOPES.items() if re.search(pattern, source)}
    granted = set(slack.manifest(HOST, "de")["oauth_config"]["scopes"]["bot"])
    assert needed <= granted, f"missing bot scopes: {sorted(needed - granted)}"
    assert granted == set(slack.BOT_SCOPES)


def test_the_readme_points_to_the_scope_list_and_the_manifest_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Connecting Slack", 1)[1].split("\n## ", 1)[0]
    assert "socialdesk slack-manifest --url https://" in section
    assert "BOT_SCOPES" in section and "adapters/slack/manifest.py" in section
    assert all(f"`{scope}`" in section for scope in slack.BOT_SCOPES)


def test_slack_manifest_prints_json_or_yaml_and_refuses_a_non_https_url(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["slack-manifest", "--url", HOST]) == 0  # `socialdesk slack-manifest`
    printed = json.loads(capsys.readouterr().out)
    assert printed == slack.manifest(HOST, "de")
    assert slack.main(["--url", HOST, "--format", "yaml", "--locale", "en"]) == 0
    assert yaml.safe_load(capsys.readouterr().out) == slack.manifest(HOST, "en")
    assert slack.main(["--url", "http://desk.beispiel.de"]) == 2
    assert "https://" in capsys.readouterr().err


def test_the_teams_menu_is_a_choice_of_ten_in_german_and_english(tmp_path: Path) -> None:
    bot_id = "12345678-1234-1234-1234-123456789abc"
    out = teams.build(tmp_path / "app.zip", bot_id)
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == [
            "color.png",
            "de.json",
            "manifest.json",
            "outline.png",
        ]
        manifest = json.loads(archive.read("manifest.json"))
        german = json.loads(archive.read("de.json"))
    listed = manifest["bots"][0]["commandLists"][0]["commands"]
    titles = [c["title"] for c in listed]
    assert len(titles) == teams.MAX_COMMANDS
    assert {"meeting", "topic", "submit", "help", "crisis"} <= set(titles)
    assert all(title in COMMANDS for title in titles)
    submit = titles.index("submit")
    assert listed[submit]["description"] == "Submit content for approval (no text: a form)"
    key = f"bots[0].commandLists[0].commands[{submit}]"
    assert german[f"{key}.title"] == "submit"
    assert (
        german[f"{key}.description"] == "Inhalt zur Freigabe einreichen (ohne Text: ein Formular)"
    )
    assert german["name.full"] == "socialdesk – Social-Media-Koordination"
    assert german["$schema"].endswith(
        f"v{manifest['manifestVersion']}/MicrosoftTeams.Localization.schema.json"
    )
    assert manifest["localizationInfo"] == {
        "defaultLanguageTag": "en",
        "additionalLanguages": [{"languageTag": "de", "file": "de.json"}],
    }
    assert "`" not in json.dumps(listed)  # words, not usage lines cut at "–"


def test_every_command_is_on_the_teams_menu_or_deliberately_off_it() -> None:
    registered = {spec.name for spec in listed_commands()}
    assert set(teams.MENU) | set(teams.OFF_MENU) == registered
    assert not set(teams.MENU) & set(teams.OFF_MENU)
