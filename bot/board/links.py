"""Where the board is reached from the chat: the sign-in links `/desk board` answers with.

Set once by the server (bot/server.py) like the file links in storage/blobs.py: the engine
writes links into messages without knowing the web server. Without SOCIALDESK_PUBLIC_URL the
sign-in link uses the address `serve` listens on (right for one machine; `make run` sets the
public URL to it anyway).
"""

from __future__ import annotations

from storage import blobs

PREFIX = "/board"
_base: str | None = None  # None: the board is off on this server


def configure(base_url: str | None) -> None:
    global _base
    _base = base_url.rstrip("/") if base_url else None


def board_url() -> str | None:
    return f"{_base}{PREFIX}/" if _base else None


def sign_in_url(token: str) -> str | None:
    return f"{_base}{PREFIX}/signin/{token}" if _base else None


def item_url(item_id: int) -> str | None:
    """The item's page, for links in chat messages: only with SOCIALDESK_PUBLIC_URL, as the
    loopback address the sign-in link falls back to is no use on a colleague's phone."""
    if _base is None or not blobs.has_public_url():
        return None
    return f"{_base}{PREFIX}/items/{item_id}"
