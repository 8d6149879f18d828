"""The message catalog: every user-facing text, in German and English, side by side.

Each feature keeps its texts in a `messages.yaml` next to its code, one key with a `de` and an
`en` entry; this module merges them and refuses a key that lacks either language.

Two small additions to Python's format syntax keep the texts grammatical without code:
- `{n|Freigabe|Freigaben}` is the singular or plural word for the number `n` (German and
  English both have exactly these two forms), so a text says "1 Freigabe" and "2 Freigaben".
- `{age:seit _}` puts an age (from `format_age`) into a phrase, `_` standing for the amount;
  an age under a minute replaces the whole phrase with "gerade eben" instead of "seit 0 Min."
  (or with the text after a `|`: `{age:seit _|seit eben}`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from string import Formatter
from typing import Any
from zoneinfo import ZoneInfo

from bot import yamltext

LOCALES = ("de", "en")
DEFAULT_LOCALE = "de"
_ROOT = Path(__file__).resolve().parent.parent


class CatalogError(Exception):
    pass


@cache
def catalog() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(_ROOT.rglob("messages.yaml")):
        entries = yamltext.parse(path.read_text(encoding="utf-8")) or {}
        for key, texts in entries.items():
            if key in merged:
                raise CatalogError(f"{path}: key {key!r} defined twice")
            missing = [loc for loc in LOCALES if not isinstance(texts, dict) or loc not in texts]
            if missing:
                raise CatalogError(f"{path}: key {key!r} lacks {', '.join(missing)}")
            merged[key] = {loc: str(texts[loc]) for loc in LOCALES}
            broken = [f for loc in LOCALES for f in plural_problems(merged[key][loc])]
            if broken:
                raise CatalogError(f"{path}: key {key!r}: plural {broken[0]!r} needs two forms")
    return merged


def placeholders(text: str) -> set[str]:
    return {name.partition("|")[0] for _, name, _, _ in Formatter().parse(text) if name}


def plural_problems(text: str) -> list[str]:
    """Plural fields that do not name exactly the singular and the plural form."""
    return [
        name
        for _, name, _, _ in Formatter().parse(text)
        if name and "|" in name and len(name.split("|")) != 3
    ]


class _CatalogFormatter(Formatter):
    """str.format plus the plural field `{n|one|other}`."""

    def get_field(self, field_name: str, args: Any, kwargs: Any) -> tuple[Any, str]:
        name, plural, forms = field_name.partition("|")
        if not plural:
            field: tuple[Any, str] = super().get_field(field_name, args, kwargs)
            return field
        one, _, other = forms.partition("|")
        return (one if _is_one(kwargs[name]) else other), name


def _is_one(value: object) -> bool:
    """German and English: the singular is for exactly one (CLDR plural category `one`)."""
    return isinstance(value, int | str) and str(value).strip() in ("1", "-1")


_FORMATTER = _CatalogFormatter()


def t(locale: str | None, key: str, **params: Any) -> str:
    texts = catalog()[key]
    return _FORMATTER.format(texts.get(locale or DEFAULT_LOCALE, texts[DEFAULT_LOCALE]), **params)


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


class Age(str):
    """An amount of time as text ("5 Min.") that knows whether it is under a minute: in a
    phrase field (`{age:seit _}`) a fresh age reads "gerade eben" rather than "seit 0 Min."."""

    fresh: bool
    just_now: str

    def __new__(cls, text: str, *, fresh: bool = False, just_now: str = "") -> Age:
        age = super().__new__(cls, text)
        age.fresh, age.just_now = fresh, just_now
        return age

    def __format__(self, spec: str) -> str:
        """`seit _` → "seit 5 Min." or "gerade eben"; `_ ago|just now` names its own fresh text."""
        phrase, own, fresh_text = spec.partition("|")
        if "_" not in phrase:
            return super().__format__(spec)
        if self.fresh:
            return fresh_text if own else self.just_now
        return phrase.replace("_", str(self))


def format_age(value: timedelta, locale: str | None) -> Age:
    minutes = int(value.total_seconds() // 60)
    if minutes < 1:
        return Age(
            t(locale, "time.under_a_minute"), fresh=True, just_now=t(locale, "time.just_now")
        )
    if minutes < 60:
        return Age(t(locale, "time.minutes", n=minutes))
    if minutes < 48 * 60:
        return Age(t(locale, "time.hours", n=minutes // 60))
    return Age(t(locale, "time.days", n=minutes // (24 * 60)))
