"""Access: slowing down password guessing, and the hashes of campaign access keys (no Streamlit).

Guessing: each client (its address) gets ``FREE_TRIES`` wrong passwords, then waits before the
next try — 2 s, 4 s, 8 s… up to ``MAX_WAIT_S`` — and after ``LOCK_AFTER`` wrong passwords is
locked out for ``LOCKOUT_S``. A right password forgets the client's failures; so does an hour
without trying. The counts live in the server's memory (a restart forgets them).

Keys: a campaign's access key is stored as a salted scrypt hash, never as typed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from lib import fr
from lib.errors import TerrainError

FREE_TRIES = 3
FIRST_WAIT_S = 2.0
MAX_WAIT_S = 60.0
LOCK_AFTER = 10
LOCKOUT_S = 15 * 60.0
FORGET_AFTER_S = 3600.0
MAX_CLIENTS = 10_000  # the oldest are forgotten beyond this: a flood of addresses cannot fill the memory


@dataclass
class _Tries:
    failures: int
    last: float
    until: float  # no try before this time


class Throttle:
    """Wrong tries per client, and how long each must wait before the next one (thread-safe)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._tries: dict[str, _Tries] = {}
        self._lock = threading.Lock()

    def wait(self, client: str) -> float:
        """Seconds ``client`` must still wait before trying again (0: it may try now)."""
        now = self._clock()
        with self._lock:
            tries = self._tries.get(client)
            if tries is not None and now - tries.last > FORGET_AFTER_S and now >= tries.until:
                del self._tries[client]
                return 0.0
            return max(0.0, tries.until - now) if tries is not None else 0.0

    def failed(self, client: str) -> float:
        """Count a wrong try; returns the wait it earns (0 while within the free tries)."""
        now = self._clock()
        with self._lock:
            tries = self._tries.pop(client, None) or _Tries(0, now, now)
            tries.failures += 1
            tries.last = now
            tries.until = now + penalty(tries.failures)
            self._tries[client] = tries  # most recent last: the oldest go first beyond MAX_CLIENTS
            while len(self._tries) > MAX_CLIENTS:
                del self._tries[next(iter(self._tries))]
            return tries.until - now

    def succeeded(self, client: str) -> None:
        """A right try: the client's failures are forgotten."""
        with self._lock:
            self._tries.pop(client, None)


def penalty(failures: int) -> float:
    """The wait after the ``failures``-th wrong try in a row."""
    if failures >= LOCK_AFTER:
        return LOCKOUT_S
    if failures <= FREE_TRIES:
        return 0.0
    return min(MAX_WAIT_S, FIRST_WAIT_S * 2 ** (failures - FREE_TRIES - 1))


def wait_text(seconds: float) -> str:
    """« Trop d'essais : réessayez dans 15 min. » (French, rounded up)."""
    if seconds >= 60:
        return f"Trop d'essais incorrects : réessayez dans {fr.number(-(-seconds // 60))} min."
    return f"Trop d'essais incorrects : réessayez dans {fr.number(-(-seconds // 1))} s."


MIN_KEY_CHARS = 8
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hash_key(key: str) -> str:
    """A salted scrypt hash of an access key (« scrypt$salt$hash »); short keys are refused in French."""
    key = (key or "").strip()
    if len(key) < MIN_KEY_CHARS:
        raise TerrainError(f"clé d'accès trop courte : {MIN_KEY_CHARS} caractères au moins (une phrase de passe "
                           "de quelques mots est plus sûre).")
    if len(key) > 200:
        raise TerrainError("clé d'accès trop longue (200 caractères au plus).")
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(key.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def key_matches(key: str, stored: str) -> bool:
    """Whether ``key`` is the one hashed in ``stored`` (constant-time comparison)."""
    try:
        scheme, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    typed = hashlib.scrypt((key or "").strip().encode()[:1000], salt=bytes.fromhex(salt), **_SCRYPT)
    return hmac.compare_digest(typed.hex(), digest)
