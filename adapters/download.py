"""Fetching the files people share, for every adapter: only from the platform's own file hosts.

A file URL arrives inside a platform payload, and a payload can lie (an unauthenticated local
Teams endpoint accepts anything; a compromised integration can post anything). So a URL is
requested only when its host is on the platform's allow-list; a redirect is followed only to
another allowed host; the bot's token goes only to the hosts that need it. Each file is read in
chunks and never past the intake limit plus one byte. What is refused comes back as
`FileShared(fetched=False)` with a reason the intake answer can name.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import aiohttp

from bot.events import FileShared

log = logging.getLogger(__name__)
CHUNK = 64 * 1024
MAX_REDIRECTS = 3
TIMEOUT = aiohttp.ClientTimeout(total=120, sock_connect=15)
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Hosts:
    """Hosts a platform's files may come from: its own names over https, plus configured
    origins (a loopback test double, a private cloud) with the scheme and port they name."""

    names: frozenset[str] = frozenset()
    suffixes: tuple[str, ...] = ()
    origins: frozenset[tuple[str, str, int]] = frozenset()

    def allows(self, url: str) -> bool:
        origin = _origin(url)
        if origin is None:
            return False
        scheme, host, _ = origin
        if origin in self.origins:
            return True
        return scheme == "https" and (host in self.names or host.endswith(self.suffixes))

    def with_origins(self, specs: Iterable[str]) -> Hosts:
        """These plus each `host[:port]` (http or https) or `scheme://host[:port]`."""
        extra: set[tuple[str, str, int]] = set()
        for spec in (s.strip() for s in specs):
            if not spec:
                continue
            if "://" in spec:
                found = _origin(spec)
                extra.update([found] if found else [])
            else:
                extra.update(o for s in ("http", "https") if (o := _origin(f"{s}://{spec}")))
        return Hosts(self.names, self.suffixes, self.origins | extra)


def _origin(url: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower().rstrip(".")
    if scheme not in _DEFAULT_PORTS or not host or parts.username or parts.password:
        return None
    return scheme, host, port or _DEFAULT_PORTS[scheme]


@dataclass(frozen=True)
class Wanted:
    """One file a payload names: where it is, what the platform says it weighs, and whether
    the bot's token must go with the request. `refusal` is the reason given when it cannot be
    fetched (empty: a plain network failure)."""

    name: str
    url: str
    declared: int = 0
    with_token: bool = False
    refusal: str = ""


@dataclass(frozen=True)
class Policy:
    """Where files may come from and where the token may go (a subset, often)."""

    hosts: Hosts
    token: str | None = None
    token_hosts: Hosts | None = None

    def headers_for(self, url: str, wanted: Wanted) -> dict[str, str]:
        token_hosts = self.token_hosts or self.hosts
        if wanted.with_token and self.token and token_hosts.allows(url):
            return {"Authorization": f"Bearer {self.token}"}
        return {}


async def fetch_many(
    wanted: Sequence[Wanted], *, policy: Policy, limit: int
) -> tuple[FileShared, ...]:
    """Each file in order, over one HTTP session."""
    if not wanted:
        return ()
    async with aiohttp.ClientSession(timeout=TIMEOUT) as http:
        return tuple([await fetch_one(http, w, policy=policy, limit=limit) for w in wanted])


async def fetch_one(
    http: aiohttp.ClientSession, wanted: Wanted, *, policy: Policy, limit: int
) -> FileShared:
    """At most `limit + 1` bytes are read: beyond that the file is marked incomplete (too big).
    A file the platform already calls too big is not requested at all."""
    if wanted.declared > limit:
        return FileShared(name=wanted.name, size=wanted.declared, complete=False)
    url = wanted.url
    for _ in range(MAX_REDIRECTS + 1):
        if not policy.hosts.allows(url):
            log.warning(
                "not fetching %s from %r: not one of the platform's file hosts", wanted.name, url
            )
            return _refused(wanted, wanted.refusal or "host")
        try:
            async with http.get(
                url, headers=policy.headers_for(url, wanted), allow_redirects=False
            ) as resp:
                if resp.status in _REDIRECTS and resp.headers.get("Location"):
                    url = urljoin(url, resp.headers["Location"])
                    continue
                if resp.status != 200:
                    log.warning("fetching %s answered %s", wanted.name, resp.status)
                    return _refused(wanted, wanted.refusal)
                return await _read(resp, wanted, limit)
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("fetching %s failed: %s", wanted.name, exc)
            return _refused(wanted, wanted.refusal)
    log.warning("fetching %s: more than %d redirects", wanted.name, MAX_REDIRECTS)
    return _refused(wanted, wanted.refusal)


async def _read(resp: aiohttp.ClientResponse, wanted: Wanted, limit: int) -> FileShared:
    data = bytearray()
    async for chunk in resp.content.iter_chunked(CHUNK):
        data.extend(chunk)
        if len(data) > limit:
            # `size` stays what the platform claimed: the file is bigger than the limit,
            # whatever it said (intake says "more than").
            return FileShared(name=wanted.name, size=wanted.declared, complete=False)
    return FileShared(name=wanted.name, data=bytes(data), size=len(data))


def _refused(wanted: Wanted, reason: str) -> FileShared:
    return FileShared(name=wanted.name, size=wanted.declared, fetched=False, reason=reason)
