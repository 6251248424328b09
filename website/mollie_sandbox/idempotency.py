"""Mollie's Idempotency-Key rules for POST requests (docs/mollie.md §7).

Same key and same request within an hour: the first answer again, with
``Idempotent-Replayed: true``. Same key, other endpoint or body: 400. Same key while the
first request still runs: 409. Keys are per API key, and the hour runs on the sandbox clock,
so ``advance`` ages them too. Server errors (5xx) are not kept: a retry then runs anew.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from website.mollie_sandbox.store import Clock, SandboxError

KEEP_FOR = timedelta(hours=1)


@dataclass(frozen=True)
class Fingerprint:
    method: str
    path: str
    body: str  # canonical JSON, so key order and spacing do not matter


@dataclass(frozen=True)
class CachedResponse:
    status: int
    body: bytes
    content_type: str


@dataclass
class _Entry:
    fingerprint: Fingerprint
    created: datetime
    response: CachedResponse | None = None  # None while the first request runs


class IdempotencyCache:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, str], _Entry] = {}

    def begin(self, scope: str, key: str, fingerprint: Fingerprint) -> CachedResponse | None:
        """Claim ``key`` (then call ``finish``), or return the answer to replay."""
        now = self._clock.now()
        with self._lock:
            entry = self._entries.get((scope, key))
            if entry is not None and now - entry.created >= KEEP_FOR:
                entry = None
            if entry is None:
                self._entries[scope, key] = _Entry(fingerprint, now)
                return None
            if entry.fingerprint != fingerprint:
                raise SandboxError(
                    400,
                    "The Idempotency-Key was already used for a request to another endpoint "
                    "or with other parameters.",
                )
            if entry.response is None:
                raise SandboxError(
                    409, "Another request with this Idempotency-Key is already being processed."
                )
            return entry.response

    def finish(self, scope: str, key: str, response: CachedResponse | None) -> None:
        """Keep ``response`` for replays; ``None`` forgets the key (failed request)."""
        with self._lock:
            entry = self._entries.get((scope, key))
            if entry is None or entry.response is not None:
                return
            if response is None:
                del self._entries[scope, key]
            else:
                entry.response = response

    def reset(self) -> None:
        with self._lock:
            self._entries.clear()
