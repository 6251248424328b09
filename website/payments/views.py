"""The client's pay-by-link pages, the return from Mollie, and Mollie's webhook."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
from typing import NoReturn

import segno.helpers
from cryptography.fernet import Fernet, InvalidToken
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from stdnum import iban
from werkzeug.wrappers import Response

from website import htmx
from website.clock import studio_today
from website.extensions import csrf, limiter
from website.i18n import current_language
from website.invoices.models import Installment, Invoice
from website.invoices.services import invoice_for_token, live_pay_link
from website.payments import mollie
from website.payments.forms import PayForm
from website.payments.models import PaymentAttempt, PaymentSource, PaymentStatus
from website.payments.services import (
    NothingDue,
    PaymentInProgress,
    PaymentKeyRefused,
    PaymentUnavailable,
    amount_due,
    amount_paid,
    attempt_for_return,
    attempt_for_webhook,
    latest_attempt,
    start_payment,
    sync_payment,
)
from website.security import content_security_policy

bp = Blueprint("pay", __name__)
# An IBAN as people read and type it, in groups of four (NL91 ABNA 0417 1643 00), on the pay
# page and on the invoice itself; the settings and the QR code keep it compact.
bp.add_app_template_filter(iban.format, "iban")
POLL_SECONDS = 2
MAX_POLLS = 90  # three minutes; then a link to look again
PAY_LINK_KEY = "pay_link"
IN_PROGRESS = (PaymentStatus.PENDING, PaymentStatus.AUTHORIZED)


def _invoice_or_404(token: str) -> Invoice:
    invoice = invoice_for_token(token)
    if invoice is None:
        _unknown_link()
    return invoice


def _unknown_link() -> NoReturn:
    """The 404 for a link that does not (or no longer) work: how to reach the studio."""
    abort(make_response(render_template("pay/unknown_link.html"), 404))


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
    latest = latest_attempt(due) if due else None
    return render_template(
        "pay/invoice.html",
        invoice=invoice,
        token=token,
        due=due,
        due_now=due is not None and due.is_due(studio_today()),
        amount_due=due.amount - paid[due.id] if due else None,
        paid=paid,
        in_progress=latest is not None and latest.status in IN_PROGRESS,
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
        amount=amount_due(due),
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
    if not form.validate_on_submit():
        abort(400)
    due = invoice.next_installment
    if due is None or form.installment.data != due.position:
        flash(_("This part of the invoice is already paid."))
        return redirect(url_for("pay.invoice", token=token), 303)
    session[PAY_LINK_KEY] = _sealed(token)  # for the way back from Mollie, in this browser
    return _checkout(due, back=url_for("pay.invoice", token=token))


def _checkout(due: Installment, back: str) -> Response | tuple[str, int]:
    try:
        checkout_url = start_payment(due, current_language())
    except NothingDue:
        flash(_("This part of the invoice is already paid."))
        return redirect(back, 303)
    except PaymentInProgress:
        return render_template("pay/in_progress.html", back=back), 409
    except PaymentKeyRefused:
        return render_template("pay/unavailable.html", back=back, lasting=True), 503
    except PaymentUnavailable:
        return render_template("pay/unavailable.html", back=back, lasting=False), 503
    return redirect(checkout_url, 303)


@bp.route("/pay/return/<int:attempt_id>/<key>", methods=["GET", "POST"])
def returned(attempt_id: int, key: str) -> Response | str | tuple[str, int]:
    """Where Mollie sends the client back: the status comes from Mollie, never the browser.

    The address holds its own secret (not the pay link's token, which may have been
    replaced since), so a banking app that opens it in another browser works too. A POST
    here is "try again". While the payment is processing, htmx asks again every few
    seconds, for a few minutes at most.
    """
    attempt = attempt_for_return(attempt_id, key)
    if attempt is None:
        abort(404)
    invoice = attempt.installment.invoice
    here = url_for("pay.returned", attempt_id=attempt.id, key=key)
    if request.method == "POST":
        form = PayForm()
        if not form.validate_on_submit():
            abort(400)
        if live_pay_link(invoice) is None:  # staff shut the invoice's links: nothing to pay here
            _unknown_link()
        due = invoice.next_installment
        if due is None or due.id != attempt.installment_id or form.installment.data != due.position:
            flash(_("This part of the invoice is already paid."))
            return redirect(here, 303)
        return _checkout(due, back=here)
    checked = True
    if not attempt.status.is_final:
        try:
            attempt = sync_payment(attempt, PaymentSource.RETURN)
        except PaymentUnavailable:
            checked = False
    poll = request.args.get("poll", 0, type=int)
    token = _unsealed(session.get(PAY_LINK_KEY))
    back = url_for("pay.invoice", token=token) if token and _opens(token, invoice) else None
    return htmx.render(
        "pay/returned.html",
        partial="pay/_status.html",
        invoice=invoice,
        attempt=attempt,
        here=here,
        back=back,
        outcome=_outcome(attempt, checked),
        poll_seconds=POLL_SECONDS,
        next_poll=url_for("pay.returned", attempt_id=attempt.id, key=key, poll=poll + 1)
        if poll < MAX_POLLS
        else None,
        form=PayForm(),
    )


def _cookie_cipher() -> Fernet:
    secret = current_app.config["SECRET_KEY"].encode()
    key = hmac.new(secret, b"pay-link-in-session", hashlib.sha256)
    return Fernet(base64.urlsafe_b64encode(key.digest()))


def _sealed(token: str) -> str:
    """The pay link's token, encrypted: the session cookie is signed, not secret, and a
    cookie store is no place for a key to someone's invoice."""
    return _cookie_cipher().encrypt(token.encode()).decode()


def _unsealed(sealed: object) -> str | None:
    if not isinstance(sealed, str):
        return None
    try:
        return _cookie_cipher().decrypt(sealed.encode()).decode()
    except InvalidToken:
        return None


def _opens(token: str, invoice: Invoice) -> bool:
    found = invoice_for_token(token)
    return found is not None and found.id == invoice.id


def _outcome(attempt: PaymentAttempt, checked: bool) -> str:
    """``paid``; ``transfer`` (waiting for a bank transfer chosen at Mollie); ``processing``
    (the page keeps asking); or ``not_completed`` (nothing was charged: try again)."""
    status = attempt.status
    if status is PaymentStatus.PAID:
        return "paid"
    if status is PaymentStatus.OPEN and attempt.method == "banktransfer":
        return "transfer"
    if not checked or status in IN_PROGRESS:
        return "processing"
    # Open (back without paying) or failed: "try again" reuses an open payment, so a
    # payment the bank finishes late can still only be paid once.
    return "not_completed"


@bp.post("/webhooks/mollie/<secret>")
@csrf.exempt
@limiter.exempt
def webhook(secret: str) -> tuple[str, int]:
    """Mollie says something changed: ask Mollie what, and apply it.

    Unknown secrets and ids get 200 and are ignored (nothing to learn from probing); a
    temporary failure gets 503, so Mollie tries again later.
    """
    try:
        attempt = attempt_for_webhook(secret, request.form.get("id", ""))
        if attempt is None:
            return "", 200
        sync_payment(attempt, PaymentSource.WEBHOOK)
    except PaymentUnavailable:
        current_app.logger.warning("A Mollie webhook failed; Mollie retries it later")
        return "", 503
    return "", 200
