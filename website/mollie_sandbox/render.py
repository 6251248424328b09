"""Resources as Mollie's HAL JSON (docs/mollie.md §3, §9, §10), and cursor-paginated lists (§2).

Two roots: API links (``self``, ``next``...) use the address the client called, because
mollie-api-python only follows a ``_links.next.href`` that starts with its own endpoint;
links meant for a browser (``checkout``) use the configurable public URL.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlencode

from website.mollie_sandbox.methods import Money
from website.mollie_sandbox.store import (
    FINAL_STATUSES,
    Chargeback,
    Payment,
    Refund,
    SandboxError,
    Store,
    iso,
)

DOCS = "https://docs.mollie.com/reference/v2"
HAL = "application/hal+json"
T = TypeVar("T")


@dataclass(frozen=True)
class Roots:
    api: str  # e.g. http://127.0.0.1:5001, without a trailing slash
    public: str

    def api_link(self, path: str) -> dict[str, str]:
        return {"href": f"{self.api}/v2/{path}", "type": HAL}

    def page_link(self, path: str) -> dict[str, str]:
        return {"href": f"{self.public}{path}", "type": "text/html"}


def docs_link(page: str) -> dict[str, str]:
    return {"href": f"{DOCS}/{page}", "type": "text/html"}


def checkout_path(payment: Payment) -> str:
    # Mollie's hosted pages use the id without its prefix (…/select-method/7UhSN1zuXS).
    return f"/checkout/select-method/{payment.id.removeprefix('tr_')}"


def payment(store: Store, p: Payment, roots: Roots, embed: Sequence[str] = ()) -> dict[str, Any]:
    data: dict[str, Any] = {
        "resource": "payment",
        "id": p.id,
        "mode": p.mode,
        "createdAt": iso(p.created_at),
        "amount": p.amount.json(),
        "description": p.description,
        "method": p.method,
        "metadata": p.metadata,
        "status": p.status,
    }
    if p.status not in FINAL_STATUSES:  # Mollie leaves it out once the payment is final
        data["isCancelable"] = store.is_cancelable(p)
    # Timestamps appear only once reached; expiresAt only while the payment can expire.
    data.update({name: iso(moment) for name, moment in p.timestamps.items()})
    if p.expires_at is not None and p.status in ("open", "authorized"):
        data["expiresAt"] = iso(p.expires_at)
    data.update(payment_amounts(store, p))
    optional = {
        "locale": p.locale,
        "profileId": store.profile_id,
        "sequenceType": "oneoff",
        "redirectUrl": p.redirect_url,
        "cancelUrl": p.cancel_url,
        "webhookUrl": p.webhook_url,
        "details": p.details,
    }
    data.update({name: value for name, value in optional.items() if value is not None})
    data["_links"] = payment_links(store, p, roots)
    embedded = payment_embedded(store, p, roots, embed)
    if embedded:
        data["_embedded"] = embedded
    return data


def payment_amounts(store: Store, p: Payment) -> dict[str, Any]:
    """Refund amounts once paid; ``amountChargedBack`` only when not zero."""
    currency = p.amount.currency
    amounts = {}
    if p.status == "paid":
        amounts["amountRefunded"] = Money.of(currency, store.amount_refunded(p)).json()
        amounts["amountRemaining"] = Money.of(currency, store.amount_remaining(p)).json()
    charged_back = store.amount_charged_back(p)
    if charged_back:
        amounts["amountChargedBack"] = Money.of(currency, charged_back).json()
    return amounts


def payment_embedded(
    store: Store, p: Payment, roots: Roots, embed: Sequence[str]
) -> dict[str, Any]:
    """``?embed=refunds,chargebacks``."""
    embedded = {}
    if "refunds" in embed:
        embedded["refunds"] = [refund(store.refunds[i], roots) for i in p.refund_ids]
    if "chargebacks" in embed:
        embedded["chargebacks"] = [
            chargeback(store.chargebacks[i], roots) for i in p.chargeback_ids
        ]
    return embedded


def payment_links(store: Store, p: Payment, roots: Roots) -> dict[str, Any]:
    links: dict[str, Any] = {"self": roots.api_link(f"payments/{p.id}")}
    if p.status == "open":
        links["checkout"] = roots.page_link(checkout_path(p))
        if p.method == "banktransfer":
            links["status"] = roots.page_link(f"/checkout/bank-transfer/{p.id.removeprefix('tr_')}")
            links["payOnline"] = roots.page_link(checkout_path(p))
    if p.status == "paid" and p.mode == "test":
        links["changePaymentState"] = roots.page_link(checkout_path(p))
    links["dashboard"] = roots.page_link(f"/_sim/payments/{p.id}")
    if p.refund_ids:
        links["refunds"] = roots.api_link(f"payments/{p.id}/refunds")
    if p.chargeback_ids:
        links["chargebacks"] = roots.api_link(f"payments/{p.id}/chargebacks")
    links["documentation"] = docs_link("payments-api/get-payment")
    return links


def refund(r: Refund, roots: Roots) -> dict[str, Any]:
    negative = Money.of(r.amount.currency, -r.amount.decimal)
    return {
        "resource": "refund",
        "id": r.id,
        "mode": r.mode,
        "amount": r.amount.json(),
        "settlementAmount": negative.json(),
        "status": r.status,
        "createdAt": iso(r.created_at),
        "description": r.description,
        "metadata": r.metadata,
        "paymentId": r.payment_id,
        "_links": {
            "self": roots.api_link(f"payments/{r.payment_id}/refunds/{r.id}"),
            "payment": roots.api_link(f"payments/{r.payment_id}"),
            "documentation": docs_link("refunds-api/get-payment-refund"),
        },
    }


def chargeback(c: Chargeback, roots: Roots) -> dict[str, Any]:
    negative = Money.of(c.amount.currency, -c.amount.decimal)
    return {
        "resource": "chargeback",
        "id": c.id,
        "amount": c.amount.json(),
        "settlementAmount": negative.json(),
        "createdAt": iso(c.created_at),
        "reason": dict(c.reason),
        "reversedAt": iso(c.reversed_at) if c.reversed_at else None,
        "paymentId": c.payment_id,
        "_links": {
            "self": roots.api_link(f"payments/{c.payment_id}/chargebacks/{c.id}"),
            "payment": roots.api_link(f"payments/{c.payment_id}"),
            "documentation": docs_link("chargebacks-api/get-payment-chargeback"),
        },
    }


def page(
    items: Sequence[T],
    *,
    ident: Callable[[T], str],
    start: str | None,
    limit: int,
    name: str,
    path: str,
    render: Callable[[T], dict[str, Any]],
    roots: Roots,
) -> dict[str, Any]:
    """Mollie's cursor pagination over ``items`` (newest first).

    ``from`` is the id of a page's first item; ``next``/``previous`` are ``{href, type}`` or
    ``null``; ``count`` is the number of items on this page.
    """
    ids = [ident(item) for item in items]
    if start is not None and start not in ids:
        raise SandboxError(400, f"The 'from' cursor {start} does not exist.", "from")
    index = ids.index(start) if start is not None else 0
    chunk = items[index : index + limit]

    def link(first: int) -> dict[str, str]:
        return roots.api_link(f"{path}?{urlencode({'from': ids[first], 'limit': limit})}")

    query = urlencode({"from": start, "limit": limit} if start else {"limit": limit})
    return {
        "count": len(chunk),
        "_embedded": {name: [render(item) for item in chunk]},
        "_links": {
            "self": roots.api_link(f"{path}?{query}"),
            "previous": link(max(index - limit, 0)) if index > 0 else None,
            "next": link(index + limit) if index + limit < len(items) else None,
            "documentation": docs_link(f"{name}-api/list-{name}"),
        },
    }
