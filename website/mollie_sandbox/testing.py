"""The sandbox in a test: a server thread on 127.0.0.1 and a typed handle to control it.

``SandboxServer`` runs ``create_sandbox_app`` in-process with werkzeug (threaded, port 0);
``MollieSandbox`` drives the ``/_sim`` control endpoints over real HTTP, so browser tests
and API tests use the sandbox exactly as the site does. The default time scale makes one
Mollie minute 0.05 s: retried webhooks arrive quickly, the first attempt at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

import requests
from werkzeug.serving import BaseWSGIServer, make_server

from website.mollie_sandbox.app import create_sandbox_app
from website.mollie_sandbox.state import EXTENSION, Sandbox

TEST_API_KEY = "test_sandboxdHar4XY7LxsDOtmnkVtjNVWXLSlX"
TEST_LIVE_KEY = "live_sandboxKey1234567890"  # the same account's live key, for mode tests
TEST_TIME_SCALE = 1200.0  # Mollie seconds per real second: 1 minute = 0.05 s


class SandboxControlError(AssertionError):
    """A control request the sandbox refused (its answer is in the message)."""


class MollieSandbox:
    """Control of a running sandbox; every method is one ``/_sim`` request."""

    def __init__(self, url: str, api_key: str = TEST_API_KEY) -> None:
        self.url = url
        self.api_key = api_key

    def control(self, verb: str, path: str, /, **payload: Any) -> Any:
        """``/_sim/<path>`` with ``payload`` as JSON; the decoded answer."""
        response = requests.request(
            verb, f"{self.url}/_sim/{path.lstrip('/')}", json=payload or None, timeout=30
        )
        if response.status_code >= 400:
            answer = f"{response.status_code} {response.text}"
            raise SandboxControlError(f"{verb} /_sim/{path}: {answer}")
        return response.json()

    def reset(self) -> None:
        self.control("POST", "reset")

    def payments(self) -> list[dict[str, Any]]:
        """All stored payments (oldest first) as the API renders them, refunds embedded."""
        return self.control("GET", "payments")

    def payment(self, payment_id: str) -> dict[str, Any]:
        return self.control("GET", f"payments/{payment_id}")

    def set_status(self, payment_id: str, status: str) -> dict[str, Any]:
        """What the customer or bank does; 409 (``SandboxControlError``) when docs/mollie.md §4
        forbids it."""
        return self.control("POST", f"payments/{payment_id}/status", status=status)

    def advance(self, seconds: float) -> list[str]:
        """Move the clock on; returns the ids of payments that expired."""
        return self.control("POST", "clock/advance", seconds=seconds)["expired"]

    def freeze(self) -> str:
        """Stop the clock (``advance`` still moves it) until the next ``reset``."""
        return self.control("POST", "clock/freeze")["now"]

    def now(self) -> str:
        return self.control("GET", "clock")["now"]

    def progress_refund(self, refund_id: str, status: str) -> dict[str, Any]:
        """pending → processing → refunded | failed."""
        return self.control("POST", f"refunds/{refund_id}/status", status=status)

    def chargeback(
        self, payment_id: str, value: str | None = None, currency: str = "EUR"
    ) -> dict[str, Any]:
        """A chargeback of ``value`` (default: all that is left)."""
        payload: dict[str, Any] = {}
        if value is not None:
            payload["amount"] = {"currency": currency, "value": value}
        return self.control("POST", f"payments/{payment_id}/chargebacks", **payload)

    def replace_payment(self, payment_id: str, method: str | None = None) -> dict[str, Any]:
        """The checkout of ``payment_id`` goes on as a new payment with a new id (Mollie does
        this in some method switches); returns the new payment."""
        payload = {"method": method} if method else {}
        return self.control("POST", f"payments/{payment_id}/replace", **payload)

    def reverse_chargeback(self, chargeback_id: str) -> dict[str, Any]:
        """The customer's bank withdraws the chargeback (``reversedAt`` set, webhook sent)."""
        return self.control("POST", f"chargebacks/{chargeback_id}/reverse")

    def pay(self, payment_id: str, status: str = "paid", method: str | None = None) -> str | None:
        """Submit the hosted checkout as a browser would; returns where it redirects to."""
        checkout = f"{self.url}/checkout/select-method/{payment_id.removeprefix('tr_')}"
        form = {"status": status} | ({"method": method} if method else {})
        response = requests.post(checkout, data=form, allow_redirects=False, timeout=30)
        if response.status_code != 303:
            raise SandboxControlError(f"checkout answered {response.status_code}: {response.text}")
        return response.headers.get("Location")

    def webhook_attempts(self) -> list[dict[str, Any]]:
        """Every attempt: payment_id, url, attempt, copy, status, error, outcome, at."""
        return self.control("GET", "webhooks/attempts")

    def wait_for_webhooks(
        self,
        count: int,
        timeout: float = 5.0,
        where: Callable[[dict[str, Any]], bool] | None = None,
    ) -> list[dict[str, Any]]:
        """Poll until at least ``count`` attempts (matching ``where``) are logged."""
        deadline = time.monotonic() + timeout
        while True:
            attempts = [a for a in self.webhook_attempts() if where is None or where(a)]
            if len(attempts) >= count or time.monotonic() > deadline:
                return attempts
            time.sleep(0.02)

    def configure_webhooks(
        self,
        *,
        paused: bool | None = None,
        duplicates: int | None = None,
        delay_seconds: float | None = None,
        reorder: bool | None = None,
        drop: bool | None = None,
        time_scale: float | None = None,
        timeout_seconds: float | None = None,
    ) -> dict[str, Any]:
        """Change only the switches given; returns all of them."""
        changes = {
            name: value
            for name, value in (
                ("paused", paused),
                ("duplicates", duplicates),
                ("delay_seconds", delay_seconds),
                ("reorder", reorder),
                ("drop", drop),
                ("time_scale", time_scale),
                ("timeout_seconds", timeout_seconds),
            )
            if value is not None
        }
        return self.control("POST", "webhooks/config", **changes)

    def flush_webhooks(self) -> list[dict[str, Any]]:
        """Deliver everything queued now, synchronously; the attempts made."""
        return self.control("POST", "webhooks/flush")

    def inject_fault(
        self,
        kind: Literal["status", "slow", "drop"] = "status",
        *,
        status: int = 503,
        seconds: float = 0.0,
        count: int = 1,
        method: str | None = None,
        path_prefix: str | None = None,
    ) -> dict[str, Any]:
        """Misbehave on the next ``count`` API requests matching method and path prefix."""
        return self.control(
            "POST",
            "faults",
            kind=kind,
            status=status,
            seconds=seconds,
            count=count,
            method=method,
            path_prefix=path_prefix,
        )

    def faults(self) -> dict[str, Any]:
        """``{"pending": [faults still to come], "holding": requests held by slow faults}``."""
        return self.control("GET", "faults")

    def clear_faults(self) -> None:
        """Forget the faults still to come and release held requests."""
        self.control("DELETE", "faults")

    def revoke_key(self, key: str | None = None) -> None:
        """Revoke ``key`` (default: this handle's), as the account owner would; ``reset``
        restores it."""
        self.control("POST", "keys", key=key or self.api_key, state="revoked")

    def restore_key(self, key: str | None = None) -> None:
        self.control("POST", "keys", key=key or self.api_key, state="active")


class SandboxServer:
    """A sandbox on ``127.0.0.1:<free port>``, served by a thread until ``stop``."""

    def __init__(
        self,
        *,
        time_scale: float = TEST_TIME_SCALE,
        public_url: str | None = None,
        wall: Callable[[], datetime] | None = None,
    ) -> None:
        self.app = create_sandbox_app(
            public_url=public_url,
            time_scale=time_scale,
            api_keys=(TEST_API_KEY, TEST_LIVE_KEY),
            wall=wall,
        )
        self._server: BaseWSGIServer = make_server("127.0.0.1", 0, self.app, threaded=True)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},  # so that ``stop`` is quick
            name="mollie-sandbox",
            daemon=True,
        )
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self.handle = MollieSandbox(self.url)

    @property
    def sandbox(self) -> Sandbox:
        """The in-process state, for the rare test that must look inside."""
        sandbox: Sandbox = self.app.extensions[EXTENSION]
        return sandbox

    def start(self) -> SandboxServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.sandbox.close()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
