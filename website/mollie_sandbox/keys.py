"""The API keys the sandbox knows, as a Mollie account does: any other key gets 401.

A key can be revoked (and restored) through ``/_sim/keys``, as an owner does in Mollie's
dashboard; a revoked key gets 401 like an unknown one. ``reset`` restores revoked keys.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable

KEY_FORMAT = re.compile(r"(test|live)_\w+")

# The key the site's development defaults use (MOLLIE_API_KEY in website/config.py).
DEVELOPMENT_KEY = "test_sandboxdevelopmentkey0000000000"


class KeyRing:
    def __init__(self, keys: Iterable[str]) -> None:
        self._lock = threading.Lock()
        self._known = set(keys)
        self._revoked: set[str] = set()

    def accepts(self, key: str) -> bool:
        with self._lock:
            return key in self._known and key not in self._revoked

    def add(self, key: str) -> None:
        with self._lock:
            self._known.add(key)
            self._revoked.discard(key)

    def revoke(self, key: str) -> None:
        with self._lock:
            self._revoked.add(key)

    def reset(self) -> None:
        with self._lock:
            self._revoked.clear()

    def state(self, key: str) -> str:
        with self._lock:
            if key in self._revoked:
                return "revoked"
            return "active" if key in self._known else "unknown"
