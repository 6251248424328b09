"""The webhook dispatcher: Mollie's ``POST <webhookUrl>`` with ``id=tr_…``, retried.

One thread sends what is due (docs/mollie.md §5): form-encoded ``id``, Mollie's User-Agent, a
15 s timeout, and until a ``200`` comes back, 10 attempts in all on Mollie's schedule (1, 2,
4, 8, 16, 29, 60, 120 and 1320 minutes apart), compressed by ``time_scale`` (Mollie seconds
per real second). Switches make webhooks late, duplicated, reordered or lost; ``flush``
sends everything queued at once, so tests need not wait. Every attempt is logged.

The thread also calls ``on_tick`` about four times a second: the sandbox expires payments
there, so expiry webhooks go out on time without anyone polling the API.
"""

from __future__ import annotations

import heapq
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import requests

from website.mollie_sandbox.store import Clock, SandboxError, iso

logger = logging.getLogger(__name__)
USER_AGENT = "Mollie HTTP client/1.0"
RETRY_WAITS_MINUTES = (0, 1, 2, 4, 8, 16, 29, 60, 120, 1320)  # before attempts 1..10
TICK_SECONDS = 0.25


@dataclass
class Switches:
    """How webhooks misbehave; changed through ``/_sim/webhooks/config``."""

    paused: bool = False  # hold everything in the queue (``flush`` still sends)
    duplicates: int = 0  # extra copies of every webhook, each retried on its own
    delay_seconds: float = 0.0  # real seconds before the first attempt
    reorder: bool = False  # send a batch of waiting webhooks newest first
    drop: bool = False  # lose webhooks: never sent, logged as "dropped"
    time_scale: float = 60.0
    timeout_seconds: float = 15.0


SWITCH_TYPES: dict[str, type[Any]] = {f.name: type(f.default) for f in fields(Switches)}
POSITIVE_SWITCHES = frozenset({"time_scale", "timeout_seconds"})


def _switch_value(name: str, value: Any) -> Any:
    """Check one switch from a control request: right type, no negative numbers."""
    kind = SWITCH_TYPES.get(name)
    if kind is None:
        raise SandboxError(422, f"Unknown webhook switch {name}.", name)
    if kind is bool:
        if not isinstance(value, bool):
            raise SandboxError(422, f"{name} must be true or false.", name)
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SandboxError(422, f"{name} must be a number.", name)
    if value < 0 or (name in POSITIVE_SWITCHES and value == 0):
        raise SandboxError(422, f"{name} is out of range.", name)
    return kind(value)


@dataclass(order=True)
class _Delivery:
    due: float  # time.monotonic()
    seq: int
    payment_id: str = field(compare=False)
    url: str = field(compare=False)
    generation: int = field(compare=False)
    attempt: int = field(compare=False, default=1)
    copy: int = field(compare=False, default=0)


class Dispatcher:
    def __init__(
        self,
        clock: Clock,
        switches: Switches,
        on_tick: Callable[[], object] | None = None,
    ) -> None:
        self._clock = clock
        self._defaults = switches
        self._switches = Switches(**asdict(switches))
        self._on_tick = on_tick
        self._cond = threading.Condition()
        self._send_lock = threading.Lock()  # one sender at a time: the thread or ``flush``
        self._queue: list[_Delivery] = []
        self._log: list[dict[str, Any]] = []
        self._seq = 0
        self._generation = 0
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="mollie-webhooks", daemon=True)

    # Control ---------------------------------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        if self._thread.is_alive():
            self._thread.join()

    def reset(self) -> None:
        """Forget queue, log and switches; a delivery under way is not logged."""
        with self._cond:
            self._generation += 1
            self._queue.clear()
            self._log.clear()
            self._switches = Switches(**asdict(self._defaults))
            self._cond.notify_all()

    def configure(self, changes: dict[str, Any]) -> dict[str, Any]:
        values = {name: _switch_value(name, value) for name, value in changes.items()}
        with self._cond:
            for name, value in values.items():
                setattr(self._switches, name, value)
            self._cond.notify_all()
            return asdict(self._switches)

    def config(self) -> dict[str, Any]:
        with self._cond:
            return asdict(self._switches)

    def attempts(self) -> list[dict[str, Any]]:
        with self._cond:
            return [dict(entry) for entry in self._log]

    def queued(self) -> int:
        with self._cond:
            return len(self._queue)

    def enqueue(self, payment_id: str, url: str) -> None:
        """A status changed: queue the webhook (and its duplicates, if switched on)."""
        with self._cond:
            due = time.monotonic() + self._switches.delay_seconds
            for copy in range(1 + self._switches.duplicates):
                self._push(_Delivery(due, 0, payment_id, url, self._generation, 1, copy))
            self._cond.notify_all()

    def flush(self) -> list[dict[str, Any]]:
        """Send everything queued now, paused or not; failures are queued for retry."""
        with self._send_lock:
            with self._cond:
                batch, self._queue = self._ordered(self._queue), []
            return [entry for d in batch if (entry := self._deliver(d)) is not None]

    # The thread ------------------------------------------------------------------------

    def _run(self) -> None:
        next_tick = 0.0
        while True:
            now = time.monotonic()
            if self._on_tick is not None and now >= next_tick:
                try:
                    self._on_tick()
                except Exception:  # keep sending webhooks whatever the tick did
                    logger.exception("Mollie sandbox: the periodic tick failed")
                next_tick = now + TICK_SECONDS
            with self._cond:
                if self._stopped:
                    return
                batch = [] if self._switches.paused else self._take_due(now)
                if not batch:
                    wait = next_tick - now
                    if self._queue and not self._switches.paused:
                        wait = min(wait, self._queue[0].due - now)
                    self._cond.wait(max(wait, 0.0))
                    continue
            with self._send_lock:
                for delivery in batch:
                    self._deliver(delivery)

    def _take_due(self, now: float) -> list[_Delivery]:
        due = []
        while self._queue and self._queue[0].due <= now:
            due.append(heapq.heappop(self._queue))
        return self._ordered(due)

    def _ordered(self, deliveries: list[_Delivery]) -> list[_Delivery]:
        return sorted(deliveries, key=lambda d: d.seq, reverse=self._switches.reorder)

    def _push(self, delivery: _Delivery) -> None:
        self._seq += 1
        delivery.seq = self._seq
        heapq.heappush(self._queue, delivery)

    def _deliver(self, delivery: _Delivery) -> dict[str, Any] | None:
        with self._cond:
            switches = Switches(**asdict(self._switches))
        status: int | None = None
        error: str | None = None
        if switches.drop:
            outcome = "dropped"
        else:
            try:
                with requests.post(
                    delivery.url,
                    data={"id": delivery.payment_id},
                    headers={"User-Agent": USER_AGENT},
                    timeout=switches.timeout_seconds,
                ) as response:
                    status = response.status_code
            except requests.Timeout:
                error = "timeout"
            except requests.RequestException as exc:
                error = f"{type(exc).__name__}: {exc}"
            outcome = "delivered" if status == 200 else "failed"
        offset = sum(RETRY_WAITS_MINUTES[: delivery.attempt]) * 60
        entry = {
            "payment_id": delivery.payment_id,
            "url": delivery.url,
            "attempt": delivery.attempt,
            "copy": delivery.copy,
            "status": status,
            "error": error,
            "outcome": outcome,
            "at": iso(self._clock.now()),
            "schedule_offset_seconds": offset,  # Mollie time since the first attempt
        }
        with self._cond:
            if delivery.generation != self._generation:
                return None  # sent for a sandbox that has been reset since
            self._log.append(entry)
            if outcome == "failed" and delivery.attempt < len(RETRY_WAITS_MINUTES):
                wait = RETRY_WAITS_MINUTES[delivery.attempt] * 60 / self._switches.time_scale
                delivery.due = time.monotonic() + wait
                delivery.attempt += 1
                self._push(delivery)
                self._cond.notify_all()
        return dict(entry)
