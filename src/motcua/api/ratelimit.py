"""A small fixed-window rate limiter on Django's cache, per client address.

Counts live in the default cache. The embedded default's local-memory cache counts per process; with several
web processes configure a shared cache (database, Redis, Memcached) so that the limit holds for the site.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0  # seconds until the window ends, when refused


def hit(bucket: str, client: str, *, limit: int, window: int = 60) -> Verdict:
    """Count one request of ``client`` in ``bucket``; refused once more than ``limit`` fall in one window."""
    if limit <= 0:
        return Verdict(True)
    now = time.time()
    start = int(now // window) * window
    digest = hashlib.sha256(client.encode("utf-8")).hexdigest()[:32]  # any address is a safe cache key
    key = f"motcua:ratelimit:{bucket}:{digest}:{start}"
    cache.add(key, 0, timeout=window + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=window + 5)
        count = 1
    if count > limit:
        return Verdict(False, max(1, math.ceil(start + window - now)))
    return Verdict(True)
