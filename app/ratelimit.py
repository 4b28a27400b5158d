"""Redis-backed rate limits shared by every process (fixed windows, one atomic script per hit).

Usage: `hit("login:ip:" + ip, limit=60, window=60)` counts one event and raises
`app.errors.RateLimited` (429, with a Retry-After value) once more than `limit` events fell in
the current `window` seconds. `check` refuses without counting (for "failures so far" limits
that only count failures), `reset` forgets a key (e.g. after a successful attempt).

Keys are built by callers from ids and hashes, never from personal data in clear.
"""

from __future__ import annotations

import math

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
    _client().delete(PREFIX + key)
