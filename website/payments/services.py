"""Paying an installment through Mollie, and keeping our record in step with Mollie's.

``start_payment`` makes (or reuses) one Mollie payment per click on the pay button.
``sync_payment`` is the one function that applies what Mollie says about a payment; the
webhook, the return page and reconciliation all call it. It asks Mollie first, then applies
the answer under the installment's row lock, so a webhook and a returning client (or fifty
copies of one webhook) take turns, and a status only ever moves forward: paid is never undone.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import joinedload, selectinload

from website.audit.services import record
from website.clock import utcnow
from website.extensions import db
from website.invoices.models import Installment, Invoice, InvoiceStatus, PayLink
from website.invoices.services import live_pay_link, mail_client
from website.mail.services import public_url
from website.payments import key_status, mollie
from website.payments.models import (
    PaymentAttempt,
    PaymentChargeback,
    PaymentEvent,
    PaymentProblem,
    PaymentProblemKind,
    PaymentRefund,
    PaymentSource,
    PaymentStatus,
)
from website.queries import changed_rows, insert_unless_present, lock_row

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
LOCALES = {"nl": "nl_NL", "en": "en_US"}  # Mollie's checkout speaks the page's language
PAID_TWICE_NOTE = "paid twice: refund or credit the extra payment"
T = TypeVar("T")


class PaymentUnavailable(Exception):
    """The payment could not be started or checked now; nothing was recorded as paid."""


class PaymentKeyRefused(PaymentUnavailable):
    """Mollie refuses the site's API key: nothing works until staff set a valid one."""


class NothingDue(Exception):
    """The installment is already paid."""


class PaymentInProgress(Exception):
    """A payment for the installment is being processed: a second one could pay twice."""


def paid_total(attempts: Iterable[PaymentAttempt]) -> Decimal:
    """What ``attempts`` brought in: the paid ones, less what was charged back."""
    return sum(
        (a.amount - a.amount_charged_back for a in attempts if a.status is PaymentStatus.PAID),
        Decimal("0.00"),
    )


@dataclass
class InstallmentPayments:
    """An installment with its payment attempts, oldest first, and what they paid."""

    installment: Installment
    attempts: list[PaymentAttempt] = field(default_factory=list)

    @property
    def paid(self) -> Decimal:
        return paid_total(self.attempts)

    @property
    def outstanding(self) -> Decimal:
        return max(self.installment.amount - self.paid, Decimal("0.00"))


def payment_history(invoice: Invoice) -> list[InstallmentPayments]:
    """Each installment of ``invoice`` with every attempt and its events (two queries)."""
    attempts: dict[int, list[PaymentAttempt]] = defaultdict(list)
    ids = [part.id for part in invoice.installments]
    if ids:
        for attempt in db.session.scalars(
            sa.select(PaymentAttempt)
            .where(PaymentAttempt.installment_id.in_(ids))
            .options(selectinload(PaymentAttempt.events))
            .order_by(PaymentAttempt.installment_id, PaymentAttempt.number)
        ):
            attempts[attempt.installment_id].append(attempt)
    return [InstallmentPayments(part, attempts[part.id]) for part in invoice.installments]


def amount_paid(installment: Installment) -> Decimal:
    """What came in for ``installment`` so far."""
    return paid_total(
        db.session.scalars(
            sa.select(PaymentAttempt).where(PaymentAttempt.installment_id == installment.id)
        )
    )


def amount_due(installment: Installment) -> Decimal:
    """What is still to pay on ``installment``."""
    return installment.amount - amount_paid(installment)


def _ask(call: Callable[..., T], *args: Any) -> T:
    """Ask Mollie; its failures as ours. A refused key is noted for staff
    (``PaymentKeyRefused``); anything else is ``PaymentUnavailable``, with nothing changed."""
    try:
        return call(*args)
    except mollie.MollieKeyRefused as error:
        key_status.note_refused(error.http_status)
        raise PaymentKeyRefused(str(error)) from error
    except mollie.MollieUnavailable as error:
        db.session.rollback()
        raise PaymentUnavailable(str(error)) from error


def start_payment(installment: Installment, language: str) -> str:
    """The Mollie checkout URL for what is due on ``installment`` (one payment per click).

    The latest attempt is brought up to date first. One that Mollie is still processing
    stops a second payment (``PaymentInProgress``); an open one that has not expired is
    reused, as is one that never reached Mollie (same idempotency key, same body: Mollie
    answers with the payment it made, if it made one). Otherwise a new attempt is made.
    """
    attempt = _attempt_to_use(installment, language)
    if attempt.checkout_url and attempt.status is PaymentStatus.OPEN:
        return attempt.checkout_url
    try:
        payment = mollie.create_payment(_payment_data(attempt), attempt.idempotency_key)
    except mollie.MollieKeyRefused as error:
        key_status.note_refused(error.http_status)
        raise PaymentKeyRefused(str(error)) from error
    except mollie.MollieRefused as error:
        _abandon(attempt, str(error))
        raise PaymentUnavailable(str(error)) from error
    except mollie.MollieUnavailable as error:
        raise PaymentUnavailable(str(error)) from error
    key_status.note_accepted()
    _lock(attempt.installment_id)
    if attempt.mollie_id is None:
        if payment_mismatch(attempt, payment, payment_id=payment.get("id")):
            db.session.rollback()
            raise PaymentUnavailable("Mollie's answer does not match the payment asked for.")
        attempt.mollie_id = payment["id"]
        attempt.checkout_url = payment.get("_links", {}).get("checkout", {}).get("href")
        attempt.expires_at = _timestamp(payment.get("expiresAt"))
        apply_status(attempt, payment, PaymentSource.CREATED)
    db.session.commit()
    if not attempt.checkout_url or attempt.status is not PaymentStatus.OPEN:
        raise PaymentUnavailable("Mollie gave no checkout page for the payment.")
    return attempt.checkout_url


def latest_attempt(installment: Installment) -> PaymentAttempt | None:
    return db.session.scalar(
        sa.select(PaymentAttempt)
        .where(PaymentAttempt.installment_id == installment.id)
        .order_by(PaymentAttempt.number.desc())
        .limit(1)
    )


def _attempt_to_use(installment: Installment, language: str) -> PaymentAttempt:
    latest = latest_attempt(installment)
    if latest is not None and latest.mollie_id and not latest.status.is_final:
        sync_payment(latest, PaymentSource.RECONCILE)  # Mollie's word, not our last copy
    _lock(installment.id)
    if installment.is_paid:
        db.session.rollback()
        raise NothingDue
    latest = latest_attempt(installment)
    if latest is not None and latest.status in (PaymentStatus.PENDING, PaymentStatus.AUTHORIZED):
        db.session.rollback()
        raise PaymentInProgress
    due = amount_due(installment)
    now = utcnow()
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
        # Unique per attempt (a restored database or another site on the same key cannot
        # collide with it), and stored, so a retry of this attempt sends the same key.
        idempotency_key=f"inv-{invoice.id}-{installment.position}-{number}-{secrets.token_hex(6)}",
    )
    attempt.webhook_secret_hash = secret_hash(webhook_secret(attempt))
    db.session.add(attempt)
    db.session.commit()
    return attempt


def _abandon(attempt: PaymentAttempt, reason: str) -> None:
    """Mollie refused the request for good: the next click starts a new attempt and key."""
    _lock(attempt.installment_id)
    if attempt.mollie_id is None and attempt.status is PaymentStatus.CREATED:
        db.session.add(
            PaymentEvent(
                attempt=attempt,
                source=PaymentSource.CREATED,
                old_status=attempt.status,
                new_status=PaymentStatus.FAILED,
                note=f"refused by Mollie: {reason}"[:200],
            )
        )
        attempt.status = PaymentStatus.FAILED
    db.session.commit()


def return_key(attempt: PaymentAttempt) -> str:
    """The secret in the attempt's return address; derived, so a retry sends the same URL.

    The pay link's token is not in it: sending the invoice again makes a new token, and a
    retried create request must not differ from the first (Mollie would refuse the key).
    """
    return _derived(f"payment-return:{attempt.id}:{attempt.idempotency_key}")


def webhook_secret(attempt: PaymentAttempt) -> str:
    """The secret in the attempt's webhook URL: derived from SECRET_KEY, so a retry sends the
    same URL and the database, which keeps only its hash, opens nothing on its own."""
    return _derived(f"payment-webhook:{attempt.idempotency_key}")


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _derived(message: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def attempt_for_return(attempt_id: int, key: str) -> PaymentAttempt | None:
    attempt = db.session.get(PaymentAttempt, attempt_id)
    if attempt is None or not secrets.compare_digest(
        return_key(attempt).encode(), key.encode("utf-8", "replace")
    ):
        return None
    return attempt


def _payment_data(attempt: PaymentAttempt) -> dict[str, Any]:
    """The create request, built only from the attempt, so a retry sends the same body."""
    installment = attempt.installment
    invoice = installment.invoice
    return {
        "amount": {"currency": attempt.currency, "value": f"{attempt.amount:.2f}"},
        "description": f"{current_app.config['STUDIO_NAME']} {invoice.number} "
        f"({installment.position}/{len(invoice.installments)})",
        "redirectUrl": public_url("pay.returned", attempt_id=attempt.id, key=return_key(attempt)),
        "webhookUrl": public_url("pay.webhook", secret=webhook_secret(attempt)),
        "locale": attempt.locale,
        # Only methods paid at once: the site captures nothing (README, "Paying by link").
        "method": list(current_app.config["MOLLIE_METHODS"]),
        "metadata": {
            "invoice": invoice.number,
            "installment": installment.position,
            "attempt": attempt.id,
        },
    }


def sync_payment(attempt: PaymentAttempt, source: PaymentSource) -> PaymentAttempt:
    """Ask Mollie about ``attempt``, then apply the answer under the installment's lock.

    Mollie is asked before the lock is taken, so no lock waits on the network; that is safe
    because a status only moves forward: of two answers applied in turn, an older one
    changes nothing. A payment that does not match the attempt (another id, invoice,
    amount, currency or mode) changes nothing. Raises ``PaymentUnavailable`` when Mollie
    cannot be asked or the lock cannot be had in time; the caller answers so that Mollie
    tries again.
    """
    if attempt.mollie_id is None:
        return attempt
    payment = _ask(mollie.get_payment, attempt.mollie_id)
    key_status.note_accepted()
    _lock(attempt.installment_id)
    problem = payment_mismatch(attempt, payment)
    if problem or payment is None:
        log.warning("Payment attempt %s: ignoring Mollie's answer: %s", attempt.id, problem)
        if payment is not None and payment.get("status") == "paid":
            if _flag(PaymentProblemKind.MISMATCH, attempt, payment, problem):
                record(None, "payment.mismatch", "invoice", attempt.installment.invoice.number)
            db.session.commit()
        else:
            db.session.rollback()
        return attempt
    apply_status(attempt, payment, source)
    _apply_money_back(attempt, payment, source)
    db.session.commit()
    return attempt


def links_revoked(invoice: Invoice) -> bool:
    """Staff shut the invoice's pay links, and sent no new one since."""
    if live_pay_link(invoice) is not None:
        return False
    return bool(db.session.scalar(sa.select(sa.exists().where(PayLink.invoice_id == invoice.id))))


def cancel_open_payments(invoice: Invoice) -> tuple[int, int]:
    """After staff revoked the invoice's links: cancel at Mollie every payment still open,
    so that nobody pays through a checkout begun before. Returns (canceled, left open).

    Mollie cancels bank transfers (open for days) but not iDEAL or card checkouts, which
    expire within minutes; one of those that is paid after all is put on the dashboard.
    """
    attempts = db.session.scalars(
        sa.select(PaymentAttempt)
        .join(Installment, Installment.id == PaymentAttempt.installment_id)
        .where(
            Installment.invoice_id == invoice.id,
            PaymentAttempt.mollie_id.is_not(None),
            PaymentAttempt.status == PaymentStatus.OPEN,
        )
    ).all()
    db.session.commit()
    canceled = 0
    for attempt in attempts:
        try:
            payment = _ask(mollie.cancel_payment, attempt.mollie_id or "")
        except PaymentUnavailable:
            continue
        if payment is None:
            continue
        _lock(attempt.installment_id)
        if payment_mismatch(attempt, payment):
            db.session.rollback()
            continue
        apply_status(attempt, payment, PaymentSource.STAFF)
        canceled += attempt.status is PaymentStatus.CANCELED
        record(None, "payment.canceled", "invoice", invoice.number)
        db.session.commit()
    return canceled, len(attempts) - canceled


def catch_up_money_back(since: datetime) -> tuple[int, int]:
    """Sync the paid payments whose refunds or chargebacks at Mollie differ from ours.

    A lost webhook about a refund or chargeback is never followed by another: Mollie's
    lists of both (made since ``since``) are compared with the rows kept here, and only the
    payments that differ are asked about. Returns (synced, not reachable); raises
    ``PaymentKeyRefused`` or ``PaymentUnavailable`` when the lists cannot be read.
    """
    listed = _ask(mollie.money_back_since, since)
    by_payment: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in listed:
        if isinstance(item.get("paymentId"), str):
            by_payment[item["paymentId"]].append(item)
    attempts = db.session.scalars(
        sa.select(PaymentAttempt)
        .where(
            PaymentAttempt.mollie_id.in_(list(by_payment)),
            PaymentAttempt.status == PaymentStatus.PAID,
        )
        .options(selectinload(PaymentAttempt.refunds), selectinload(PaymentAttempt.chargebacks))
    ).all()
    stale = [a for a in attempts if _differs(a, by_payment[a.mollie_id or ""])]
    db.session.commit()
    synced = failed = 0
    for attempt in stale:
        try:
            sync_payment(attempt, PaymentSource.RECONCILE)
            synced += 1
        except PaymentKeyRefused:
            raise
        except PaymentUnavailable:
            failed += 1
    return synced, failed


def catch_up_replacements(since: datetime) -> tuple[int, int]:
    """Find the payments Mollie made since ``since`` to carry one of our checkouts on whose
    webhook was lost, and sync them. Returns (found, not reachable); raises
    ``PaymentKeyRefused`` or ``PaymentUnavailable`` when the list cannot be read."""
    listed = _ask(mollie.payments_since, since)
    claimed = {
        str(item.get("id")): (item.get("metadata") or {}).get("attempt")
        for item in listed
        if isinstance((item.get("metadata") or {}).get("attempt"), int)
    }
    known = set(
        db.session.scalars(
            sa.select(PaymentAttempt.mollie_id).where(PaymentAttempt.mollie_id.in_(list(claimed)))
        )
    )
    found = failed = 0
    for payment_id, attempt_id in claimed.items():
        if payment_id in known or not REPLACEMENT_ID.fullmatch(payment_id):
            continue
        first = db.session.get(PaymentAttempt, attempt_id)
        if first is None or first.mollie_id is None or first.replaces_attempt_id is not None:
            continue
        try:
            replacement = _adopt_replacement(first, payment_id)
            if replacement is not None:
                sync_payment(replacement, PaymentSource.RECONCILE)
                found += 1
        except PaymentKeyRefused:
            raise
        except PaymentUnavailable:
            failed += 1
    db.session.commit()
    return found, failed


def _differs(attempt: PaymentAttempt, listed: list[dict[str, Any]]) -> bool:
    refunds = {row.mollie_id: row.status for row in attempt.refunds}
    reversed_ = {row.mollie_id: row.reversed_at is not None for row in attempt.chargebacks}
    for item in listed:
        item_id = str(item.get("id"))
        if item.get("resource") == "refund" and refunds.get(item_id) != item.get("status"):
            return True
        if item.get("resource") == "chargeback" and reversed_.get(item_id) != bool(
            item.get("reversedAt")
        ):
            return True
    return False


def attempt_for_webhook(secret: str, payment_id: str) -> PaymentAttempt | None:
    """The attempt whose webhook URL carries ``secret``, if ``payment_id`` is its payment.

    Another id is ignored, unless it is a payment Mollie made to carry the same checkout on
    (some method switches do): that one is accepted once it has been fetched from Mollie
    with our key and its metadata, amount, currency and mode are the first attempt's; it
    is then kept as an attempt of its own (``replaces_attempt_id``).
    """
    attempt = db.session.scalar(
        sa.select(PaymentAttempt).where(PaymentAttempt.webhook_secret_hash == secret_hash(secret))
    )
    if attempt is None or attempt.mollie_id is None:
        return None
    if secrets.compare_digest(attempt.mollie_id.encode(), payment_id.encode()):
        return attempt
    if not REPLACEMENT_ID.fullmatch(payment_id):
        log.warning("Payment attempt %s: webhook for another payment id, ignored", attempt.id)
        return None
    known = db.session.scalar(
        sa.select(PaymentAttempt).where(
            PaymentAttempt.mollie_id == payment_id, PaymentAttempt.replaces_attempt_id == attempt.id
        )
    )
    return known or _adopt_replacement(attempt, payment_id)


# What a Mollie payment id looks like: tr_ and 10 to 22 letters and digits.
REPLACEMENT_ID = re.compile(r"tr_[A-Za-z0-9]{10,22}")


def _adopt_replacement(attempt: PaymentAttempt, payment_id: str) -> PaymentAttempt | None:
    """Keep ``payment_id`` as a new attempt if Mollie says it carries ``attempt`` on."""
    payment = _ask(mollie.get_payment, payment_id)
    problem = payment_mismatch(attempt, payment, payment_id=payment_id)
    if payment is None or problem:
        log.warning("Payment attempt %s: webhook for another payment id, ignored", attempt.id)
        db.session.rollback()
        return None
    _lock(attempt.installment_id)
    number = (
        db.session.scalar(
            sa.select(sa.func.max(PaymentAttempt.number)).where(
                PaymentAttempt.installment_id == attempt.installment_id
            )
        )
        or 0
    ) + 1
    replacement = PaymentAttempt(
        installment_id=attempt.installment_id,
        number=number,
        amount=attempt.amount,
        currency=attempt.currency,
        locale=attempt.locale,
        idempotency_key=f"{attempt.idempotency_key}-{payment_id}"[:64],
        mollie_id=payment_id,
        replaces_attempt_id=attempt.id,
        status=PaymentStatus.CREATED,
    )
    replacement.webhook_secret_hash = secret_hash(webhook_secret(replacement))
    db.session.add(replacement)
    try:
        db.session.commit()
    except IntegrityError:  # the same webhook, twice at once: the other one kept it
        db.session.rollback()
        return db.session.scalar(
            sa.select(PaymentAttempt).where(PaymentAttempt.mollie_id == payment_id)
        )
    log.info("Payment attempt %s: carried on by Mollie as %s", attempt.id, replacement.id)
    return replacement


def payment_mismatch(
    attempt: PaymentAttempt, payment: dict[str, Any] | None, payment_id: str | None = None
) -> str | None:
    """What in Mollie's ``payment`` does not belong to ``attempt`` (None: all of it does).

    ``payment_id`` is the id to expect instead of the attempt's own: a create's answer (which
    a replayed idempotency key could have taken from another request), or a payment that
    claims to carry the attempt on.
    """
    if payment is None:
        return "Mollie does not know the payment"
    installment = attempt.installment
    metadata = payment.get("metadata") or {}
    amount = payment.get("amount") or {}
    checks = {
        "id": payment.get("id") is not None
        and payment.get("id") == (payment_id or attempt.mollie_id),
        "invoice": metadata.get("invoice") == installment.invoice.number,
        "installment": metadata.get("installment") == installment.position,
        "attempt": metadata.get("attempt") == (attempt.replaces_attempt_id or attempt.id),
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
    attempt.status_url = (
        payment.get("_links", {}).get("status", {}).get("href") or attempt.status_url
    )
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
        if source is not PaymentSource.STAFF and links_revoked(attempt.installment.invoice):
            _flag(PaymentProblemKind.PAID_AFTER_REVOKE, attempt, payment, None)
            note = note or "paid after the pay links were revoked"
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


def _apply_money_back(
    attempt: PaymentAttempt, payment: dict[str, Any], source: PaymentSource
) -> None:
    """Refunds and chargebacks leave the status ``paid``; Mollie's lists of them (embedded
    in the payment) say what went back, and the totals follow them both ways.

    Each refund and chargeback is a row with its status as Mollie last gave it: a refund
    that fails or is canceled, or a chargeback the bank reverses, gives the money back. A
    refund is recorded for staff (they make it, as a correction). A chargeback takes the
    money back, so the installment is open again; its reversal settles it again.
    """
    if attempt.status is not PaymentStatus.PAID:
        return
    embedded = payment.get("_embedded") or {}
    now = utcnow()
    _apply_refunds(attempt, embedded.get("refunds") or [], source, now)
    _apply_chargebacks(attempt, embedded.get("chargebacks") or [], source, now)
    invoice = attempt.installment.invoice
    refunded = sum((row.amount for row in attempt.refunds if row.counts), Decimal("0.00"))
    if refunded != attempt.amount_refunded:
        attempt.amount_refunded = refunded
        _money_event(attempt, source, f"refunded {refunded:.2f} in all")
        record(None, "payment.refunded", "invoice", invoice.number)
    charged_back = sum(
        (row.amount for row in attempt.chargebacks if row.reversed_at is None), Decimal("0.00")
    )
    if charged_back == attempt.amount_charged_back:
        return
    more = charged_back > attempt.amount_charged_back
    attempt.amount_charged_back = charged_back
    db.session.flush()
    installment = attempt.installment
    if more:
        _money_event(attempt, source, f"charged back {charged_back:.2f} in all: payment reopened")
        record(None, "payment.charged_back", "invoice", invoice.number)
        if installment.is_paid and amount_paid(installment) < installment.amount:
            installment.paid_at = None
            invoice.status = InvoiceStatus.ISSUED
            invoice.paid_at = None
        return
    _money_event(attempt, source, f"chargeback reversed: charged back {charged_back:.2f} in all")
    record(None, "payment.chargeback_reversed", "invoice", invoice.number)
    if not installment.is_paid and amount_paid(installment) >= installment.amount:
        installment.paid_at = now
        if all(part.is_paid for part in invoice.installments):
            invoice.status = InvoiceStatus.PAID
            invoice.paid_at = now


def _apply_refunds(
    attempt: PaymentAttempt, listed: list[Any], source: PaymentSource, now: datetime
) -> None:
    """Keep a row per refund Mollie lists, with its latest status."""
    known = {row.mollie_id: row for row in attempt.refunds}
    for item in listed:
        refund_id, status = item.get("id"), item.get("status")
        if not isinstance(refund_id, str) or not isinstance(status, str):
            continue
        row = known.get(refund_id)
        if row is None:
            amount = _money(item.get("amount"))
            attempt.refunds.append(
                PaymentRefund(
                    mollie_id=refund_id,
                    amount=amount,
                    status=status,
                    created_at=_timestamp(item.get("createdAt")) or now,
                    updated_at=now,
                )
            )
            _money_event(attempt, source, f"refund {refund_id} of {amount:.2f}: {status}")
        elif row.status != status:
            _money_event(attempt, source, f"refund {refund_id}: {row.status} -> {status}")
            row.status, row.updated_at = status, now


def _apply_chargebacks(
    attempt: PaymentAttempt, listed: list[Any], source: PaymentSource, now: datetime
) -> None:
    """Keep a row per chargeback Mollie lists, and when it was reversed."""
    known = {row.mollie_id: row for row in attempt.chargebacks}
    for item in listed:
        chargeback_id = item.get("id")
        if not isinstance(chargeback_id, str):
            continue
        reversed_at = _timestamp(item.get("reversedAt"))
        row = known.get(chargeback_id)
        if row is None:
            attempt.chargebacks.append(
                PaymentChargeback(
                    mollie_id=chargeback_id,
                    amount=_money(item.get("amount")),
                    created_at=_timestamp(item.get("createdAt")) or now,
                    reversed_at=reversed_at,
                )
            )
        elif row.reversed_at is None and reversed_at is not None:
            row.reversed_at = reversed_at


def _money_event(attempt: PaymentAttempt, source: PaymentSource, note: str) -> None:
    db.session.add(
        PaymentEvent(
            attempt=attempt,
            source=source,
            old_status=PaymentStatus.PAID,
            new_status=PaymentStatus.PAID,
            mollie_status="paid",
            note=note,
        )
    )


def _money(amount: dict[str, Any] | None) -> Decimal:
    """A Mollie amount (EUR) as Decimal; anything unreadable counts as zero."""
    try:
        if amount and amount.get("currency") == "EUR":
            value = Decimal(str(amount.get("value")))
            if value.is_finite():
                return value
    except (ArithmeticError, AttributeError, ValueError):
        pass
    return Decimal("0.00")


def _settle(installment: Installment, attempt: PaymentAttempt) -> str | None:
    """Mark the installment (and perhaps the invoice) paid; a second payment is flagged."""
    db.session.flush()
    if installment.is_paid:
        record(None, "payment.paid_twice", "invoice", installment.invoice.number)
        _flag(PaymentProblemKind.PAID_TWICE, attempt, None, None)
        return PAID_TWICE_NOTE
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
    mail_client(
        invoice,
        "payments/receipt",
        _l("Payment received for invoice %(number)s", number=invoice.number),
        installment=installment,
        attempt=attempt,
    )


def record_bank_transfer(installment: Installment, staff_id: int) -> PaymentAttempt:
    """Staff saw the money for ``installment`` arrive by bank transfer: settle it."""
    _lock(installment.id)
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
        amount=amount_due(installment),
        currency="EUR",
        status=PaymentStatus.CREATED,
        locale="nl_NL",
        idempotency_key=f"transfer-{installment.invoice.id}-{installment.position}-{number}",
        method="banktransfer",
    )
    attempt.webhook_secret_hash = secret_hash(webhook_secret(attempt))
    db.session.add(attempt)
    apply_status(attempt, {"status": "paid", "method": "banktransfer"}, PaymentSource.STAFF)
    record(staff_id, "payment.bank_transfer", "invoice", installment.invoice.number)
    db.session.commit()
    return attempt


def _lock(installment_id: int) -> None:
    """Hold the installment until the transaction ends, so syncs of it take turns; what the
    session had loaded is read again afterwards (``lock_row``)."""
    try:
        lock_row(Installment, installment_id)
    except OperationalError as error:
        raise PaymentUnavailable("The installment is busy.") from error


def _timestamp(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value).astimezone(UTC)


def payments_received(limit: int) -> list[PaymentEvent]:
    """Attempts that became paid, newest first; not the refunds and chargebacks that follow."""
    became_paid = sa.and_(
        PaymentEvent.new_status == PaymentStatus.PAID,
        sa.or_(PaymentEvent.old_status.is_(None), PaymentEvent.old_status != PaymentStatus.PAID),
    )
    return _payment_events(became_paid, limit)


def _payment_events(condition: sa.ColumnElement[bool], limit: int) -> list[PaymentEvent]:
    """The newest events that match, each with its attempt, installment and invoice (1 query)."""
    return list(
        db.session.scalars(
            sa.select(PaymentEvent)
            .where(condition)
            .options(
                joinedload(PaymentEvent.attempt)
                .joinedload(PaymentAttempt.installment)
                .joinedload(Installment.invoice)
            )
            .order_by(PaymentEvent.created_at.desc(), PaymentEvent.id.desc())
            .limit(limit)
        )
    )


def _flag(
    kind: PaymentProblemKind,
    attempt: PaymentAttempt,
    payment: dict[str, Any] | None,
    detail: str | None,
) -> bool:
    """Put a payment on the dashboard for staff to resolve; False if it already is."""
    amount = payment.get("amount") if payment else None
    return insert_unless_present(
        PaymentProblem,
        "key",
        key=f"{kind.value}:{attempt.id}",
        kind=kind,
        attempt_id=attempt.id,
        mollie_id=(payment or {}).get("id") or attempt.mollie_id,
        amount=_money(amount) if amount else attempt.amount,
        detail=detail[:200] if detail else None,
        created_at=utcnow(),
    )


def open_problems(limit: int) -> list[PaymentProblem]:
    """Payments staff have still to resolve, oldest first, with their invoices (1 query)."""
    return list(
        db.session.scalars(
            sa.select(PaymentProblem)
            .where(PaymentProblem.resolved_at.is_(None))
            .options(
                joinedload(PaymentProblem.attempt)
                .joinedload(PaymentAttempt.installment)
                .joinedload(Installment.invoice)
            )
            .order_by(PaymentProblem.created_at, PaymentProblem.id)
            .limit(limit)
        )
    )


def resolve_problem(problem_id: int, staff_id: int) -> bool:
    """Mark a problem resolved (committed); False if it was not open."""
    resolved = changed_rows(
        sa.update(PaymentProblem)
        .where(PaymentProblem.id == problem_id, PaymentProblem.resolved_at.is_(None))
        .values(resolved_at=utcnow(), resolved_by_id=staff_id)
    )
    if resolved:
        record(staff_id, "payment.problem_resolved", "payment_problem", str(problem_id))
    db.session.commit()
    return bool(resolved)
