"""Requests per link, bounded: a token bucket per token (in this process).

Why: a leaked or buggy link must not flood the database; a phone's normal use (one batch per
tap, a sheet every half minute, an outbox emptied after a stairwell) stays far below the limit.
With several replicas each keeps its own buckets: the bound is per replica, which is enough.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable

RATE_PER_S = 2.0  # sustained requests per second and per link
BURST = 60  # requests at once (an outbox sent in several batches, a reload)
MAX_KEYS = 50_000  # buckets kept; above, full (idle) ones are dropped


class RateLimit:
    """``allow(token)``: False once a token has used its burst faster than ``rate`` per second."""

    def __init__(self, rate: float = RATE_PER_S, burst: int = BURST,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.burst, self.clock = rate, burst, clock
        self.buckets: dict[str, tuple[float, float]] = {}  # key → (tokens left, when)
        self.lock = threading.Lock()

    def allow(self, token: str) -> bool:
        """Take one request from this token's bucket (the token itself is never kept, only a digest)."""
        key = hashlib.sha256(token.encode()).hexdigest()[:32]
        now = self.clock()
        with self.lock:
            left, when = self.buckets.get(key, (float(self.burst), now))
            left = min(float(self.burst), left + (now - when) * self.rate)
            if len(self.buckets) >= MAX_KEYS:
                self._drop_idle(now)
            if left < 1:
                self.buckets[key] = (left, now)
                return False
            self.buckets[key] = (left - 1, now)
            return True

    def _drop_idle(self, now: float) -> None:
        full = self.burst / self.rate  # seconds after which any bucket is full again
        self.buckets = {k: v for k, v in self.buckets.items() if now - v[1] < full}
