"""Files sent to the bot in a Teams chat: attached files and pasted images.

An attached file arrives as `…teams.file.download.info` whose `downloadUrl` (SharePoint or
OneDrive) is pre-authenticated: no token is sent with it. An image pasted into the message
arrives as `image/*` with a `contentUrl` on the Bot Framework service, which wants the bot's
token; the `text/html` attachment beside it only lays the message out and is no file.

Only Microsoft's file hosts are asked (plus `SOCIALDESK_TEAMS_FILE_HOSTS`, for a test double or a
private cloud); the bot's token only goes to the Bot Framework service hosts.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Sequence
from typing import Any

from botbuilder.integration.aiohttp import CloudAdapter

from adapters.download import Hosts, Policy, Wanted, fetch_many
from bot.events import FileShared
from bot.settings import get_settings

log = logging.getLogger(__name__)
DOWNLOAD_INFO = "application/vnd.microsoft.teams.file.download.info"
PASTED = "pasted"
# Where the Bot Framework service keeps pasted images (and wants the bot's token for them):
# the public connector (smba.trafficmanager.net, not any *.trafficmanager.net: anyone can
# register a name there), Teams' regional attachment services and the government clouds.
SERVICE_HOSTS = Hosts(
    names=frozenset({"smba.trafficmanager.net"}),
    suffixes=(".botframework.com", ".asm.skype.com", ".teams.microsoft.com"),
)
# Where attached files are downloaded from: the person's OneDrive or the team's SharePoint.
FILE_HOSTS = Hosts(
    names=SERVICE_HOSTS.names | {"graph.microsoft.com"},
    suffixes=(*SERVICE_HOSTS.suffixes, ".sharepoint.com", ".sharepoint.us", ".sharepoint.de"),
)
# Any service URL works for the connector client that only hands out credentials.
_CREDENTIALS_URL = "https://smba.trafficmanager.net/teams/"


def _field(obj: Any, snake: str, camel: str) -> Any:
    """Attachments come as botbuilder objects or in wire form (camelCase dicts)."""
    if isinstance(obj, dict):
        return obj.get(camel, obj.get(snake))
    return getattr(obj, snake, None)


def wanted(attachments: Sequence[Any]) -> list[Wanted]:
    """The attachments that are files the person sent; cards, HTML and the like are not."""
    out: list[Wanted] = []
    for attachment in attachments:
        content_type = str(_field(attachment, "content_type", "contentType") or "")
        name = _field(attachment, "name", "name")
        if content_type == DOWNLOAD_INFO:
            content = _field(attachment, "content", "content") or {}
            url = _field(content, "download_url", "downloadUrl") or ""
            out.append(Wanted(name=str(name or "file"), url=str(url)))
        elif content_type.startswith("image/"):
            url = _field(attachment, "content_url", "contentUrl") or ""
            subtype = content_type.split("/", 1)[1].split("+", 1)[0] or "png"
            pasted = sum(1 for w in out if w.refusal == PASTED) + 1
            out.append(
                Wanted(
                    name=str(name or f"image-{pasted}.{subtype}"),
                    url=str(url),
                    with_token=True,
                    refusal=PASTED,
                )
            )
    return out


def policy(token: str | None, extra_hosts: Sequence[str] | None = None) -> Policy:
    """Microsoft's hosts plus the configured ones; the token for the service hosts only."""
    extra = get_settings().teams_file_hosts.split(",") if extra_hosts is None else list(extra_hosts)
    return Policy(
        hosts=FILE_HOSTS.with_origins(extra),
        token=token,
        token_hosts=SERVICE_HOSTS.with_origins(extra),
    )


async def fetch_all(
    attachments: Sequence[Any],
    *,
    limit: int,
    token: str | None = None,
    extra_hosts: Sequence[str] | None = None,
) -> tuple[FileShared, ...]:
    """`extra_hosts` unset: those of `SOCIALDESK_TEAMS_FILE_HOSTS`."""
    return await fetch_many(wanted(attachments), policy=policy(token, extra_hosts), limit=limit)


def wants_token(attachments: Sequence[Any]) -> bool:
    return any(w.with_token for w in wanted(attachments))


# The bot's credentials per adapter: their MSAL app caches the token until it expires.
_credentials: weakref.WeakKeyDictionary[CloudAdapter, Any] = weakref.WeakKeyDictionary()


async def bot_token(adapter: CloudAdapter, app_id: str) -> str | None:
    """The bot's Bot Framework token, from the credentials the adapter uses for its own
    connector calls; None without an app id (local, unauthenticated) or when Azure AD will not
    issue one."""
    if not app_id:
        return None
    try:
        credentials = _credentials.get(adapter)
        if credentials is None:
            identity = adapter.create_claims_identity(app_id)
            factory = adapter.bot_framework_authentication.create_connector_factory(identity)
            client = await factory.create(_CREDENTIALS_URL, None)
            credentials = _credentials.setdefault(adapter, client.config.credentials)
        token = await asyncio.to_thread(credentials.get_access_token)
    except Exception as exc:  # msal and msrest raise many kinds; without a token we say so
        log.warning("teams: no token to fetch pasted images (%s: %s)", type(exc).__name__, exc)
        return None
    return str(token) if token else None
