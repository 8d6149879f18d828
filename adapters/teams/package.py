"""`make teams-package`: the Teams app package (manifest.json + icons) as a zip to upload.

The bot id is the Azure Bot's app id (MICROSOFT_APP_ID); the command list comes from the
command registry, so Teams suggests exactly the commands the engine knows (at most ten).
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
from bot.registry import listed_commands
from bot.settings import Settings

assert features  # imported for its registrations
MANIFEST_DIR = Path(__file__).resolve().parent / "manifest"
ICONS = ("color.png", "outline.png")
MAX_COMMANDS = 10  # Teams' limit per command list
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_PLACEHOLDER_ID = "00000000-0000-0000-0000-000000000000"


def commands(locale: str = "en") -> list[dict[str, str]]:
    out = []
    for spec in listed_commands()[:MAX_COMMANDS]:
        usage = i18n.t(locale, spec.usage_key)
        description = usage.split("–", 1)[-1].strip().replace("`", "")
        out.append({"title": spec.name, "description": description[:128]})
    return out


def manifest(bot_id: str, locale: str = "en") -> dict[str, Any]:
    text = (MANIFEST_DIR / "manifest.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text.replace("{{BOT_ID}}", bot_id))
    for bot in data["bots"]:
        for command_list in bot["commandLists"]:
            command_list["commands"] = commands(locale)
    return data


def build(out: Path, bot_id: str, locale: str = "en") -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest(bot_id, locale), indent=2) + "\n")
        for icon in ICONS:
            archive.write(MANIFEST_DIR / icon, icon)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m adapters.teams.package", description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("dist/socialdesk-teams.zip"))
    parser.add_argument("--bot-id", help="the Azure Bot's app id (default: MICROSOFT_APP_ID)")
    parser.add_argument("--locale", choices=i18n.LOCALES, default="en")
    args = parser.parse_args(argv)
    bot_id = args.bot_id or Settings().microsoft_app_id or _PLACEHOLDER_ID
    if not _GUID.match(bot_id):
        print(f"bot id {bot_id!r} is not a GUID (the Azure Bot's app id)", file=sys.stderr)
        return 1
    path = build(args.out, bot_id, args.locale)
    if bot_id == _PLACEHOLDER_ID:
        print("MICROSOFT_APP_ID is not set: the package carries a placeholder bot id")
    print(f"{path}: upload it in Teams (Apps → Manage your apps → Upload an app)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
