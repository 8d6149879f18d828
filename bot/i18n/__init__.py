"""The message catalog: every user-facing text, in German and English, side by side.

Each feature keeps its texts in a `messages.yaml` next to its code, one key with a `de` and an
`en` entry; this module merges them and refuses a key that lacks either language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from string import Formatter
from typing import Any
from zoneinfo import ZoneInfo

import yaml

LOCALES = ("de", "en")
DEFAULT_LOCALE = "de"
_ROOT = Path(__file__).resolve().parent.parent


class CatalogError(Exception):
    pass


@cache
def catalog() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(_ROOT.rglob("messages.yaml")):
        entries = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key, texts in entries.items():
            if key in merged:
                raise CatalogError(f"{path}: key {key!r} defined twice")
            missing = [loc for loc in LOCALES if not isinstance(texts, dict) or loc not in texts]
            if missing:
                raise CatalogError(f"{path}: key {key!r} lacks {', '.join(missing)}")
            merged[key] = {loc: str(texts[loc]) for loc in LOCALES}
    return merged


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name}


def t(locale: str | None, key: str, **params: Any) -> str:
    texts = catalog()[key]
    return texts.get(locale or DEFAULT_LOCALE, texts[DEFAULT_LOCALE]).format(**params)


@dataclass(frozen=True)
class Reader:
    """Who reads a message: their language and the organisation's timezone."""

    locale: str
    tz: ZoneInfo

    def t(self, key: str, **params: object) -> str:
        return t(self.locale, key, **params)

    def when(self, value: datetime) -> str:
        return format_datetime(value, self.locale, self.tz)

    def time(self, value: datetime) -> str:
        return value.astimezone(self.tz).strftime("%H:%M")


_DATETIME_FORMAT = {"de": "%d.%m.%Y, %H:%M", "en": "%d %b %Y, %H:%M"}


def format_datetime(value: datetime, locale: str | None, tz: ZoneInfo) -> str:
    """Times are stored in UTC and shown in the organisation's timezone."""
    local = value.astimezone(tz)
    return local.strftime(_DATETIME_FORMAT.get(locale or DEFAULT_LOCALE, _DATETIME_FORMAT["de"]))


def format_age(value: timedelta, locale: str | None) -> str:
    minutes = int(value.total_seconds() // 60)
    if minutes < 60:
        return t(locale, "time.minutes", n=minutes)
    if minutes < 48 * 60:
        return t(locale, "time.hours", n=minutes // 60)
    return t(locale, "time.days", n=minutes // (24 * 60))
