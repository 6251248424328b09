"""Paying an installment through Mollie, and keeping our record in step with Mollie's.

``start_payment`` makes (or reuses) one Mollie payment per click on the pay button.
``sync_payment`` is the one function that applies what Mollie says about a payment; the
webhook, the return page and reconciliation all call it. It locks the installment's row
first, then asks Mollie, so a webhook and a returning client (or fifty copies of one
webhook) take turns, and a status only ever moves forward: paid is never undone.
"""

from __future__ import annotations

import logging
import secrets
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import OperationalError

from website.audit.services import record
from website.extensions import db, utcnow
from website.invoices.models import Installment, Invoice, InvoiceStatus
from website.mail.services import public_url, queue_mail
from website.payments import mollie
from website.payments.models import PaymentAttempt, PaymentEvent, PaymentSource, PaymentStatus

log = logging.getLogger(__name__)

# An order over statuses: a change is applied only if it moves up. The final failures share
# a rank, so one never replaces another, and only ``paid`` (a late payment) can follow them.
RANK = {
    PaymentStatus.CREATED: 0,
    PaymentStatus.OPEN: 1,
    PaymentStatus.PENDING: 2,
    PaymentStatus.AUTHORIZED: 3,
    PaymentStatus.FAILED: 4,
    PaymentStatus.CANCELED: 4,
    PaymentStatus.EXPIRED: 4,
    PaymentStatus.PAID: 5,
}
# Mollie remembers an idempotency key for an hour; an attempt older than this gets a new one.
KEY_LIFETIME = timedelta(minutes=50)
LOCK_TIMEOUT_MS = 5000
LOCALES = {"nl": "nl_NL", "en": "en_US"}  # Mollie's checkout speaks the page's language


class PaymentUnavailable(Exception):
    """The payment could not be started or checked now; nothing was recorded as paid."""


class NothingDue(Exception):
    """The installment is already paid."""


def amount_paid(installment: Installment) -> Decimal:
    amounts = db.session.scalars(
        sa.select(PaymentAttempt.amount).where(
            PaymentAttempt.installment_id == installment.id,
            PaymentAttempt.status == PaymentStatus.PAID,
        )
    )
    return sum(amounts, Decimal("0.00"))


def start_payment(installment: Installment, token: str, language: str) -> str:
    """The Mollie checkout URL for what is due on ``installment`` (one payment per click).

    An open attempt for the same amount that has not expired is reused, as is an attempt
    that never reached Mollie (same idempotency key, same body: Mollie answers with the
    payment it made, if it made one). Otherwise a new attempt is made.
    """
    attempt = _attempt_to_use(installment, language)
    if attempt.checkout_url and attempt.status is PaymentStatus.OPEN:
        return attempt.checkout_url
    try:
        payment = mollie.create_payment(_payment_data(attempt, token), attempt.idempotency_key)
    except mollie.MollieUnavailable as error:
        raise PaymentUnavailable(str(error)) from error
    _lock(attempt.installment_id)
    db.session.refresh(attempt)
    if attempt.mollie_id is None:
        attempt.mollie_id = payment["id"]
        attempt.checkout_url = payment.get("_links", {}).get("checkout", {}).get("href")
        attempt.expires_at = _timestamp(payment.get("expiresAt"))
        apply_status(attempt, payment, PaymentSource.CREATED)
    db.session.commit()
    if not attempt.checkout_url:
        raise PaymentUnavailable("Mollie gave no checkout page for the payment.")
    return attempt.checkout_url


def _attempt_to_use(installment: Installment, language: str) -> PaymentAttempt:
    _lock(installment.id)
    db.session.refresh(installment)
    if installment.is_paid:
        db.session.rollback()
        raise NothingDue
    due = installment.amount - amount_paid(installment)
    now = utcnow()
    latest = db.session.scalar(
        sa.select(PaymentAttempt)
        .where(PaymentAttempt.installment_id == installment.id)
        .order_by(PaymentAttempt.number.desc())
        .limit(1)
    )
    if latest is not None and latest.amount == due:
        reusable_open = (
            latest.status is PaymentStatus.OPEN
            and latest.checkout_url
            and latest.expires_at is not None
            and latest.expires_at > now + timedelta(minutes=1)
        )
        never_reached_mollie = (
            latest.mollie_id is None
            and latest.status is PaymentStatus.CREATED
            and latest.created_at > now - KEY_LIFETIME
        )
        if reusable_open or never_reached_mollie:
            db.session.commit()
            return latest
    number = (latest.number if latest else 0) + 1
    invoice = installment.invoice
    attempt = PaymentAttempt(
        installment=installment,
        number=number,
        amount=due,
        currency="EUR",
        status=PaymentStatus.CREATED,
        locale=LOCALES.get(language, "nl_NL"),
        idempotency_key=f"inv-{invoice.id}-{installment.position}-{number}",
        webhook_secret=secrets.token_urlsafe(32),
    )
    db.session.add(attempt)
    db.session.commit()
    return attempt


def _payment_data(attempt: PaymentAttempt, token: str) -> dict[str, Any]:
    """The create request, built only from the attempt, so a retry sends the same body."""
    installment = attempt.installment
    invoice = installment.invoice
    return {
        "amount": {"currency": attempt.currency, "value": f"{attempt.amount:.2f}"},
        "description": f"{current_app.config['STUDIO_NAME']} {invoice.number} "
        f"({installment.position}/{len(invoice.installments)})",
        "redirectUrl": public_url("pay.returned", token=token, attempt_id=attempt.id),
        "webhookUrl": public_url("pay.webhook", secret=attempt.webhook_secret),
        "locale": attempt.locale,
        "metadata": {
            "invoice": invoice.number,
            "installment": installment.position,
            "attempt": attempt.id,
        },
    }


def sync_payment(attempt: PaymentAttempt, source: PaymentSource) -> PaymentAttempt:
    """Ask Mollie about ``attempt`` and apply the answer, under the installment's row lock.

    A payment that does not match the attempt (another id, invoice, amount, currency or
    mode) changes nothing. Raises ``PaymentUnavailable`` when Mollie cannot be asked or the
    lock cannot be had in time; the caller answers so that Mollie tries again.
    """
    attempt_id = attempt.id
    _lock(attempt.installment_id)
    attempt = db.session.get(PaymentAttempt, attempt_id, populate_existing=True)
    if attempt.mollie_id is None:
        db.session.rollback()
        return attempt
    try:
        payment = mollie.get_payment(attempt.mollie_id)
    except mollie.MollieUnavailable as error:
        db.session.rollback()
        raise PaymentUnavailable(str(error)) from error
    problem = _mismatch(attempt, payment)
    if problem:
        log.warning("Payment attempt %s: ignoring Mollie's answer: %s", attempt.id, problem)
        db.session.rollback()
        return attempt
    apply_status(attempt, payment, source)
    db.session.commit()
    return attempt


def attempt_for_webhook(secret: str, payment_id: str) -> PaymentAttempt | None:
    """The attempt whose webhook URL carries ``secret``, if ``payment_id`` is its payment."""
    attempt = db.session.scalar(
        sa.select(PaymentAttempt).where(PaymentAttempt.webhook_secret == secret)
    )
    if attempt is None or attempt.mollie_id is None:
        return None
    if not secrets.compare_digest(attempt.mollie_id, payment_id):
        log.warning("Payment attempt %s: webhook for another payment id, ignored", attempt.id)
        return None
    return attempt


def _mismatch(attempt: PaymentAttempt, payment: dict[str, Any] | None) -> str | None:
    if payment is None:
        return "Mollie does not know the payment"
    installment = attempt.installment
    metadata = payment.get("metadata") or {}
    amount = payment.get("amount") or {}
    checks = {
        "id": payment.get("id") == attempt.mollie_id,
        "invoice": metadata.get("invoice") == installment.invoice.number,
        "installment": metadata.get("installment") == installment.position,
        "attempt": metadata.get("attempt") == attempt.id,
        "amount": amount.get("value") == f"{attempt.amount:.2f}",
        "currency": amount.get("currency") == attempt.currency,
        "mode": payment.get("mode") == mollie.expected_mode(),
    }
    wrong = [name for name, ok in checks.items() if not ok]
    return f"{', '.join(wrong)} do not match" if wrong else None


def apply_status(attempt: PaymentAttempt, payment: dict[str, Any], source: PaymentSource) -> None:
    """Move the attempt to Mollie's status if that is forward; settle what it paid."""
    try:
        new = PaymentStatus(payment["status"])
    except ValueError:
        log.warning("Payment attempt %s: unknown Mollie status, ignored", attempt.id)
        return
    old = attempt.status
    attempt.method = payment.get("method") or attempt.method
    attempt.expires_at = _timestamp(payment.get("expiresAt")) or attempt.expires_at
    if RANK[new] <= RANK[old]:
        return
    note = None
    attempt.status = new
    if new is PaymentStatus.PAID:
        attempt.paid_at = _timestamp(payment.get("paidAt")) or utcnow()
        if old.is_final:
            note = f"late payment, after the attempt was {old.value}"
        note = _settle(attempt.installment, attempt) or note
    db.session.add(
        PaymentEvent(
            attempt=attempt,
            source=source,
            old_status=old,
            new_status=new,
            mollie_status=None if source is PaymentSource.STAFF else payment["status"],
            note=note,
        )
    )


def _settle(installment: Installment, attempt: PaymentAttempt) -> str | None:
    """Mark the installment (and perhaps the invoice) paid; a second payment is flagged."""
    db.session.flush()
    if installment.is_paid:
        record(None, "payment.paid_twice", "invoice", installment.invoice.number)
        return "paid twice: refund or credit the extra payment"
    if amount_paid(installment) < installment.amount:
        return None
    now = utcnow()
    installment.paid_at = now
    invoice = installment.invoice
    if all(part.is_paid for part in invoice.installments):
        invoice.status = InvoiceStatus.PAID
        invoice.paid_at = now
    _queue_receipt(invoice, installment, attempt)
    return None


def _queue_receipt(invoice: Invoice, installment: Installment, attempt: PaymentAttempt) -> None:
    client = invoice.client
    queue_mail(
        "payments/receipt",
        to=client.email,
        subject=_l("Payment received for invoice %(number)s", number=invoice.number),
        language=client.language,
        reference=invoice.number,
        invoice=invoice,
        installment=installment,
        attempt=attempt,
    )


def record_bank_transfer(installment: Installment, staff_id: int) -> PaymentAttempt:
    """Staff saw the money for ``installment`` arrive by bank transfer: settle it."""
    _lock(installment.id)
    db.session.refresh(installment)
    if installment.is_paid:
        db.session.rollback()
        raise NothingDue
    latest = db.session.scalar(
        sa.select(sa.func.max(PaymentAttempt.number)).where(
            PaymentAttempt.installment_id == installment.id
        )
    )
    number = (latest or 0) + 1
    attempt = PaymentAttempt(
        installment=installment,
        number=number,
        amount=installment.amount - amount_paid(installment),
        currency="EUR",
        status=PaymentStatus.CREATED,
        locale="nl_NL",
        idempotency_key=f"transfer-{installment.invoice.id}-{installment.position}-{number}",
        webhook_secret=secrets.token_urlsafe(32),
        method="banktransfer",
    )
    db.session.add(attempt)
    apply_status(attempt, {"status": "paid", "method": "banktransfer"}, PaymentSource.STAFF)
    record(staff_id, "payment.bank_transfer", "invoice", installment.invoice.number)
    db.session.commit()
    return attempt


def _lock(installment_id: int) -> None:
    """Hold the installment until the transaction ends, so syncs of it take turns.

    PostgreSQL: a row lock (``FOR UPDATE``), given up after five seconds. SQLite has no row
    locks: a no-op write takes the database's write lock instead, in a fresh transaction
    (one that had already read would be refused at once rather than wait its turn).
    Waiting too long raises ``PaymentUnavailable``.
    """
    dialect = db.session.get_bind().dialect.name
    try:
        if dialect == "sqlite":
            db.session.commit()
            db.session.execute(
                sa.text("UPDATE invoice_installment SET id = id WHERE id = :id"),
                {"id": installment_id},
            )
            return
        if dialect == "postgresql":
            db.session.execute(sa.text(f"SET LOCAL lock_timeout = {LOCK_TIMEOUT_MS}"))
        db.session.execute(
            sa.select(Installment.id).where(Installment.id == installment_id).with_for_update()
        )
    except OperationalError as error:
        db.session.rollback()
        raise PaymentUnavailable("The installment is busy.") from error


def _timestamp(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value).astimezone(UTC)
