"""Neutral events to and from the inbox's JSON payload.

Text is cleaned here, the one door every event passes on its way in: NUL bytes and unpaired
surrogates are removed (PostgreSQL cannot store them, SQLite can: both must behave the same),
everything else is kept as the person wrote it.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from bot.events import Action, Actor, Command, FileShared, InboundEvent, Joined

_KINDS: dict[str, type[InboundEvent]] = {"command": Command, "action": Action, "joined": Joined}
_NAMES = {cls: name for name, cls in _KINDS.items()}
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def clean(value: Any) -> Any:
    """The same structure with every string cleaned (dict keys too)."""
    if isinstance(value, str):
        return _UNSTORABLE.sub("", value)
    if isinstance(value, dict):
        return {clean(k): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    return value


def kind_of(event: InboundEvent) -> str:
    return _NAMES.get(type(event), "event")


def encode(event: InboundEvent) -> dict[str, Any]:
    """The event as JSON, without file contents (fetched again from `file_refs` if needed)."""
    fields = {
        f.name: getattr(event, f.name) for f in dataclasses.fields(event) if f.name != "files"
    }
    fields["actor"] = dataclasses.asdict(event.actor)
    payload: dict[str, Any] = clean(fields)
    payload["kind"] = kind_of(event)
    files = getattr(event, "files", ())
    if files:  # fetched already (engine tests): keep the names, the bytes stay in memory
        payload["file_names"] = [clean(f.name) for f in files]
    return payload


def decode(payload: dict[str, Any]) -> InboundEvent:
    data = dict(payload)
    cls = _KINDS[data.pop("kind")]
    data.pop("file_names", None)
    data["actor"] = Actor(**data["actor"])
    data["file_refs"] = tuple(data.get("file_refs") or ())
    known = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in known})


def with_files(event: InboundEvent, files: tuple[FileShared, ...]) -> InboundEvent:
    return dataclasses.replace(event, files=files, file_refs=())  # type: ignore[call-arg]
