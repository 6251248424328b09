"""Injected API faults: error answers, slow answers, dropped connections.

Each fault applies to the next ``count`` requests that match its method and path prefix
(by default every request under ``/v2``). A slow fault holds the request *before* it is
handled, inside its idempotency claim, as a slow Mollie would: the client may time out
while the payment is still being created, and a retry with the same key meanwhile gets 409.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import asdict, dataclass
from typing import Any, Literal

from website.mollie_sandbox.store import SandboxError

FaultKind = Literal["status", "slow", "drop"]
KINDS = ("status", "slow", "drop")


@dataclass
class Fault:
    kind: FaultKind
    status: int = 503
    seconds: float = 0.0
    count: int = 1
    method: str | None = None
    path_prefix: str | None = None

    def matches(self, method: str, path: str) -> bool:
        prefix = self.path_prefix or "/v2/"
        return (self.method is None or self.method.upper() == method) and path.startswith(prefix)

    def json(self) -> dict[str, Any]:
        return asdict(self)


def fault_from(body: dict[str, Any]) -> Fault:
    """Validate a control request's fault description."""
    kind = body.get("kind", "status")
    if kind not in KINDS:
        raise SandboxError(422, f"kind must be one of {', '.join(KINDS)}.", "kind")
    try:
        fault = Fault(
            kind=kind,
            status=int(body.get("status", 503)),
            seconds=float(body.get("seconds", 0.0)),
            count=int(body.get("count", 1)),
            method=body.get("method"),
            path_prefix=body.get("path_prefix"),
        )
    except (TypeError, ValueError) as error:
        raise SandboxError(422, f"Invalid fault: {error}.") from error
    if fault.kind == "status" and not 400 <= fault.status <= 599:
        raise SandboxError(422, "status must be an error status (4xx or 5xx).", "status")
    if fault.count < 1 or fault.seconds < 0:
        raise SandboxError(422, "count must be at least 1 and seconds not negative.")
    return fault


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._interrupt = threading.Event()
        self._holding = 0

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def pending(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def take(self, method: str, path: str) -> Fault | None:
        """The first matching fault, used up once for this request."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.count -= 1
                    if fault.count == 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def holding(self) -> int:
        """How many requests a slow fault holds right now (tests wait for this)."""
        with self._lock:
            return self._holding

    def sleep(self, seconds: float) -> None:
        """Wait, but wake up at once on ``clear`` (reset, server shutdown)."""
        with self._lock:
            interrupt = self._interrupt
            self._holding += 1
        try:
            interrupt.wait(seconds)
        finally:
            with self._lock:
                self._holding -= 1

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self._interrupt.set()
            self._interrupt = threading.Event()


def drop_connection(environ: dict[str, Any]) -> None:
    """Shut the client's socket: it sees the connection close without any answer.

    Werkzeug's development server puts the socket in the environ; writing the (ignored)
    response afterwards fails with a broken pipe, which werkzeug treats as a dropped client.
    """
    connection = environ.get("werkzeug.socket")
    if not isinstance(connection, socket.socket):
        raise SandboxError(502, "This server cannot drop connections (not werkzeug).")
    connection.shutdown(socket.SHUT_RDWR)
