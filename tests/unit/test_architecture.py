"""The engine knows no platform: nothing under bot/ imports a platform SDK; and the layers
under the features (storage, the outbox) import none of them.

bot/server.py is the composition root that mounts the adapters, and the one exception.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PLATFORM_PACKAGES = ("slack_bolt", "slack_sdk", "botbuilder", "botframework", "adapters")
COMPOSITION_ROOT = ROOT / "bot" / "server.py"
# The CLI prints what an adapter generates from the registry (`socialdesk slack-manifest`).
# `import-org --from slack` reads the workspace through the Slack adapter.
ALSO_ALLOWED = {ROOT / "bot" / "cli.py": {"adapters.slack.manifest", "adapters.slack.directory"}}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_engine_imports_no_platform_sdk() -> None:
    offenders = []
    paths = sorted((ROOT / "bot").rglob("*.py"))
    assert COMPOSITION_ROOT in paths and len(paths) > 10, "the engine's sources were not found"
    for path in paths:
        if path == COMPOSITION_ROOT:
            continue
        for name in _imports(path):
            if name.split(".")[0] in PLATFORM_PACKAGES and name not in ALSO_ALLOWED.get(path, ()):
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []


def test_storage_imports_nothing_from_bot_or_adapters() -> None:
    paths = sorted((ROOT / "storage").rglob("*.py"))
    assert paths, "the storage sources were not found"
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in paths
        for name in _imports(path)
        if name.split(".")[0] in ("bot", "adapters", "slack_sdk", "botbuilder")
    ]
    assert offenders == []


# What the outbox may build on: the engine's own parts and the people it delivers to. A
# feature that makes its message at send time registers with bot/outbox/at_send instead.
OUTBOX_MAY_IMPORT = (
    "bot.clock",
    "bot.context",
    "bot.events",
    "bot.i18n",
    "bot.ids",
    "bot.messages",
    "bot.metrics",
    "bot.named",
    "bot.orgconfig",
    "bot.outbox",
    "bot.people",
    "bot.platform",
    "bot.registry",
    "bot.settings",
)


def test_the_outbox_imports_no_feature() -> None:
    paths = sorted((ROOT / "bot" / "outbox").rglob("*.py"))
    assert len(paths) > 3, "the outbox's sources were not found"
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in paths
        for name in _imports(path)
        if name.split(".")[0] == "bot" and not name.startswith(OUTBOX_MAY_IMPORT)
    ]
    assert offenders == []
