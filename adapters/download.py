"""Fetching a file a person shared, for any adapter: chunked, never past the intake limit."""

from __future__ import annotations

import logging

import aiohttp

from bot.events import FileShared

log = logging.getLogger(__name__)
CHUNK = 64 * 1024


async def fetch_limited(
    http: aiohttp.ClientSession,
    url: str,
    *,
    name: str,
    declared: int,
    limit: int,
    headers: dict[str, str] | None = None,
) -> FileShared:
    """At most `limit + 1` bytes are read: beyond that the file is marked incomplete (too big)."""
    if declared > limit:
        return FileShared(name=name, size=declared, complete=False)
    data = bytearray()
    try:
        async with http.get(url, headers=headers or {}) as resp:
            if resp.status != 200:
                log.warning("fetching %s answered %s", name, resp.status)
                return FileShared(name=name, size=declared, fetched=False)
            async for chunk in resp.content.iter_chunked(CHUNK):
                data.extend(chunk)
                if len(data) > limit:
                    return FileShared(name=name, size=max(declared, len(data)), complete=False)
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.warning("fetching %s failed: %s", name, exc)
        return FileShared(name=name, size=declared, fetched=False)
    return FileShared(name=name, data=bytes(data), size=len(data))
