"""One sandbox's parts, reachable from views as ``current()``, and response helpers."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Response, current_app, request
from werkzeug.http import HTTP_STATUS_CODES

from website.mollie_sandbox.dispatcher import Dispatcher, Switches
from website.mollie_sandbox.faults import Faults
from website.mollie_sandbox.idempotency import IdempotencyCache
from website.mollie_sandbox.keys import KeyRing
from website.mollie_sandbox.render import HAL, Roots
from website.mollie_sandbox.store import Clock, SandboxError, Store

EXTENSION = "mollie_sandbox"
ERRORS_DOCUMENTATION = "https://docs.mollie.com/overview/handling-errors"


@dataclass
class Sandbox:
    clock: Clock
    store: Store
    dispatcher: Dispatcher
    idempotency: IdempotencyCache
    faults: Faults
    keys: KeyRing
    public_url: str | None

    @classmethod
    def build(
        cls,
        public_url: str | None,
        switches: Switches,
        keys: KeyRing,
        wall: Callable[[], datetime] | None = None,
    ) -> Sandbox:
        clock = Clock(wall) if wall else Clock()

        def notify(payment_id: str, url: str) -> None:
            dispatcher.enqueue(payment_id, url)

        store = Store(clock, notify)
        dispatcher = Dispatcher(clock, switches, on_tick=store.expire_due)
        public = public_url.rstrip("/") if public_url else None
        return cls(clock, store, dispatcher, IdempotencyCache(clock), Faults(), keys, public)

    def reset(self) -> None:
        """Back to a fresh sandbox, as between two tests."""
        self.faults.clear()
        self.keys.reset()
        self.idempotency.reset()
        self.dispatcher.reset()
        self.store.reset()
        self.clock.reset()

    def close(self) -> None:
        self.faults.clear()  # wakes requests held by a slow fault
        self.dispatcher.stop()


def current() -> Sandbox:
    sandbox: Sandbox = current_app.extensions[EXTENSION]
    return sandbox


def roots() -> Roots:
    api = request.host_url.rstrip("/")
    return Roots(api=api, public=current().public_url or api)


def hal(data: Any, status: int = 200) -> Response:
    """JSON in the order built (Flask's ``jsonify`` would sort the keys)."""
    return Response(json.dumps(data), status=status, content_type=HAL)


def error_body(status: int, detail: str, field: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "status": status,
        "title": HTTP_STATUS_CODES.get(status, "Error"),
        "detail": detail,
    }
    if field is not None:
        body["field"] = field
    body["_links"] = {"documentation": {"href": ERRORS_DOCUMENTATION, "type": "text/html"}}
    return body


def error(status: int, detail: str, field: str | None = None) -> Response:
    return hal(error_body(status, detail, field), status)


def json_body() -> dict[str, Any]:
    """The request's JSON object; an empty body counts as ``{}``."""
    raw = request.get_data(as_text=True)
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise SandboxError(400, "The request body is not valid JSON.") from exc
    if not isinstance(body, dict):
        raise SandboxError(400, "The request body must be a JSON object.")
    return body
