"""Files sent to the bot in a Teams personal chat.

Teams hands the bot a file as an attachment of type `…teams.file.download.info` whose
`downloadUrl` is pre-authenticated (no token is sent with it). Inline images pasted into the
chat (`image/*` with a `contentUrl` on Microsoft's servers) would need the bot's token and are
not fetched yet.
"""

from __future__ import annotations

from typing import Any

import aiohttp

from adapters.download import fetch_limited
from bot.events import FileShared

DOWNLOAD_INFO = "application/vnd.microsoft.teams.file.download.info"


def _field(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


async def fetch_all(attachments: list[Any], *, limit: int) -> tuple[FileShared, ...]:
    wanted = [a for a in attachments if _field(a, "content_type") == DOWNLOAD_INFO]
    if not wanted:
        return ()
    out: list[FileShared] = []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as http:
        for attachment in wanted:
            content = _field(attachment, "content") or {}
            name = str(_field(attachment, "name") or "file")
            url = str(_field(content, "downloadUrl") or "")
            if not url.startswith(("https://", "http://")):
                out.append(FileShared(name=name, fetched=False))
                continue
            out.append(await fetch_limited(http, url, name=name, declared=0, limit=limit))
    return tuple(out)
