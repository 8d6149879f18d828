"""`socialdesk import-org`: read a source, merge it into the organisation file, validate the
result as `check-config` does, and only then write it, atomically (a reloading server never
sees half a file)."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from bot import yamltext
from bot.org.merge import Raw, merge
from bot.org.model import Directory, ImportProblem
from bot.orgconfig import ConfigError, parse_config

HEADER = (
    "# Written by `socialdesk import-org`; run it again to bring people and departments up to\n"
    "# date. Everything else (approval paths, channels, meeting, crisis) is yours to edit.\n"
)


def read_existing(path: Path) -> Raw | None:
    if not path.exists():
        return None
    try:
        raw = yamltext.parse(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ImportProblem(f"{path}: cannot be read to merge into ({exc})") from None
    if raw is not None and not isinstance(raw, dict):
        raise ImportProblem(f"{path}: not an organisation file (expected a mapping)")
    return raw


def existing_departments(raw: Raw | None) -> list[tuple[str, str]]:
    return [
        (str(d.get("id")), str(d.get("name", d.get("id"))))
        for d in ((raw or {}).get("departments") or [])
        if isinstance(d, dict)
    ]


def import_org(out: Path, read: Callable[[Raw | None], Directory]) -> int:
    """Exit status for the command: 0 written, 1 nothing written (why is on stderr)."""
    try:
        existing = read_existing(out)
        directory = read(existing)
    except ImportProblem as exc:
        print(str(exc), file=sys.stderr)
        return 1
    merged, summary = merge(existing, directory)
    try:
        config = parse_config(merged)
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"{out}: {problem}", file=sys.stderr)
        print(
            f"{out}: {len(exc.problems)} problem(s) in the merged file; nothing written",
            file=sys.stderr,
        )
        return 1
    write_atomically(out, merged)
    for line in summary.lines():
        print(f"{out}: {line}")
    print(
        f"{out}: ok ({len(config.people)} people, {len(config.departments)} departments, "
        f"{len(config.approval_paths)} approval paths)"
    )
    return 0


def write_atomically(path: Path, raw: dict[str, Any]) -> None:
    """Write beside the file, then rename over it: readers see the old file or the new one."""
    text = HEADER + yaml.safe_dump(raw, allow_unicode=True, sort_keys=False, width=100)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
