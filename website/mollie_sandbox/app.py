"""``create_sandbox_app``: the sandbox as a Flask app, and what happens around each request.

Before an API view runs: overdue payments expire, an injected fault may answer instead,
the Bearer key is checked (401 unless the account has it and it is not revoked), and a
POST's Idempotency-Key is claimed or replayed. After it: the answer is kept for replays.
Errors always have Mollie's body (docs/mollie.md §6), because mollie-api-python needs
``status`` and ``detail`` in it.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable
from datetime import datetime

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from website.mollie_sandbox import api, checkout, control
from website.mollie_sandbox.dispatcher import Switches
from website.mollie_sandbox.faults import drop_connection
from website.mollie_sandbox.idempotency import CachedResponse, Fingerprint
from website.mollie_sandbox.keys import DEVELOPMENT_KEY, KeyRing
from website.mollie_sandbox.state import EXTENSION, Sandbox, current, error
from website.mollie_sandbox.store import SandboxError

API_KEY = re.compile(r"Bearer ((test|live)_\w+)")
UNAUTHORIZED = "Missing authentication, or failed to authenticate"


def create_sandbox_app(
    *,
    public_url: str | None = None,
    time_scale: float = 60.0,
    webhook_timeout: float = 15.0,
    start_dispatcher: bool = True,
    api_keys: Iterable[str] = (DEVELOPMENT_KEY,),
    wall: Callable[[], datetime] | None = None,
) -> Flask:
    """Build a sandbox with its own state and webhook thread.

    :param public_url: where browsers reach the sandbox (``_links.checkout``); by default
        the address each API request came in on.
    :param time_scale: Mollie seconds per real second for webhook retries (60: the retry
        "1 minute later" comes after 1 s).
    :param api_keys: the keys this sandbox account has; any other gets 401, as at Mollie.
    :param wall: the real time it starts from (default the system's; the site's tests pass
        the site's clock, so a suite run at another moment moves both).
    """
    if os.environ.get("APP_ENV") == "production":
        raise RuntimeError("The Mollie sandbox must not run in production (APP_ENV=production).")
    # Its own page and stylesheet, inside this package: the site neither has nor serves them.
    package = os.path.dirname(os.path.abspath(__file__))
    app = Flask(
        __name__,
        template_folder=os.path.join(package, "templates"),
        static_folder=os.path.join(package, "static"),
    )
    switches = Switches(time_scale=time_scale, timeout_seconds=webhook_timeout)
    sandbox = Sandbox.build(public_url, switches, KeyRing(api_keys), wall)
    app.extensions[EXTENSION] = sandbox
    app.before_request(before_request)
    app.after_request(after_request)
    app.teardown_request(release_idempotency_key)
    app.register_error_handler(SandboxError, sandbox_error)
    app.register_error_handler(HTTPException, http_error)
    app.register_blueprint(api.bp)
    app.register_blueprint(checkout.bp)
    app.register_blueprint(control.bp)
    if start_dispatcher:
        sandbox.dispatcher.start()
    return app


def before_request() -> Response | None:
    path = request.path
    if path.startswith(("/_sim/", "/static/")):
        return None
    sandbox = current()
    sandbox.store.expire_due()
    fault = sandbox.faults.take(request.method, path)
    if fault is not None and fault.kind == "status":
        return fault_response(fault.status)
    if fault is not None and fault.kind == "drop":
        drop_connection(request.environ)
        return Response(status=204)  # never arrives: writing it fails on the closed socket
    if path.startswith("/v2/"):
        match = API_KEY.fullmatch(request.headers.get("Authorization", ""))
        if match is None or not sandbox.keys.accepts(match.group(1)):
            return error(401, UNAUTHORIZED)
        g.api_key, g.mode = match.group(1), match.group(2)
        replay = claim_idempotency_key()
        if replay is not None:
            return replay
    if fault is not None and fault.kind == "slow":
        sandbox.faults.sleep(fault.seconds)
    return None


def fault_response(status: int) -> Response:
    response = error(status, f"The Mollie sandbox was told to answer {status} (injected fault).")
    if status == 429:
        response.headers["Retry-After"] = "1"
    return response


def claim_idempotency_key() -> Response | None:
    """Only POST honours the key (Mollie: "ignored on GET, PATCH, DELETE")."""
    key = request.headers.get("Idempotency-Key")
    if request.method != "POST" or not key:
        return None
    raw = request.get_data(as_text=True)
    try:
        body = json.dumps(json.loads(raw), sort_keys=True) if raw.strip() else ""
    except ValueError:
        body = raw
    cached = current().idempotency.begin(g.api_key, key, Fingerprint("POST", request.path, body))
    if cached is None:
        g.idempotency_key = key
        return None
    replay = Response(cached.body, status=cached.status, content_type=cached.content_type)
    replay.headers["Idempotent-Replayed"] = "true"
    return replay


def after_request(response: Response) -> Response:
    key = g.pop("idempotency_key", None)
    if key is not None:
        kept = None
        if response.status_code < 500:
            kept = CachedResponse(response.status_code, response.get_data(), response.content_type)
        current().idempotency.finish(g.api_key, key, kept)
    return response


def release_idempotency_key(exc: BaseException | None) -> None:
    """A request that died before ``after_request`` must not hold its key for an hour."""
    key = g.pop("idempotency_key", None)
    if key is not None:
        current().idempotency.finish(g.api_key, key, None)


def sandbox_error(exc: SandboxError) -> Response:
    return error(exc.status, exc.detail, exc.field)


def http_error(exc: HTTPException) -> Response:
    """Unknown URLs and wrong methods, in Mollie's error shape (even on the checkout)."""
    status = exc.code or 500
    return error(status, exc.description or "Request failed.")
