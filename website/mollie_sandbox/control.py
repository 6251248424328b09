"""Control endpoints under ``/_sim``: what customers, banks and time would do to Mollie.

JSON in, JSON out, no API key (the sandbox listens on localhost only). Errors have the same
shape as the API's. ``website.mollie_sandbox.testing.MollieSandbox`` wraps them for tests.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from website.mollie_sandbox import methods, render, validation
from website.mollie_sandbox.faults import fault_from
from website.mollie_sandbox.keys import KEY_FORMAT
from website.mollie_sandbox.state import current, hal, json_body, roots
from website.mollie_sandbox.store import Payment, SandboxError, iso

bp = Blueprint("mollie_control", __name__, url_prefix="/_sim")


def required(body: dict[str, Any], name: str) -> Any:
    if name not in body:
        raise SandboxError(422, f"{name} is required.", name)
    return body[name]


def payment_json(payment: Payment) -> dict[str, Any]:
    return render.payment(current().store, payment, roots(), ("refunds", "chargebacks"))


@bp.post("/reset")
def reset() -> Response:
    current().reset()
    return hal({"reset": True})


@bp.get("/payments")
def payments() -> Response:
    """Every stored payment, test and live, oldest first, with refunds and chargebacks."""
    store = current().store
    with store.lock:
        return hal([payment_json(p) for p in store.payments.values()])


@bp.get("/payments/<payment_id>")
def payment(payment_id: str) -> Response:
    store = current().store
    with store.lock:
        return hal(payment_json(store.payment(payment_id)))


@bp.post("/payments/<payment_id>/status")
def set_status(payment_id: str) -> Response:
    """Move a payment along docs/mollie.md §4 (409 when impossible); webhook as Mollie would."""
    status = required(json_body(), "status")
    store = current().store
    with store.lock:
        target = store.payment(payment_id)
        store.set_status(target, status)
        return hal(payment_json(target))


@bp.post("/payments/<payment_id>/replace")
def replace(payment_id: str) -> Response:
    """The checkout goes on as a new payment (a new id), with ``method`` if given."""
    method = json_body().get("method")
    if method is not None and method not in methods.METHODS:
        raise SandboxError(422, "The payment method is invalid.", "method")
    store = current().store
    with store.lock:
        replacement = store.replace_payment(store.payment(payment_id), method)
        return hal(payment_json(replacement), 201)


@bp.post("/payments/<payment_id>/chargebacks")
def chargeback(payment_id: str) -> Response:
    """The customer's bank takes money back: all that is left, or ``amount``."""
    body = json_body()
    amount = validation.money(body["amount"]) if "amount" in body else None
    store = current().store
    with store.lock:
        created = store.create_chargeback(store.payment(payment_id), amount, body.get("reason"))
        return hal(render.chargeback(created, roots()), 201)


@bp.post("/chargebacks/<chargeback_id>/reverse")
def reverse_chargeback(chargeback_id: str) -> Response:
    """The customer's bank withdraws a chargeback: the money is the merchant's again."""
    store = current().store
    with store.lock:
        found = store.chargebacks.get(chargeback_id)
        if found is None:
            raise SandboxError(404, f"No chargeback exists with token {chargeback_id}.")
        store.reverse_chargeback(found)
        return hal(render.chargeback(found, roots()))


@bp.post("/refunds/<refund_id>/status")
def refund_status(refund_id: str) -> Response:
    """Progress a refund: pending → processing → refunded | failed (webhook each time)."""
    status = required(json_body(), "status")
    store = current().store
    with store.lock:
        refund = store.refunds.get(refund_id)
        if refund is None:
            raise SandboxError(404, f"No refund exists with token {refund_id}.")
        store.set_refund_status(refund, status)
        return hal(render.refund(refund, roots()))


@bp.post("/keys")
def keys() -> Response:
    """Give the account a key, or revoke or restore one: ``{"key": ..., "state": ...}``."""
    body = json_body()
    key, state = required(body, "key"), required(body, "state")
    if not isinstance(key, str) or KEY_FORMAT.fullmatch(key) is None:
        raise SandboxError(422, "key must look like test_... or live_...", "key")
    ring = current().keys
    if state == "active":
        ring.add(key)
    elif state == "revoked":
        ring.revoke(key)
    else:
        raise SandboxError(422, "state must be active or revoked.", "state")
    return hal({"key": key, "state": ring.state(key)})


@bp.get("/clock")
def clock() -> Response:
    return hal({"now": iso(current().clock.now())})


@bp.post("/clock/advance")
def advance() -> Response:
    """Move the sandbox clock on; open payments past ``expiresAt`` expire now."""
    seconds = required(json_body(), "seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
        raise SandboxError(422, "seconds must be a number, not negative.", "seconds")
    sandbox = current()
    sandbox.clock.advance(seconds)
    expired = sandbox.store.expire_due()
    return hal({"now": iso(sandbox.clock.now()), "expired": expired})


@bp.post("/clock/freeze")
def freeze() -> Response:
    """Stop the sandbox clock; ``/clock/advance`` still moves it, ``/reset`` restarts it."""
    clock = current().clock
    clock.freeze()
    return hal({"now": iso(clock.now())})


@bp.get("/webhooks")
def webhooks() -> Response:
    dispatcher = current().dispatcher
    return hal(
        {
            "config": dispatcher.config(),
            "queued": dispatcher.queued(),
            "attempts": dispatcher.attempts(),
        }
    )


@bp.get("/webhooks/attempts")
def webhook_attempts() -> Response:
    return hal(current().dispatcher.attempts())


@bp.post("/webhooks/config")
def configure_webhooks() -> Response:
    return hal(current().dispatcher.configure(json_body()))


@bp.post("/webhooks/flush")
def flush_webhooks() -> Response:
    """Send every queued webhook now (even when paused) and answer with these attempts."""
    return hal(current().dispatcher.flush())


@bp.get("/faults")
def faults() -> Response:
    """Faults still to come, and how many requests a slow fault is holding now."""
    injected = current().faults
    return hal(
        {"pending": [fault.json() for fault in injected.pending()], "holding": injected.holding()}
    )


@bp.post("/faults")
def add_fault() -> Response:
    fault = fault_from(json_body())
    current().faults.add(fault)
    return hal(fault.json(), 201)


@bp.delete("/faults")
def clear_faults() -> Response:
    current().faults.clear()
    return hal({"pending": [], "holding": 0})
