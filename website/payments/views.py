"""The client's pay-by-link pages, the return from Mollie, and Mollie's webhook."""

from __future__ import annotations

import io

import segno.helpers
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from website import htmx
from website.extensions import csrf, db, limiter
from website.i18n import current_language
from website.invoices.models import Invoice
from website.invoices.services import invoice_for_token
from website.payments import mollie
from website.payments.forms import PayForm
from website.payments.models import PaymentAttempt, PaymentSource, PaymentStatus
from website.payments.services import (
    NothingDue,
    PaymentUnavailable,
    amount_paid,
    attempt_for_webhook,
    start_payment,
    sync_payment,
)
from website.security import content_security_policy

bp = Blueprint("pay", __name__)
POLL_SECONDS = 2


def _invoice_or_404(token: str) -> Invoice:
    invoice = invoice_for_token(token)
    if invoice is None:
        abort(Response(render_template("pay/unknown_link.html"), status=404))
    return invoice


@bp.after_request
def _private(response: Response) -> Response:
    """Invoices are personal: never stored by the browser or a proxy, never indexed.

    The pay button's answer redirects to Mollie's checkout, which the CSP must allow.
    """
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Content-Security-Policy"] = content_security_policy(
        form_targets=(mollie.checkout_origin(),)
    )
    return response


@bp.get("/pay/<token>")
def invoice(token: str) -> str:
    invoice = _invoice_or_404(token)
    paid = {part.id: amount_paid(part) for part in invoice.installments}
    due = invoice.next_installment
    return render_template(
        "pay/invoice.html",
        invoice=invoice,
        token=token,
        due=due,
        amount_due=due.amount - paid[due.id] if due else None,
        paid=paid,
        form=PayForm(),
    )


@bp.get("/pay/<token>/transfer-qr.svg")
def transfer_qr(token: str) -> Response:
    """The EPC ("GiroCode") QR code a banking app scans to fill in the bank transfer."""
    invoice = _invoice_or_404(token)
    due = invoice.next_installment
    if due is None:
        abort(404)
    code = segno.helpers.make_epc_qr(
        name=current_app.config["STUDIO_NAME"][:70],
        iban=current_app.config["STUDIO_IBAN"],
        amount=due.amount - amount_paid(due),
        text=invoice.number,
    )
    svg = io.BytesIO()
    code.save(svg, kind="svg", scale=4, border=2, title=invoice.number)
    return Response(svg.getvalue(), mimetype="image/svg+xml")


@bp.post("/pay/<token>")
def pay(token: str) -> Response | tuple[str, int]:
    """One click, one Mollie payment (or the open one again): off to Mollie's checkout."""
    invoice = _invoice_or_404(token)
    form = PayForm()
    due = invoice.next_installment
    if not form.validate_on_submit() or due is None or form.installment.data != due.position:
        flash(_("This part of the invoice is already paid."))
        return redirect(url_for("pay.invoice", token=token), 303)
    try:
        checkout_url = start_payment(due, token, current_language())
    except NothingDue:
        flash(_("This part of the invoice is already paid."))
        return redirect(url_for("pay.invoice", token=token), 303)
    except PaymentUnavailable:
        return render_template("pay/unavailable.html", token=token), 503
    return redirect(checkout_url, 303)


@bp.get("/pay/<token>/payments/<int:attempt_id>")
def returned(token: str, attempt_id: int) -> str:
    """Where Mollie sends the client back: the status comes from Mollie, never the browser."""
    invoice = _invoice_or_404(token)
    attempt = db.session.get(PaymentAttempt, attempt_id)
    if attempt is None or attempt.installment.invoice_id != invoice.id:
        abort(404)
    checked = True
    if not attempt.status.is_final:
        try:
            attempt = sync_payment(attempt, PaymentSource.RETURN)
        except PaymentUnavailable:
            checked = False
    outcome = _outcome(attempt.status, checked)
    return htmx.render(
        "pay/returned.html",
        partial="pay/_status.html",
        invoice=invoice,
        token=token,
        attempt=attempt,
        outcome=outcome,
        poll_seconds=POLL_SECONDS,
        form=PayForm(),
    )


def _outcome(status: PaymentStatus, checked: bool) -> str:
    """``paid``, ``processing`` (the page keeps asking) or ``not_completed`` (try again)."""
    if status is PaymentStatus.PAID:
        return "paid"
    if not checked or status in (PaymentStatus.PENDING, PaymentStatus.AUTHORIZED):
        return "processing"
    return "not_completed"


@bp.post("/webhooks/mollie/<secret>")
@csrf.exempt
@limiter.exempt
def webhook(secret: str) -> tuple[str, int]:
    """Mollie says something changed: ask Mollie what, and apply it.

    Unknown secrets and ids get 200 and are ignored (nothing to learn from probing); a
    temporary failure gets 503, so Mollie tries again later.
    """
    attempt = attempt_for_webhook(secret, request.form.get("id", ""))
    if attempt is None:
        return "", 200
    try:
        sync_payment(attempt, PaymentSource.WEBHOOK)
    except PaymentUnavailable:
        current_app.logger.warning("Payment attempt %s: webhook failed, Mollie retries", attempt.id)
        return "", 503
    return "", 200
