"""Files shared with the bot in Slack: fetched from `url_private` with the bot token.

Read in chunks and never more than the intake limit plus one byte; the engine then checks the
bytes and answers. The token is only ever sent to Slack's own file hosts (or the configured API
host, for a test double on loopback).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from adapters.download import fetch_limited
from bot.events import FileShared

log = logging.getLogger(__name__)
TRUSTED_SUFFIXES = (".slack.com", ".slack-edge.com", ".slack-files.com")


def trusted(url: str, api_url: str) -> bool:
    parts, api = urlsplit(url), urlsplit(api_url)
    host = parts.hostname or ""
    if host == (api.hostname or "") and parts.port == api.port and parts.scheme == api.scheme:
        return True
    return parts.scheme == "https" and (host.endswith(TRUSTED_SUFFIXES) or host == "slack.com")


async def fetch_all(
    files: list[dict[str, Any]], *, token: str, api_url: str, limit: int
) -> tuple[FileShared, ...]:
    if not files:
        return ()
    out: list[FileShared] = []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as http:
        for info in files:
            name = str(info.get("name") or info.get("title") or info.get("id") or "file")
            declared = int(info.get("size") or 0)
            url = str(info.get("url_private_download") or info.get("url_private") or "")
            if declared <= limit and (not url or not trusted(url, api_url)):
                log.warning("not fetching %s from untrusted %r", name, url)
                out.append(FileShared(name=name, size=declared, fetched=False))
                continue
            out.append(
                await fetch_limited(
                    http,
                    url,
                    name=name,
                    declared=declared,
                    limit=limit,
                    headers={"Authorization": f"Bearer {token}"},
                )
            )
    return tuple(out)
