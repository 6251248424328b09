"""The REST API under ``/v2``: payments, refunds, chargebacks, methods (docs/mollie.md §2).

Authentication, faults and idempotency happen before these views (``app.py``); the views
validate, change the store under its lock, and render. ``g.mode`` is "test" or "live",
after the API key, and a key only sees payments of its own mode.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, g, request

from website.mollie_sandbox import methods, render, validation
from website.mollie_sandbox.methods import Money
from website.mollie_sandbox.state import current, hal, json_body, roots
from website.mollie_sandbox.store import Payment, SandboxError

bp = Blueprint("mollie_api", __name__, url_prefix="/v2")

DEFAULT_LIMIT = 50
MAX_LIMIT = 250


def limit() -> int:
    raw = request.args.get("limit", str(DEFAULT_LIMIT))
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise SandboxError(400, f"The limit must be between 1 and {MAX_LIMIT}.", "limit")
    return int(raw)


def payment_json(payment: Payment, embed: tuple[str, ...] = ()) -> dict[str, Any]:
    return render.payment(current().store, payment, roots(), embed)


@bp.post("/payments")
def create_payment() -> Response:
    sandbox = current()
    new = validation.new_payment(json_body(), sandbox.clock.now().date())
    with sandbox.store.lock:
        payment = sandbox.store.create_payment(new, g.mode)
        return hal(payment_json(payment), 201)


@bp.get("/payments")
def list_payments() -> Response:
    store = current().store
    with store.lock:
        newest_first = [p for p in reversed(store.payments.values()) if p.mode == g.mode]
        return hal(
            render.page(
                newest_first,
                ident=lambda p: p.id,
                start=request.args.get("from"),
                limit=limit(),
                name="payments",
                path="payments",
                render=payment_json,
                roots=roots(),
            )
        )


@bp.get("/payments/<payment_id>")
def get_payment(payment_id: str) -> Response:
    store = current().store
    embed = tuple(request.args.get("embed", "").split(","))
    with store.lock:
        return hal(payment_json(store.payment(payment_id, g.mode), embed))


@bp.patch("/payments/<payment_id>")
def update_payment(payment_id: str) -> Response:
    sandbox = current()
    changes = validation.payment_changes(json_body(), sandbox.clock.now().date())
    with sandbox.store.lock:
        payment = sandbox.store.payment(payment_id, g.mode)
        sandbox.store.update(payment, changes)
        return hal(payment_json(payment))


@bp.delete("/payments/<payment_id>")
def cancel_payment(payment_id: str) -> Response:
    """Cancel: 200 with the payment (mollie-api-python expects a body, not 204)."""
    store = current().store
    with store.lock:
        payment = store.payment(payment_id, g.mode)
        store.cancel(payment)
        return hal(payment_json(payment))


@bp.post("/payments/<payment_id>/refunds")
def create_refund(payment_id: str) -> Response:
    store = current().store
    amount, description, metadata = validation.refund_request(json_body())
    with store.lock:
        payment = store.payment(payment_id, g.mode)
        refund = store.create_refund(payment, amount, description, metadata)
        return hal(render.refund(refund, roots()), 201)


@bp.get("/payments/<payment_id>/refunds")
def list_payment_refunds(payment_id: str) -> Response:
    store = current().store
    with store.lock:
        payment = store.payment(payment_id, g.mode)
        refunds = [store.refunds[rid] for rid in reversed(payment.refund_ids)]
        return money_back_page(refunds, "refunds", f"payments/{payment_id}/refunds", render.refund)


@bp.get("/refunds")
def list_refunds() -> Response:
    store = current().store
    with store.lock:
        refunds = [r for r in reversed(store.refunds.values()) if r.mode == g.mode]
        return money_back_page(refunds, "refunds", "refunds", render.refund)


def money_back_page(
    items: list[Any], name: str, path: str, render_one: Callable[[Any, Any], dict[str, Any]]
) -> Response:
    """One page of refunds or chargebacks (they page alike), newest first."""
    current_roots = roots()
    return hal(
        render.page(
            items,
            ident=lambda item: item.id,
            start=request.args.get("from"),
            limit=limit(),
            name=name,
            path=path,
            render=lambda item: render_one(item, current_roots),
            roots=current_roots,
        )
    )


@bp.get("/payments/<payment_id>/refunds/<refund_id>")
def get_refund(payment_id: str, refund_id: str) -> Response:
    store = current().store
    with store.lock:
        refund = store.refund(store.payment(payment_id, g.mode), refund_id)
        return hal(render.refund(refund, roots()))


@bp.delete("/payments/<payment_id>/refunds/<refund_id>")
def cancel_refund(payment_id: str, refund_id: str) -> Response:
    """Cancel a queued or pending refund: 204, no body."""
    store = current().store
    with store.lock:
        store.cancel_refund(store.refund(store.payment(payment_id, g.mode), refund_id))
    return Response(status=204)


@bp.get("/payments/<payment_id>/chargebacks")
def list_payment_chargebacks(payment_id: str) -> Response:
    store = current().store
    with store.lock:
        payment = store.payment(payment_id, g.mode)
        chargebacks = [store.chargebacks[cid] for cid in reversed(payment.chargeback_ids)]
        return money_back_page(
            chargebacks, "chargebacks", f"payments/{payment_id}/chargebacks", render.chargeback
        )


@bp.get("/chargebacks")
def list_chargebacks() -> Response:
    store = current().store
    with store.lock:
        chargebacks = [c for c in reversed(store.chargebacks.values()) if c.mode == g.mode]
        return money_back_page(chargebacks, "chargebacks", "chargebacks", render.chargeback)


@bp.get("/payments/<payment_id>/chargebacks/<chargeback_id>")
def get_chargeback(payment_id: str, chargeback_id: str) -> Response:
    store = current().store
    with store.lock:
        chargeback = store.chargeback(store.payment(payment_id, g.mode), chargeback_id)
        return hal(render.chargeback(chargeback, roots()))


@bp.get("/methods")
def list_methods() -> Response:
    """Enabled methods, filtered by ``amount[value]``/``amount[currency]`` when given."""
    amount = None
    if "amount[value]" in request.args or "amount[currency]" in request.args:
        amount = validation.money(
            {
                "value": request.args.get("amount[value]"),
                "currency": request.args.get("amount[currency]"),
            }
        )
    found = [
        method
        for method in methods.METHODS.values()
        if amount is None
        or (
            amount.currency in method.currencies
            and method.minimum <= amount.decimal <= method.maximum
        )
    ]
    current_roots = roots()
    return hal(
        {
            "count": len(found),
            "_embedded": {"methods": [method_json(m, current_roots) for m in found]},
            "_links": {
                "self": current_roots.api_link("methods"),
                "documentation": render.docs_link("methods-api/list-methods"),
            },
        }
    )


def method_json(method: methods.Method, current_roots: render.Roots) -> dict[str, Any]:
    icons = f"https://www.mollie.com/external/icons/payment-methods/{method.id}"
    return {
        "resource": "method",
        "id": method.id,
        "description": method.description,
        "minimumAmount": Money.of("EUR", method.minimum).json(),
        "maximumAmount": Money.of("EUR", method.maximum).json(),
        "image": {"size1x": f"{icons}.png", "size2x": f"{icons}%402x.png", "svg": f"{icons}.svg"},
        "status": "activated",
        "_links": {
            "self": current_roots.api_link(f"methods/{method.id}"),
            "documentation": render.docs_link("methods-api/get-method"),
        },
    }
