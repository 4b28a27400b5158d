"""Redis-backed rate limits shared by every process (fixed windows, one atomic script per hit).

Usage: `hit("login:ip:" + ip, limit=60, window=60)` counts one event and raises
`app.errors.RateLimited` (429, with a Retry-After value) once more than `limit` events fell in
the current `window` seconds. `check` refuses without counting (for "failures so far" limits
that only count failures), `reset` forgets a key (e.g. after a successful attempt).

Failure limits that must hold under concurrency use `reserve` / `release`: `reserve` counts the
attempt under every key at once — before the attempt runs, so parallel requests cannot all slip
past a "failures so far" check — and refuses without counting when any key is at its limit or
backing off; a successful attempt gives its slot back with `release` (or clears the key).
A `Limit` with `backoff=(free, first, most)` also makes the caller wait `first` seconds after
`free` counted attempts, doubling each further attempt up to `most`.

Keys are built by callers from ids and hashes, never from personal data in clear.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from app.errors import RateLimited

PREFIX = "rl:"

# INCR then set the expiry on the first hit of a window; returns (count, ms left in window).
_HIT = """
local n = redis.call('INCRBY', KEYS[1], ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}
"""


def _client():
    from app.extensions import redis_ext

    return redis_ext.client


def limited(
    retry_after: float,
    *,
    error: str | None = None,
    message: str | None = None,
    exc_class: type[RateLimited] = RateLimited,
) -> RateLimited:
    """A RateLimited error (or subclass) carrying Retry-After (whole seconds, at least 1)."""
    seconds = max(1, math.ceil(retry_after))
    exc = exc_class(message, error=error, errors={"retry_after": seconds})
    exc.retry_after = seconds
    exc.headers = {"Retry-After": str(seconds)}
    return exc


def hit(
    key: str,
    limit: int,
    window: int,
    *,
    cost: int = 1,
    error: str | None = None,
    message: str | None = None,
    exc_class: type[RateLimited] = RateLimited,
) -> int:
    """Count `cost` events under `key`; raise RateLimited when the window's count passes `limit`.

    Returns the count in the current window (including this hit).
    """
    count, ttl_ms = _client().eval(_HIT, 1, PREFIX + key, int(window * 1000), int(cost))
    if int(count) > limit:
        raise limited(int(ttl_ms) / 1000, error=error, message=message, exc_class=exc_class)
    return int(count)


def check(
    key: str,
    limit: int,
    *,
    error: str | None = None,
    message: str | None = None,
    exc_class: type[RateLimited] = RateLimited,
) -> int:
    """Raise RateLimited if `key` already reached `limit` in its window; counts nothing."""
    client = _client()
    pipe = client.pipeline(transaction=False)
    pipe.get(PREFIX + key)
    pipe.pttl(PREFIX + key)
    raw, ttl_ms = pipe.execute()
    count = int(raw or 0)
    if count >= limit:
        raise limited(max(int(ttl_ms), 1000) / 1000, error=error, message=message, exc_class=exc_class)
    return count


def record(key: str, window: int, *, cost: int = 1) -> int:
    """Count `cost` events under `key` without enforcing anything; returns the window's count.
    For limits on failures: `record` each failure, `check` before each attempt."""
    n, _ = _client().eval(_HIT, 1, PREFIX + key, int(window * 1000), int(cost))
    return int(n)


def count(key: str) -> int:
    return int(_client().get(PREFIX + key) or 0)


def retry_after(key: str) -> int:
    """Seconds until `key`'s window ends (0 when there is none)."""
    ttl_ms = _client().pttl(PREFIX + key)
    return max(0, math.ceil(ttl_ms / 1000)) if ttl_ms and ttl_ms > 0 else 0


def reset(key: str) -> None:
    _client().delete(PREFIX + key, PREFIX + key + ":wait")


@dataclass(frozen=True)
class Limit:
    """`limit` attempts per `window` seconds under `key`; optional (free, first, most) backoff."""

    key: str
    limit: int
    window: float
    backoff: tuple[int, float, float] | None = None


# KEYS: counters. ARGV: five numbers per key: limit, window ms, backoff free, first ms, most ms.
# Refuse (0, index, ms to wait) if any key is waiting out a backoff or at its limit; else count
# one under every key, start the next backoff wait, and return (1, count1, count2, ...).
_RESERVE = """
for i = 1, #KEYS do
  local o = (i - 1) * 5
  local wait = redis.call('PTTL', KEYS[i] .. ':wait')
  if wait > 0 then return {0, i, wait} end
  local n = tonumber(redis.call('GET', KEYS[i]) or '0')
  if n >= tonumber(ARGV[o + 1]) then return {0, i, redis.call('PTTL', KEYS[i])} end
end
local out = {1}
for i = 1, #KEYS do
  local o = (i - 1) * 5
  local n = redis.call('INCR', KEYS[i])
  if redis.call('PTTL', KEYS[i]) < 0 then redis.call('PEXPIRE', KEYS[i], ARGV[o + 2]) end
  local free, first = tonumber(ARGV[o + 3]), tonumber(ARGV[o + 4])
  if first > 0 and n >= free then
    local delay = math.min(tonumber(ARGV[o + 5]), first * 2 ^ (n - free))
    redis.call('SET', KEYS[i] .. ':wait', '1', 'PX', math.floor(delay))
  end
  out[#out + 1] = n
end
return out
"""

# Give one counted attempt back (never below zero, never creating a key without expiry).
_RELEASE = """
if redis.call('EXISTS', KEYS[1]) == 1 and tonumber(redis.call('GET', KEYS[1])) > 0 then
  return redis.call('DECR', KEYS[1])
end
return 0
"""


def reserve(
    limits: Sequence[Limit],
    *,
    error: str | None = None,
    message: str | None = None,
    exc_class: type[RateLimited] = RateLimited,
) -> list[int]:
    """Count one attempt under every limit atomically, or raise RateLimited (counting nothing)
    when one is at its limit or waiting out its backoff. Returns the counts, in order."""
    argv: list[int] = []
    for item in limits:
        free, first, most = item.backoff or (0, 0, 0)
        argv += [int(item.limit), int(item.window * 1000), int(free), int(first * 1000), int(most * 1000)]
    out = _client().eval(_RESERVE, len(limits), *(PREFIX + item.key for item in limits), *argv)
    if int(out[0]) == 0:
        raise limited(max(int(out[2]), 1000) / 1000, error=error, message=message, exc_class=exc_class)
    return [int(n) for n in out[1:]]


def release(limits: Sequence[Limit], *, clear: bool = False) -> None:
    """Give back the attempt `reserve` counted (a success is not a failure); with `clear`,
    forget the keys and their backoff altogether."""
    client = _client()
    for item in limits:
        if clear:
            client.delete(PREFIX + item.key, PREFIX + item.key + ":wait")
        else:
            client.eval(_RELEASE, 1, PREFIX + item.key)
