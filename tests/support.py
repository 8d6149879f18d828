"""Small helpers the tests share."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from tests.conftest import RunningBot
    from tests.fakes.slack_api import FakeSlackApi, Posted


async def eventually(
    predicate: Callable[[], Any], within: float = 10.0, interval: float = 0.02
) -> Any:
    """Wait until `predicate()` is truthy (the outbox delivers asynchronously); fail loudly."""
    deadline = time.monotonic() + within
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within}s: {predicate}")
        await asyncio.sleep(interval)


async def eventually_async(
    predicate: Callable[[], Awaitable[Any]], within: float = 10.0, interval: float = 0.02
) -> Any:
    """`eventually` for a condition that must ask the database."""
    deadline = time.monotonic() + within
    while True:
        value = await predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within}s: {predicate}")
        await asyncio.sleep(interval)


def block_texts(blocks: list[dict[str, Any]]) -> str:
    """Everything a person would read in a Block Kit message, as one string."""
    out: list[str] = []
    for block in blocks:
        if "text" in block:
            out.append(block["text"]["text"])
        out.extend(f["text"] for f in block.get("fields", []))
        for element in block.get("elements", []):
            if element.get("type") == "button":
                out.append(element["text"]["text"])
            elif "text" in element:
                out.append(
                    element["text"] if isinstance(element["text"], str) else element["text"]["text"]
                )
    return "\n".join(out)


def buttons(blocks: list[dict[str, Any]]) -> dict[str, str]:
    """action_id -> value of every button in the message."""
    return {
        e["action_id"]: e.get("value", "")
        for b in blocks
        if b["type"] == "actions"
        for e in b["elements"]
    }


async def dm(fake: FakeSlackApi, user: str, n: int = 1) -> Posted:
    """The n-th Slack DM to the user (waiting for the outbox)."""
    await eventually(lambda: len(fake.dms_to(user)) >= n)
    return fake.dms_to(user)[n - 1]


async def say(bot: RunningBot, fake: FakeSlackApi, user: str, command: str, text: str) -> str:
    """Type a slash command; return the ephemeral answer as the user reads it."""
    before = len(fake.responses)
    resp = await bot.slack.command(user, command, text)
    assert resp.status == 200
    await eventually(lambda: len(fake.responses) > before)
    answer = fake.responses[before]
    return block_texts(answer.get("blocks") or []) or str(answer.get("text", ""))


def file_share(
    user: str, files: list[dict[str, Any]], ts: str, text: str = "", **extra: str
) -> dict[str, Any]:
    """The Slack event for files a person drops into their DM with the bot."""
    return {
        "type": "message",
        "subtype": "file_share",
        "channel": f"D{user}",
        "channel_type": "im",
        "user": user,
        "text": text,
        "files": files,
        "ts": ts,
        **extra,
    }


def people_on_slack(fake: FakeSlackApi) -> None:
    """Carla, Ben and Anna of the example organisation, known to Slack by their e-mail."""
    for user, email in (
        ("U0CARLA", "carla@beispiel.de"),
        ("U0BEN", "ben@beispiel.de"),
        ("U01ANNA", "anna@beispiel.de"),
    ):
        fake.add_user(user, email)


def example_org_with(tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    """The example organisation file, changed by `change`, written to `tmp_path`."""
    from tests.conftest import EXAMPLE_CONFIG

    raw: dict[str, Any] = yaml.safe_load(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    change(raw)
    path = tmp_path / "org.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def set_person(raw: dict[str, Any], handle: str, **fields: Any) -> None:
    """Give the person `handle` in an organisation file these fields (e.g. locale="en")."""
    matches = [p for p in raw["people"] if p["handle"] == handle]
    assert len(matches) == 1, f"no person {handle!r} in the organisation file"
    matches[0].update(fields)
