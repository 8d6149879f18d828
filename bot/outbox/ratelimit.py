"""How fast a platform lets us call it, learned as we go: token buckets and Retry-After pauses.

A platform's Web API has limits per method (Slack's tiers) and, for posting, per channel. A
bucket per scope paces the calls so we do not keep hitting the limit; a 429 pauses exactly
the scope it names (for its Retry-After, measured on the dispatcher's clock, so tests can
move time) and lowers that bucket's rate, which then creeps back up with every success.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from bot.clock import Clock
from bot.platform import RetryLater

# A reservation further ahead than this is not waited for in a worker slot: the row is put
# back and tried again when the bucket has room.
MAX_PACING_WAIT = 5.0
# After a 429 the rate never drops below this many calls per second.
MIN_RATE = 0.2
# Each success gives back this share of what a 429 took.
RECOVERY = 0.005
# A 429 takes this share of the rate away.
DECREASE = 0.8
# A full bucket allows this share of a second's calls at once (the rest paced).
BURST = 0.2
# 429s within this many seconds of the last slow-down count as one.
SLOWDOWN_EVERY = 1.0


class NotYet(RetryLater):
    """Not a failure: the row waits (its scope is paused, the message it updates is not sent
    yet) and is tried again after `wait` seconds without counting an attempt. A RetryLater,
    so callers outside the outbox treat it like any "later"."""

    def __init__(self, wait: float) -> None:
        super().__init__(f"waiting {wait:.1f}s", wait)
        self.wait = wait


@dataclass
class Bucket:
    """Tokens refill at `rate` per second up to `burst`; a call takes one, possibly ahead
    of time (the caller then sleeps until its token exists)."""

    rate: float
    burst: float
    ceiling: float
    tokens: float = field(init=False)
    stamp: float = field(default_factory=time.monotonic)
    slowed: float = float("-inf")

    def __post_init__(self) -> None:
        self.tokens = self.burst

    def reserve(self, now: float) -> float:
        """Take a token; seconds until it is ours (0: at once)."""
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        self.tokens -= 1
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate

    def wait_for(self, now: float) -> float:
        """Seconds until a token would be free, without taking one."""
        tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        return 0.0 if tokens >= 1 else (1 - tokens) / self.rate

    def slow_down(self) -> None:
        """Lower the rate, once per burst of 429s (the sends in flight all hear the same no)."""
        now = time.monotonic()
        if now - self.slowed < SLOWDOWN_EVERY:
            return
        self.slowed = now
        self.rate = max(MIN_RATE, self.rate * DECREASE)
        self.burst = max(1.0, min(self.burst, self.rate))
        self.tokens = min(self.tokens, 0.0)

    def recover(self) -> None:
        if self.rate < self.ceiling:
            self.rate = min(self.ceiling, self.rate * (1 + RECOVERY))


class RateLimiter:
    """A bucket per `platform:method`, paced at `rate` per second until a 429 teaches less;
    pauses by scope: `platform:method`, `platform:method:channel` (a 429 on one channel
    holds only that channel), or `platform:*` (a 429 that named no scope)."""

    def __init__(self, clock: Clock, *, rate: float = 50.0) -> None:
        self._clock = clock
        self._rate = rate
        self._buckets: dict[str, Bucket] = {}
        self._paused: dict[str, datetime] = {}

    def paused_for(self, *scopes: str) -> float:
        """Seconds any of these scopes is still paused (0: none is)."""
        now = self._clock.now()
        left = [(self._paused[s] - now).total_seconds() for s in scopes if s in self._paused]
        return max([0.0, *left])

    def pause(self, scope: str, seconds: float) -> None:
        until = self._clock.now() + timedelta(seconds=seconds)
        if scope not in self._paused or until > self._paused[scope]:
            self._paused[scope] = until
        bucket = self._buckets.get(scope)
        if bucket is not None:
            bucket.slow_down()
        method = scope.rsplit(":", 1)[0] if scope.count(":") >= 2 else None
        if method is not None and method in self._buckets:
            self._buckets[method].slow_down()

    async def acquire(self, platform: str, method: str, channel: str | None = None) -> None:
        """Wait for a token for this call; NotYet when the scope is paused or its bucket is
        too far behind to wait for in a worker slot."""
        scopes = [f"{platform}:*", f"{platform}:{method}"]
        if channel:
            scopes.append(f"{platform}:{method}:{channel}")
        paused = self.paused_for(*scopes)
        if paused > 0:
            raise NotYet(paused)
        bucket = self._bucket(scopes[1])
        now = time.monotonic()
        ahead = bucket.wait_for(now)
        if ahead > MAX_PACING_WAIT:
            raise NotYet(ahead)
        delay = bucket.reserve(now)
        if delay > 0:
            await asyncio.sleep(delay)

    def succeeded(self, platform: str, method: str) -> None:
        bucket = self._buckets.get(f"{platform}:{method}")
        if bucket is not None:
            bucket.recover()

    def _bucket(self, scope: str) -> Bucket:
        bucket = self._buckets.get(scope)
        if bucket is None:
            burst = max(1.0, self._rate * BURST)
            bucket = self._buckets[scope] = Bucket(self._rate, burst, self._rate)
        return bucket


@runtime_checkable
class Paced(Protocol):
    """A platform that paces its own calls with the dispatcher's limiter and holds an HTTP
    session, closed by the dispatcher when it stops (it is the last to send)."""

    def use_limiter(self, limiter: RateLimiter) -> None: ...

    async def close(self) -> None: ...
