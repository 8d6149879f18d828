"""Small helpers the tests share."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any


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
