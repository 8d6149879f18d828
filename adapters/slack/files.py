"""Files shared with the bot in Slack: fetched from `url_private` with the bot token.

Read in chunks and never more than the intake limit plus one byte; the engine then checks the
bytes and answers. Only Slack's own file hosts are asked (or the configured API host, for a
test double on loopback), and only they see the token: adapters/download.py.
"""

from __future__ import annotations

from typing import Any

from adapters.download import Hosts, Policy, Wanted, fetch_many
from bot.events import FileShared

SLACK_HOSTS = Hosts(
    names=frozenset({"slack.com"}),
    suffixes=(".slack.com", ".slack-edge.com", ".slack-files.com"),
)


def hosts(api_url: str) -> Hosts:
    """Slack's file hosts, and the API host the bot is configured with (a test double)."""
    return SLACK_HOSTS.with_origins([api_url])


def wanted(info: dict[str, Any]) -> Wanted:
    """A `files[]` entry of a message event or a modal's file input."""
    return Wanted(
        name=str(info.get("name") or info.get("title") or info.get("id") or "file"),
        url=str(info.get("url_private_download") or info.get("url_private") or ""),
        declared=int(info.get("size") or 0),
        with_token=True,
    )


async def fetch_all(
    files: list[dict[str, Any]], *, token: str, api_url: str, limit: int
) -> tuple[FileShared, ...]:
    policy = Policy(hosts=hosts(api_url), token=token)
    return await fetch_many([wanted(info) for info in files], policy=policy, limit=limit)
