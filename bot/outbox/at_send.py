"""Outbox rows whose content is made when they are sent, not when they were written.

A feature registers how, by the row's kind (bot/home: a person's Home, rendered as it is at
send time, so a row that waited behind a rate limit never shows a stale state). The
dispatcher asks here before it falls back to the stored message, and imports no feature.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from bot.named import registrar
from bot.orgconfig import OrgConfig
from bot.platform import ChatPlatform
from storage.db import SessionMaker
from storage.models import OutboxMessage, Person

Send = Callable[[], Awaitable[dict[str, Any]]]
Prepare = Callable[
    [SessionMaker, OrgConfig | None, ChatPlatform, OutboxMessage, Person | None, datetime],
    Awaitable[Send],
]
PREPARERS: dict[str, Prepare] = {}


# Rows of a kind are sent through the decorated function: the call that delivers the row on
# that platform to that person (None if unknown), its content read `now`.
made_at_send = registrar(PREPARERS, "outbox kind")
