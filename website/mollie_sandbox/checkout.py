"""The hosted test checkout (docs/mollie.md §8): pick a status, Continue, back to the shop.

Like Mollie's test-mode page: the order, the amount, "Note: this is a testmode payment", a
radio group "Status of your payment" (Open, Paid, Failed, Canceled, Expired) and Continue.
The choice is applied and the browser goes back to ``redirectUrl`` unchanged (to
``cancelUrl`` on Canceled, when there is one) with 303; Open leaves the payment open, as a
customer who returns without paying. Plain HTML form, no JavaScript, no CSRF token: the
sandbox has no sessions to protect.
"""

from __future__ import annotations

from flask import Blueprint, Response, redirect, render_template, request
from werkzeug.wrappers import Response as BaseResponse

from website.mollie_sandbox import methods
from website.mollie_sandbox.state import current
from website.mollie_sandbox.store import Payment, SandboxError

bp = Blueprint("mollie_checkout", __name__)

STATUS_CHOICES = (
    ("open", "Open"),
    ("paid", "Paid"),
    ("failed", "Failed"),
    ("canceled", "Canceled"),
    ("expired", "Expired"),
)
# Self-contained page: its own stylesheet, no scripts. No form-action rule: browsers apply
# it to the redirect back to the shop, which lives on another origin.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; base-uri 'none'; frame-ancestors 'none'"
)


def method_options(payment: Payment) -> list[tuple[str, str]]:
    """What the customer may choose from; nothing when the merchant fixed the method."""
    if payment.method is not None:
        return []
    names = payment.offered_methods or tuple(methods.METHODS)
    return [(name, methods.METHODS[name].description) for name in names]


def page(
    payment: Payment | None,
    status: int = 200,
    problem: str | None = None,
    status_page: bool = False,
) -> Response:
    html = render_template(
        "mollie_sandbox/checkout.html",
        payment=payment,
        status_page=status_page,
        amount=payment.amount.display() if payment else None,
        status_choices=STATUS_CHOICES,
        method_options=method_options(payment) if payment else [],
        method_names={m.id: m.description for m in methods.METHODS.values()},
        problem=problem,
    )
    response = Response(html, status=status, content_type="text/html; charset=utf-8")
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/checkout/select-method/<token>", methods=["GET", "POST"])
def checkout(token: str) -> BaseResponse:
    store = current().store
    with store.lock:
        payment = store.payments.get(f"tr_{token}")
        if payment is None:
            return page(None, 404)
        if request.method == "GET":
            return page(payment)
        if request.form.get("action") == "chargeback" and payment.status == "paid":
            store.create_chargeback(payment, None, None)
            return page(payment)
        if payment.status != "open":
            return page(payment, 409)
        return choose(payment)


@bp.get("/checkout/bank-transfer/<token>")
def bank_transfer_status(token: str) -> Response:
    """A bank transfer's status page (``_links.status``): the details to transfer to and
    where the payment stands, without the choice of outcome."""
    store = current().store
    with store.lock:
        payment = store.payments.get(f"tr_{token}")
        if payment is None or payment.method != "banktransfer":
            return page(None, 404)
        return page(payment, status_page=True)


def choose(payment: Payment) -> BaseResponse:
    """Apply the customer's choice, then send them back to the shop."""
    store = current().store
    status = request.form.get("status")
    if status not in dict(STATUS_CHOICES):
        return page(payment, 400, "Choose the status of your payment.")
    options = dict(method_options(payment))
    if options:
        # A browser always sends the select's value; scripted clients may leave it out.
        method = request.form.get("method") or next(iter(options))
        if method not in options:
            return page(payment, 400, "Choose a payment method.")
        store.choose_method(payment, method)
    if status != "open":
        try:
            store.set_status(payment, status)
        except SandboxError as error:  # expired between page and click
            return page(payment, 409, error.detail)
    target = payment.redirect_url
    if status == "canceled" and payment.cancel_url:
        target = payment.cancel_url
    return redirect(target or "/", 303)
