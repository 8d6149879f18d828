"""`make teams-package`: the Teams app package (manifest.json, de.json + icons) as a zip.

The bot id is the Azure Bot's app id (MICROSOFT_APP_ID). The command menu Teams shows when
someone types in the chat comes from the command registry and the catalog: English in
manifest.json, German in de.json (Teams picks the file by the client's language).

Teams shows at most ten commands per list, and socialdesk has more. The ten are chosen here,
not by registration order: what colleagues do day to day (submit, revise, status, request,
topic, meeting, history, delegate), the crisis, and help. The overviews for the social media
team (OFF_MENU) still work when typed and are listed by `help`. A new command must be put in
one of the two lists (a test says so): the menu is a decision, not an accident.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import zipfile
from pathlib import Path
from typing import Any

from bot import features, i18n
from bot.help import menu
from bot.registry import COMMANDS
from bot.settings import Settings

assert features  # imported for its registrations
MANIFEST_DIR = Path(__file__).resolve().parent / "manifest"
ICONS = ("color.png", "outline.png")
MAX_COMMANDS = 10  # Teams' limit per command list
MENU = (
    "help",
    "submit",
    "status",
    "revise",
    "request",
    "topic",
    "meeting",
    "crisis",
    "history",
    "delegate",
)
# Teams lists at most 10 commands
OFF_MENU = ("stats", "departments", "outbox", "plan", "kalender", "people", "reload", "board")
DEFAULT_LANGUAGE = "en"
LOCALIZED = {"de": "de.json"}  # Teams language tag → localization file in the package
_TITLE_LIMIT, _DESCRIPTION_LIMIT = 32, 128
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_PLACEHOLDER_ID = "00000000-0000-0000-0000-000000000000"


def commands(locale: str = DEFAULT_LANGUAGE) -> list[dict[str, str]]:
    """The menu: each command as it is typed in Teams, with its one-line summary."""
    missing = [name for name in MENU if name not in COMMANDS]
    if missing:
        raise ValueError(f"the Teams menu names unregistered commands: {', '.join(missing)}")
    return [
        {
            "title": name[:_TITLE_LIMIT],
            "description": menu.summary(name, locale)[:_DESCRIPTION_LIMIT],
        }
        for name in MENU
    ]


def manifest(bot_id: str) -> dict[str, Any]:
    text = (MANIFEST_DIR / "manifest.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text.replace("{{BOT_ID}}", bot_id))
    data.update(_app_texts(DEFAULT_LANGUAGE))
    for bot in data["bots"]:
        for command_list in bot["commandLists"]:
            command_list["commands"] = commands(DEFAULT_LANGUAGE)
    data["localizationInfo"] = {
        "defaultLanguageTag": DEFAULT_LANGUAGE,
        "additionalLanguages": [
            {"languageTag": tag, "file": file} for tag, file in LOCALIZED.items()
        ],
    }
    return data


def localization(data: dict[str, Any], locale: str) -> dict[str, Any]:
    """A Teams localization file: the app's texts and every command of every list."""
    version = data["manifestVersion"]
    texts = _app_texts(locale)
    out: dict[str, Any] = {
        "$schema": "https://developer.microsoft.com/en-us/json-schemas/teams/"
        f"v{version}/MicrosoftTeams.Localization.schema.json",
        "name.short": texts["name"]["short"],
        "name.full": texts["name"]["full"],
        "description.short": texts["description"]["short"],
        "description.full": texts["description"]["full"],
    }
    for b, bot in enumerate(data["bots"]):
        for c, _ in enumerate(bot["commandLists"]):
            for n, command in enumerate(commands(locale)):
                prefix = f"bots[{b}].commandLists[{c}].commands[{n}]"
                out[f"{prefix}.title"] = command["title"]
                out[f"{prefix}.description"] = command["description"]
    return out


def _app_texts(locale: str) -> dict[str, dict[str, str]]:
    return {
        "name": {"short": "socialdesk", "full": i18n.t(locale, "app.name")},
        "description": {
            "short": i18n.t(locale, "app.description.short"),
            "full": i18n.t(locale, "app.description.full"),
        },
    }


def build(out: Path, bot_id: str) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    data = manifest(bot_id)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", _json(data))
        for locale, file in LOCALIZED.items():
            archive.writestr(file, _json(localization(data, locale)))
        for icon in ICONS:
            archive.write(MANIFEST_DIR / icon, icon)
    return out


def _json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m adapters.teams.package", description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("dist/socialdesk-teams.zip"))
    parser.add_argument("--bot-id", help="the Azure Bot's app id (default: MICROSOFT_APP_ID)")
    args = parser.parse_args(argv)
    bot_id = args.bot_id or Settings().microsoft_app_id or _PLACEHOLDER_ID
    if not _GUID.match(bot_id):
        print(f"bot id {bot_id!r} is not a GUID (the Azure Bot's app id)", file=sys.stderr)
        return 1
    path = build(args.out, bot_id)
    if bot_id == _PLACEHOLDER_ID:
        print("MICROSOFT_APP_ID is not set: the package carries a placeholder bot id")
    print(f"{path}: upload it in Teams (Apps → Manage your apps → Upload an app)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
