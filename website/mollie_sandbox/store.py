"""The sandbox's state: payments, refunds and chargebacks in memory, and its clock.

Every change goes through ``Store`` while holding ``Store.lock`` (the server is threaded and
the webhook dispatcher runs beside it). The rules here are Mollie's (docs/mollie.md: §4
statuses, §9 refunds, §10 chargebacks); a broken rule raises ``SandboxError``, which the API
turns into Mollie's error body. Webhooks are not sent from here: ``notify(payment_id, url)`` is
called and the dispatcher takes it from there.
"""

from __future__ import annotations

import secrets
import string
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from website.mollie_sandbox import methods
from website.mollie_sandbox.methods import Money

PAYMENT_STATUSES = ("open", "pending", "authorized", "paid", "canceled", "expired", "failed")
FINAL_STATUSES = frozenset({"paid", "canceled", "expired", "failed"})
# Statuses a payment may move to from each non-final status (docs/mollie.md §4).
TRANSITIONS: dict[str, frozenset[str]] = {
    "open": frozenset({"pending", "authorized", "paid", "canceled", "expired", "failed"}),
    "pending": frozenset({"paid", "authorized", "failed"}),
    "authorized": frozenset({"paid", "canceled", "expired"}),
}
WEBHOOK_STATUSES = frozenset({"authorized", "paid", "canceled", "expired", "failed"})
TIMESTAMP_FIELDS = {
    "authorized": "authorizedAt",
    "paid": "paidAt",
    "canceled": "canceledAt",
    "expired": "expiredAt",
    "failed": "failedAt",
}

REFUND_TRANSITIONS: dict[str, frozenset[str]] = {
    "queued": frozenset({"pending", "canceled"}),
    "pending": frozenset({"processing", "refunded", "failed", "canceled"}),
    "processing": frozenset({"refunded", "failed"}),
}
REFUND_STATUSES = ("queued", "pending", "processing", "refunded", "failed", "canceled")
REFUND_WEBHOOK_STATUSES = frozenset({"processing", "refunded", "failed", "canceled"})
# Refunds whose money is gone (or going) from the payment; failed/canceled ones give it back.
ACTIVE_REFUND_STATUSES = frozenset({"queued", "pending", "processing", "refunded"})
DUPLICATE_REFUND_WINDOW = timedelta(hours=1)

BASE62 = string.ascii_letters + string.digits


def new_id(prefix: str, length: int = 22) -> str:
    """``tr_`` + 22 base62 characters, as Mollie's current ids (older ones have 10)."""
    return prefix + "".join(secrets.choice(BASE62) for _ in range(length))


def iso(moment: datetime) -> str:
    return moment.isoformat()


class SandboxError(Exception):
    """A request Mollie would refuse: becomes ``{"status", "title", "detail", "field"}``."""

    def __init__(self, status: int, detail: str, field: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.field = field


class Clock:
    """The wall clock plus an offset that tests (and developers) move forward.

    The wall clock is the site's own (``website.clock``), so a test run moved to another
    moment moves Mollie with it, as the real world would be.

    Whole seconds, like Mollie's timestamps. A frozen clock stands still until it is
    advanced or reset, so a test can stand exactly one second before a deadline.
    """

    def __init__(self, wall: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._wall = wall
        self._offset = timedelta(0)
        self._frozen_at: datetime | None = None
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            if self._frozen_at is not None:
                return self._frozen_at.replace(microsecond=0)
            offset = self._offset
        return (self._wall() + offset).replace(microsecond=0)

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += timedelta(seconds=seconds)
            if self._frozen_at is not None:
                self._frozen_at += timedelta(seconds=seconds)

    def freeze(self) -> None:
        now = self.now()
        with self._lock:
            self._frozen_at = now

    def reset(self) -> None:
        with self._lock:
            self._offset = timedelta(0)
            self._frozen_at = None


@dataclass
class Payment:
    id: str
    mode: str
    created_at: datetime
    amount: Money
    description: str
    redirect_url: str | None
    cancel_url: str | None
    webhook_url: str | None
    metadata: Any
    locale: str | None
    method: str | None
    offered_methods: tuple[str, ...]  # what the checkout may offer; empty means all
    expires_at: datetime | None
    due_date: date | None = None
    status: str = "open"
    timestamps: dict[str, datetime] = field(default_factory=dict)  # "paidAt" -> when
    details: dict[str, Any] | None = None
    refund_ids: list[str] = field(default_factory=list)
    chargeback_ids: list[str] = field(default_factory=list)


@dataclass
class Refund:
    id: str
    mode: str
    payment_id: str
    created_at: datetime
    amount: Money
    description: str
    metadata: Any
    status: str = "pending"


@dataclass
class Chargeback:
    id: str
    mode: str
    payment_id: str
    created_at: datetime
    amount: Money
    reason: dict[str, str]
    reversed_at: datetime | None = None  # the bank gave the money back to the merchant


@dataclass(frozen=True)
class NewPayment:
    """A validated create request (see ``validation.new_payment``)."""

    amount: Money
    description: str
    redirect_url: str | None
    cancel_url: str | None
    webhook_url: str | None
    metadata: Any
    locale: str | None
    method: str | None
    offered_methods: tuple[str, ...]
    due_date: date | None


Notify = Callable[[str, str], None]


class Store:
    """All resources, keyed by id in creation order; use under ``with store.lock``."""

    def __init__(self, clock: Clock, notify: Notify) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self._notify = notify
        self.profile_id = new_id("pfl_", 10)
        self.payments: dict[str, Payment] = {}
        self.refunds: dict[str, Refund] = {}
        self.chargebacks: dict[str, Chargeback] = {}

    def reset(self) -> None:
        with self.lock:
            self.payments.clear()
            self.refunds.clear()
            self.chargebacks.clear()

    # Payments ------------------------------------------------------------------------

    def create_payment(self, new: NewPayment, mode: str) -> Payment:
        with self.lock:
            now = self.clock.now()
            payment = Payment(
                id=new_id("tr_"),
                mode=mode,
                created_at=now,
                amount=new.amount,
                description=new.description,
                redirect_url=new.redirect_url,
                cancel_url=new.cancel_url,
                webhook_url=new.webhook_url,
                metadata=new.metadata,
                locale=new.locale,
                method=new.method,
                offered_methods=new.offered_methods,
                expires_at=None,
                due_date=new.due_date,
            )
            self._choose_method(payment, new.method)
            self.payments[payment.id] = payment
            return payment

    def replace_payment(self, payment: Payment, method: str | None) -> Payment:
        """What Mollie does in some method switches (payOnline from a bank transfer): the
        same checkout goes on as a new payment, with a new id and the same amount,
        description, metadata and webhook. The old one stays as it is, until it expires."""
        with self.lock:
            if payment.status != "open":
                raise SandboxError(409, f"A payment with status {payment.status} goes on as is.")
            replacement = Payment(
                id=new_id("tr_"),
                mode=payment.mode,
                created_at=self.clock.now(),
                amount=payment.amount,
                description=payment.description,
                redirect_url=payment.redirect_url,
                cancel_url=payment.cancel_url,
                webhook_url=payment.webhook_url,
                metadata=payment.metadata,
                locale=payment.locale,
                method=None,
                offered_methods=payment.offered_methods,
                expires_at=None,
                due_date=payment.due_date,
            )
            self._choose_method(replacement, method)
            self.payments[replacement.id] = replacement
            return replacement

    def payment(self, payment_id: str, mode: str | None = None) -> Payment:
        """The payment, or Mollie's 404; a test key never sees live payments, and back."""
        with self.lock:
            payment = self.payments.get(payment_id)
            if payment is None or (mode is not None and payment.mode != mode):
                raise SandboxError(404, f"No payment exists with token {payment_id}.")
            return payment

    def choose_method(self, payment: Payment, method: str) -> None:
        """The customer picked ``method`` on the checkout page."""
        with self.lock:
            if payment.method is None:
                self._choose_method(payment, method)

    def _choose_method(self, payment: Payment, method: str | None) -> None:
        payment.method = method
        now = self.clock.now()
        if method == "banktransfer":
            # Mollie hands out the account and reference as soon as bank transfer is chosen.
            payment.details = methods.bank_transfer_details()
            payment.expires_at = bank_transfer_expiry(now, payment.due_date)
        elif method is None:
            payment.expires_at = payment.created_at + methods.UNCHOSEN_EXPIRY
        else:
            payment.expires_at = now + methods.METHODS[method].expires_after

    def set_due_date(self, payment: Payment, due_date: date) -> None:
        with self.lock:
            payment.due_date = due_date
            payment.expires_at = bank_transfer_expiry(self.clock.now(), due_date)

    def is_cancelable(self, payment: Payment) -> bool:
        """Bank transfers while open, and holds (``authorized``); never iDEAL or cards.

        Mollie: "some methods can be canceled ... until the next business day".
        """
        if payment.status == "authorized":
            return True
        return payment.status == "open" and payment.method == "banktransfer"

    def cancel(self, payment: Payment) -> None:
        with self.lock:
            if not self.is_cancelable(payment):
                raise SandboxError(
                    422, f"The payment has status {payment.status} and cannot be canceled."
                )
            self.set_status(payment, "canceled")

    def set_status(self, payment: Payment, status: str) -> None:
        """Move along docs/mollie.md §4; final statuses never change (409 otherwise)."""
        if status not in PAYMENT_STATUSES:
            raise SandboxError(422, f"Unknown payment status {status!r}.", "status")
        with self.lock:
            if status not in TRANSITIONS.get(payment.status, frozenset()):
                raise SandboxError(
                    409, f"A payment cannot go from status {payment.status} to {status}."
                )
            now = self.clock.now()
            payment.status = status
            if status in TIMESTAMP_FIELDS:
                payment.timestamps[TIMESTAMP_FIELDS[status]] = now
            if status in ("paid", "authorized", "pending") and payment.method is None:
                self._choose_method(payment, (payment.offered_methods or ("ideal",))[0])
            if status == "authorized":
                payment.expires_at = now + methods.AUTHORIZATION_EXPIRY
            if status == "paid" and payment.method == "ideal":
                payment.details = {
                    "consumerName": "T. TEST",
                    "consumerAccount": "NL72RABO0110438885",
                    "consumerBic": "RABONL2U",
                }
            if status == "failed" and payment.method == "creditcard":
                payment.details = {**(payment.details or {}), "failureReason": "card_declined"}
            if status in WEBHOOK_STATUSES:
                self._webhook(payment)

    def expire_due(self) -> list[str]:
        """Expire open and authorized payments whose ``expiresAt`` has passed."""
        with self.lock:
            now = self.clock.now()
            due = [
                payment
                for payment in self.payments.values()
                if payment.status in ("open", "authorized")
                and payment.expires_at is not None
                and payment.expires_at <= now
            ]
            for payment in due:
                self.set_status(payment, "expired")
            return [payment.id for payment in due]

    def update(self, payment: Payment, changes: dict[str, Any]) -> None:
        """Apply a validated PATCH (``validation.payment_changes``)."""
        with self.lock:
            if payment.status != "open":
                raise SandboxError(
                    422, f"The payment has status {payment.status} and can no longer be updated."
                )
            if "dueDate" in changes:
                if payment.method != "banktransfer":
                    raise SandboxError(
                        422, "A due date can only be set for bank transfer payments.", "dueDate"
                    )
                self.set_due_date(payment, changes.pop("dueDate"))
            for key, attribute in (
                ("description", "description"),
                ("redirectUrl", "redirect_url"),
                ("cancelUrl", "cancel_url"),
                ("webhookUrl", "webhook_url"),
                ("metadata", "metadata"),
                ("locale", "locale"),
            ):
                if key in changes:
                    setattr(payment, attribute, changes[key])

    # Amounts -------------------------------------------------------------------------

    def amount_refunded(self, payment: Payment) -> Decimal:
        return sum(
            (
                self.refunds[rid].amount.decimal
                for rid in payment.refund_ids
                if self.refunds[rid].status in ACTIVE_REFUND_STATUSES
            ),
            Decimal(0),
        )

    def amount_charged_back(self, payment: Payment) -> Decimal:
        """What chargebacks took and kept: a reversed one gave its money back."""
        return sum(
            (
                self.chargebacks[cid].amount.decimal
                for cid in payment.chargeback_ids
                if self.chargebacks[cid].reversed_at is None
            ),
            Decimal(0),
        )

    def amount_remaining(self, payment: Payment) -> Decimal:
        """What can still be refunded: charged-back money cannot be refunded again."""
        refunded = self.amount_refunded(payment)
        return payment.amount.decimal - refunded - self.amount_charged_back(payment)

    # Refunds -------------------------------------------------------------------------

    def create_refund(
        self, payment: Payment, amount: Money, description: str, metadata: Any
    ) -> Refund:
        """docs/mollie.md §9: paid only, at most ``amountRemaining``, no same amount within 1 h."""
        with self.lock:
            if payment.status != "paid":
                raise SandboxError(
                    422, f"The payment has status {payment.status} and cannot be refunded."
                )
            if amount.currency != payment.amount.currency:
                raise SandboxError(
                    422,
                    "The currency of the refund must be the same as that of the payment.",
                    "amount.currency",
                )
            if amount.decimal > self.amount_remaining(payment):
                raise SandboxError(
                    422,
                    "The amount is higher than the amount that can be refunded (amountRemaining).",
                    "amount.value",
                )
            now = self.clock.now()
            for rid in payment.refund_ids:
                earlier = self.refunds[rid]
                if (
                    earlier.amount.decimal == amount.decimal
                    and earlier.status in ACTIVE_REFUND_STATUSES
                    and now - earlier.created_at < DUPLICATE_REFUND_WINDOW
                ):
                    # Mollie answers 409 here, not 422 (its create-payment-refund docs).
                    raise SandboxError(409, "A duplicate refund has been detected")
            refund = Refund(
                id=new_id("re_"),
                mode=payment.mode,
                payment_id=payment.id,
                created_at=now,
                amount=amount,
                description=description,
                metadata=metadata,
            )
            self.refunds[refund.id] = refund
            payment.refund_ids.append(refund.id)
            return refund

    def refund(self, payment: Payment, refund_id: str) -> Refund:
        with self.lock:
            refund = self.refunds.get(refund_id)
            if refund is None or refund.payment_id != payment.id:
                raise SandboxError(404, f"No refund exists with token {refund_id}.")
            return refund

    def cancel_refund(self, refund: Refund) -> None:
        with self.lock:
            if refund.status not in ("queued", "pending"):
                raise SandboxError(
                    422, f"The refund has status {refund.status} and cannot be canceled."
                )
            self.set_refund_status(refund, "canceled")

    def set_refund_status(self, refund: Refund, status: str) -> None:
        if status not in REFUND_STATUSES:
            raise SandboxError(422, f"Unknown refund status {status!r}.", "status")
        with self.lock:
            if status not in REFUND_TRANSITIONS.get(refund.status, frozenset()):
                raise SandboxError(
                    409, f"A refund cannot go from status {refund.status} to {status}."
                )
            refund.status = status
            if status in REFUND_WEBHOOK_STATUSES:
                self._webhook(self.payments[refund.payment_id])

    # Chargebacks ---------------------------------------------------------------------

    def create_chargeback(
        self, payment: Payment, amount: Money | None, reason: dict[str, str] | None
    ) -> Chargeback:
        """What a customer's bank does: only paid payments, at most what is left."""
        with self.lock:
            if payment.status != "paid":
                raise SandboxError(409, f"A payment with status {payment.status} has no money.")
            remaining = payment.amount.decimal - self.amount_charged_back(payment)
            amount = amount or Money.of(payment.amount.currency, remaining)
            if amount.currency != payment.amount.currency or not (
                Decimal(0) < amount.decimal <= remaining
            ):
                raise SandboxError(422, "The chargeback amount is invalid.", "amount")
            chargeback = Chargeback(
                id=new_id("chb_"),
                mode=payment.mode,
                payment_id=payment.id,
                created_at=self.clock.now(),
                amount=amount,
                reason=reason or {"code": "AC01", "description": "Account identifier incorrect"},
            )
            self.chargebacks[chargeback.id] = chargeback
            payment.chargeback_ids.append(chargeback.id)
            self._webhook(payment)
            return chargeback

    def chargeback(self, payment: Payment, chargeback_id: str) -> Chargeback:
        with self.lock:
            chargeback = self.chargebacks.get(chargeback_id)
            if chargeback is None or chargeback.payment_id != payment.id:
                raise SandboxError(404, f"No chargeback exists with token {chargeback_id}.")
            return chargeback

    def reverse_chargeback(self, chargeback: Chargeback) -> None:
        """The customer's bank withdraws the chargeback: ``reversedAt`` is set, and the
        merchant is told as for the chargeback itself."""
        with self.lock:
            if chargeback.reversed_at is not None:
                raise SandboxError(409, "The chargeback is already reversed.")
            chargeback.reversed_at = self.clock.now()
            self._webhook(self.payments[chargeback.payment_id])

    def _webhook(self, payment: Payment) -> None:
        if payment.webhook_url:
            self._notify(payment.id, payment.webhook_url)


def bank_transfer_expiry(now: datetime, due_date: date | None) -> datetime:
    """``dueDate`` (end of that day, UTC), else 12 days, + 2 if that is a weekend day."""
    if due_date is not None:
        return datetime.combine(due_date + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    expires = now + methods.METHODS["banktransfer"].expires_after
    return expires + timedelta(days=2) if expires.weekday() >= 5 else expires
