"""`socialdesk slack-manifest --url https://HOST`: the Slack app, set up in one step.

Slack's *Create New App → From a manifest* takes this JSON (or YAML) and creates the app with
every slash command the engine knows, interactivity, the events it listens to, the Home and
Messages tabs and the bot scopes below; what is left is to install the app and set
`SLACK_BOT_TOKEN` and `SLACK_SIGNING_SECRET`. The commands come from the command registry and
their descriptions from the catalog, so the manifest cannot drift from the code.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any
from urllib.parse import urlsplit

import yaml

from bot import features, i18n
from bot.commands import UMBRELLA
from bot.help import menu
from bot.registry import listed_commands

assert features  # imported for its registrations
EVENTS_PATH = "/slack/events"  # commands, events and interactivity on one URL (app.py)
UMBRELLA_COMMAND = "desk"
assert UMBRELLA_COMMAND in UMBRELLA

# Every bot scope the adapter needs, and why. This is the one list: the manifest takes it, the
# README names it, and tests/unit/test_command_menus.py checks it against the Web API
# methods the Slack adapter calls.
BOT_SCOPES: dict[str, str] = {
    "chat:write": "chat.postMessage, chat.update, chat.postEphemeral: cards and answers",
    "chat:write.public": "post the agenda into the meeting channel without inviting the bot",
    "commands": "the slash commands",
    "im:write": "conversations.open: a direct message to a person",
    "im:history": "the message.im event: what people write to the bot",
    "users:read": "users.info: who clicked or wrote",
    "users:read.email": "users.lookupByEmail and the e-mail in users.info: people by e-mail",
    "files:read": "download files sent to the bot (url_private)",
    "groups:write": "conversations.create, conversations.invite: the private crisis room",
    "usergroups:read": "usergroups.list, usergroups.users.list: departments for import-org",
}
BOT_EVENTS = ("message.im", "app_home_opened")
# Slack's own commands: an app may not register them (Slack refuses the whole manifest), so
# these commands are typed after the umbrella command, e.g. `/desk status`.
SLACK_BUILT_INS = frozenset(
    {
        "away",
        "collapse",
        "dnd",
        "expand",
        "feed",
        "join",
        "leave",
        "me",
        "msg",
        "mute",
        "open",
        "pro",
        "remind",
        "search",
        "shortcuts",
        "shrug",
        "status",
        "topic",
        "who",
    }
)
_DESCRIPTION_LIMIT = 100  # Slack cuts longer slash command descriptions


def slash_commands(url: str, locale: str) -> list[dict[str, Any]]:
    """Every registered command but Slack's own, then `/desk` for all (aliases included)."""
    names = [s.name for s in listed_commands() if s.name not in SLACK_BUILT_INS]
    names.append(UMBRELLA_COMMAND)
    out = []
    for name in names:
        entry: dict[str, Any] = {
            "command": f"/{name}",
            "url": url,
            "description": menu.summary(name, locale)[:_DESCRIPTION_LIMIT],
            "should_escape": True,  # mentions arrive as <@U123|name> (app.neutral_mentions)
        }
        hint = menu.hint(name, locale)
        if hint:
            entry["usage_hint"] = hint
        out.append(entry)
    return out


def manifest(base_url: str, locale: str) -> dict[str, Any]:
    url = base_url.rstrip("/") + EVENTS_PATH
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": "socialdesk",
            "description": i18n.t(locale, "app.description.short"),
            "long_description": i18n.t(locale, "app.description.full"),
            "background_color": "#007870",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": False,
            },
            "bot_user": {"display_name": "socialdesk", "always_online": True},
            "slash_commands": slash_commands(url, locale),
        },
        "oauth_config": {"scopes": {"bot": sorted(BOT_SCOPES)}},
        "settings": {
            "event_subscriptions": {"request_url": url, "bot_events": list(BOT_EVENTS)},
            "interactivity": {"is_enabled": True, "request_url": url},
            "org_deploy_enabled": False,
            "socket_mode_enabled": False,
            "token_rotation_enabled": False,
        },
    }


def render(base_url: str, locale: str, fmt: str = "json") -> str:
    """The manifest as text; Slack's *From a manifest* dialog takes JSON and YAML alike."""
    data = manifest(base_url, locale)
    if fmt == "yaml":
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def url_problem(base_url: str) -> str | None:
    """Slack calls the app over public HTTPS only; anything else cannot work."""
    parts = urlsplit(base_url)
    if parts.scheme != "https" or not parts.hostname:
        return f"--url {base_url!r}: Slack needs the public https:// address of this server"
    if parts.path.rstrip("/") or parts.query:
        return f"--url {base_url!r}: give the server's address only ({EVENTS_PATH} is added)"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="socialdesk slack-manifest", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", required=True, help="the server's public address, https://HOST")
    parser.add_argument("--locale", choices=i18n.LOCALES, default=i18n.DEFAULT_LOCALE)
    parser.add_argument("--format", choices=("json", "yaml"), default="json", dest="fmt")


def run(args: argparse.Namespace) -> int:
    problem = url_problem(args.url)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    sys.stdout.write(render(args.url, args.locale, args.fmt))
    return 0


if __name__ == "__main__":
    sys.exit(main())
