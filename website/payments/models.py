"""Payment attempts at Mollie for an installment, and every change of their status."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from website.clock import utcnow
from website.extensions import Model
from website.invoices.models import Installment
from website.labels import Labelled, set_labels


class PaymentStatus(Labelled):
    """Mollie's payment statuses, plus ``created``: stored here, not yet known to Mollie."""

    CREATED = "created"
    OPEN = "open"
    PENDING = "pending"
    AUTHORIZED = "authorized"
    PAID = "paid"
    FAILED = "failed"
    CANCELED = "canceled"
    EXPIRED = "expired"

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATUSES


FINAL_STATUSES = frozenset(
    {PaymentStatus.PAID, PaymentStatus.FAILED, PaymentStatus.CANCELED, PaymentStatus.EXPIRED}
)


class PaymentSource(Labelled):
    """Who told us about a status: our own request, Mollie's webhook, the return page..."""

    CREATED = "created"
    WEBHOOK = "webhook"
    RETURN = "return"
    RECONCILE = "reconcile"
    STAFF = "staff"


set_labels(
    {
        PaymentStatus.CREATED: _l("Being created"),
        PaymentStatus.OPEN: _l("Open"),
        PaymentStatus.PENDING: _l("Pending"),
        PaymentStatus.AUTHORIZED: _l("Authorised"),
        PaymentStatus.PAID: _l("Paid"),
        PaymentStatus.FAILED: _l("Failed"),
        PaymentStatus.CANCELED: _l("Cancelled"),
        PaymentStatus.EXPIRED: _l("Expired"),
    }
)
# A second call: PaymentSource.CREATED equals PaymentStatus.CREATED as a dictionary key.
set_labels(
    {
        PaymentSource.CREATED: _l("created by the pay button"),
        PaymentSource.WEBHOOK: _l("Mollie webhook"),
        PaymentSource.RETURN: _l("client returned from Mollie"),
        PaymentSource.RECONCILE: _l("reconciliation"),
        PaymentSource.STAFF: _l("by staff"),
    }
)


# Mollie's method ids (and ours for a transfer staff recorded), as people know them.
METHOD_NAMES = {
    "banktransfer": _l("Bank transfer"),
    "creditcard": _l("Card"),
    "bancontact": "Bancontact",
    "ideal": "iDEAL",
    "paypal": "PayPal",
    "applepay": "Apple Pay",
}


def method_name(method: str | None) -> str:
    """How a payment was made, e.g. "iDEAL"; a dash before the client chose."""
    return str(METHOD_NAMES.get(method, method)) if method else "–"


class PaymentAttempt(Model):
    """One Mollie payment for one installment, or a bank transfer staff recorded.

    The row exists before Mollie is asked, so a click that failed half-way is retried with
    the same idempotency key and the same webhook secret, and Mollie answers with the payment
    it may already have made instead of a second one.
    """

    __tablename__ = "payment_attempt"
    __table_args__ = (sa.UniqueConstraint("installment_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    installment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("invoice_installment.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]  # 1, 2, ... per installment
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")
    locale: Mapped[str] = mapped_column(sa.String(5))
    idempotency_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # The hash of the secret in the webhook URL (a webhook for this attempt must know it);
    # the secret itself is derived from SECRET_KEY (``services.webhook_secret``), never stored.
    webhook_secret_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    mollie_id: Mapped[str | None] = mapped_column(sa.String(40), unique=True)
    # Set when Mollie carried the checkout of that attempt on under a new payment id (some
    # method switches do): this attempt is that payment, found through the first one's
    # webhook, whose metadata it carries.
    replaces_attempt_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("payment_attempt.id", ondelete="CASCADE")
    )
    status: Mapped[PaymentStatus] = mapped_column(default=PaymentStatus.CREATED)
    method: Mapped[str | None] = mapped_column(sa.String(30))
    checkout_url: Mapped[str | None] = mapped_column(sa.Text)
    # A bank transfer's status page at Mollie (``_links.status``): the details to transfer to.
    status_url: Mapped[str | None] = mapped_column(sa.Text)
    expires_at: Mapped[datetime | None]
    paid_at: Mapped[datetime | None]
    # What went back after payment, as Mollie last reported it (the status stays paid).
    amount_refunded: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    amount_charged_back: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    installment: Mapped[Installment] = relationship()
    events: Mapped[list[PaymentEvent]] = relationship(
        back_populates="attempt", order_by="PaymentEvent.id", cascade="all, delete-orphan"
    )
    refunds: Mapped[list[PaymentRefund]] = relationship(
        order_by="PaymentRefund.id", cascade="all, delete-orphan"
    )
    chargebacks: Mapped[list[PaymentChargeback]] = relationship(
        order_by="PaymentChargeback.id", cascade="all, delete-orphan"
    )


class PaymentEvent(Model):
    """A change of an attempt's status, with Mollie's own word for it; never changed."""

    __tablename__ = "payment_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(
        sa.ForeignKey("payment_attempt.id", ondelete="CASCADE"), index=True
    )
    source: Mapped[PaymentSource]
    old_status: Mapped[PaymentStatus | None]
    new_status: Mapped[PaymentStatus]
    mollie_status: Mapped[str | None] = mapped_column(sa.String(20))
    note: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    attempt: Mapped[PaymentAttempt] = relationship(back_populates="events")


class PaymentRefund(Model):
    """A refund of a payment as Mollie last reported it; the attempt's refunded total
    counts the ones whose money went, or is going, back (not failed or canceled)."""

    __tablename__ = "payment_refund"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(
        sa.ForeignKey("payment_attempt.id", ondelete="CASCADE"), index=True
    )
    mollie_id: Mapped[str] = mapped_column(sa.String(40), unique=True)
    amount: Mapped[Decimal]
    status: Mapped[str] = mapped_column(sa.String(20))  # queued … refunded, failed, canceled
    created_at: Mapped[datetime]  # at Mollie
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def counts(self) -> bool:
        return self.status in REFUND_STATUSES_THAT_COUNT


REFUND_STATUSES_THAT_COUNT = frozenset({"queued", "pending", "processing", "refunded"})


class PaymentChargeback(Model):
    """A chargeback by the client's bank; one that is reversed gave the money back."""

    __tablename__ = "payment_chargeback"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(
        sa.ForeignKey("payment_attempt.id", ondelete="CASCADE"), index=True
    )
    mollie_id: Mapped[str] = mapped_column(sa.String(40), unique=True)
    amount: Mapped[Decimal]
    created_at: Mapped[datetime]  # at Mollie
    reversed_at: Mapped[datetime | None]


class MollieKeyStatus(Model):
    """Whether Mollie refuses the site's API key: one row, kept to say so to staff.

    ``refused_since`` is set when Mollie first answers 401 or 403 and cleared by the next
    answer it gives; while it is set, no payment can start and no status arrives.
    """

    __tablename__ = "mollie_key_status"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    refused_since: Mapped[datetime | None]
    last_refused_at: Mapped[datetime | None]
    http_status: Mapped[int | None]


class PaymentProblemKind(Labelled):
    """Money that came in and needs a person: to give back, or to look into."""

    PAID_TWICE = "paid_twice"  # a part already paid was paid again
    MISMATCH = "mismatch"  # Mollie says paid, but the payment is not the one we asked for
    PAID_AFTER_REVOKE = "paid_after_revoke"  # paid through a checkout begun before the
    # invoice's links were revoked (and that Mollie would not cancel)


set_labels(
    {
        PaymentProblemKind.PAID_TWICE: _l("Paid twice: refund or credit the extra payment"),
        PaymentProblemKind.MISMATCH: _l(
            "Paid, but not as asked: check it at Mollie and refund or book it by hand"
        ),
        PaymentProblemKind.PAID_AFTER_REVOKE: _l(
            "Paid after the invoice's pay links were revoked: refund it, unless it may stay"
        ),
    }
)


class PaymentProblem(Model):
    """One payment staff must resolve, shown on the dashboard until they say it is."""

    __tablename__ = "payment_problem"

    id: Mapped[int] = mapped_column(primary_key=True)
    # "<kind>:<attempt id>": the same payment reported again (a retried webhook, the
    # hourly reconcile) is one problem.
    key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    kind: Mapped[PaymentProblemKind]
    attempt_id: Mapped[int] = mapped_column(
        sa.ForeignKey("payment_attempt.id", ondelete="CASCADE"), index=True
    )
    mollie_id: Mapped[str | None] = mapped_column(sa.String(40))
    amount: Mapped[Decimal | None]  # as Mollie reported it (EUR)
    detail: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("staff_member.id", ondelete="SET NULL")
    )

    attempt: Mapped[PaymentAttempt] = relationship()
