"""Invoices, their lines and their payment schedule; numbered gaplessly per year."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy.orm import InstanceState, Mapped, mapped_column, relationship

from website.clients.models import Client
from website.clock import utcnow
from website.extensions import Model
from website.labels import Labelled, set_labels
from website.money import cents

VAT_RATES = (Decimal("21"), Decimal("9"), Decimal("0"))


class InvoiceStatus(Labelled):
    DRAFT = "draft"
    ISSUED = "issued"
    PAID = "paid"


class InstallmentKind(Labelled):
    DEPOSIT = "deposit"
    BALANCE = "balance"
    SINGLE = "single"


class ZeroRateReason(Labelled):
    """Why a line carries 0% VAT; the invoice must say so (art. 35a Wet OB)."""

    REVERSE_CHARGE = "reverse_charge"  # a business client in another EU country
    EXPORT = "export"  # outside the EU
    EXEMPT = "exempt"  # exempt from VAT, e.g. the small-business scheme (KOR)


set_labels(
    {
        InvoiceStatus.DRAFT: _l("Draft"),
        InvoiceStatus.ISSUED: _l("Issued"),
        InvoiceStatus.PAID: _l("Paid"),
        InstallmentKind.DEPOSIT: _l("Deposit"),
        InstallmentKind.BALANCE: _l("Balance"),
        InstallmentKind.SINGLE: _l("Payment"),
        ZeroRateReason.REVERSE_CHARGE: _l(
            "Reverse charge: a business client in another EU country"
        ),
        ZeroRateReason.EXPORT: _l("Export: a client outside the EU"),
        ZeroRateReason.EXEMPT: _l("Exempt from VAT"),
    }
)
# What the invoice says under its VAT totals, for each reason.
ZERO_RATE_NOTES = {
    ZeroRateReason.REVERSE_CHARGE: _l("VAT reverse-charged: the client accounts for the VAT."),
    ZeroRateReason.EXPORT: _l("VAT 0%: export outside the EU."),
    ZeroRateReason.EXEMPT: _l("Exempt from VAT."),
}
# Reasons that only apply to a client with a VAT number, shown on the invoice.
NEEDS_CLIENT_VAT_ID = {ZeroRateReason.REVERSE_CHARGE}


@dataclass(frozen=True)
class VatGroup:
    """The lines at one VAT rate: their total without VAT, and the VAT on it."""

    rate: Decimal
    net: Decimal
    vat: Decimal


@dataclass(frozen=True)
class BilledTo:
    name: str
    address: str | None
    company: str | None
    vat_id: str | None


@dataclass(frozen=True)
class IssuedBy:
    name: str
    address: str
    kvk: str
    vat_id: str
    iban: str


# The studio's details on an invoice: the settings they come from, and the invoice's copy.
STUDIO_DETAILS = {
    "name": ("STUDIO_NAME", "studio_name"),
    "address": ("STUDIO_ADDRESS", "studio_address"),
    "kvk": ("STUDIO_KVK", "studio_kvk"),
    "vat_id": ("STUDIO_VAT_ID", "studio_vat_id"),
    "iban": ("STUDIO_IBAN", "studio_iban"),
}


class Invoice(Model):
    """A draft can change; an issued invoice never does (corrections are credit notes)."""

    __tablename__ = "invoice"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("client.id"), index=True)
    status: Mapped[InvoiceStatus] = mapped_column(default=InvoiceStatus.DRAFT)
    number: Mapped[str | None] = mapped_column(sa.String(12), unique=True)
    issued_on: Mapped[date | None]
    delivery_date: Mapped[date | None]
    # Set when a line carries 0% VAT: why, as the invoice must state.
    zero_rate_reason: Mapped[ZeroRateReason | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Last change of the row (``update_draft`` also sets it when only the lines change):
    # a draft untouched for a year is deleted.
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    paid_at: Mapped[datetime | None]
    # The client's details as they were on the day of issue: the invoice keeps them even
    # when the client's record changes later.
    client_name: Mapped[str | None] = mapped_column(sa.String(100))
    client_address: Mapped[str | None] = mapped_column(sa.Text)
    client_company: Mapped[str | None] = mapped_column(sa.String(150))
    client_vat_id: Mapped[str | None] = mapped_column(sa.String(20))
    # The studio's legal details as they were on the day of issue (a move or a new bank
    # account does not change invoices already sent). Invoices issued before these columns
    # existed have none and show the current settings.
    studio_name: Mapped[str | None] = mapped_column(sa.String(150))
    studio_address: Mapped[str | None] = mapped_column(sa.Text)
    studio_kvk: Mapped[str | None] = mapped_column(sa.String(20))
    studio_vat_id: Mapped[str | None] = mapped_column(sa.String(20))
    studio_iban: Mapped[str | None] = mapped_column(sa.String(34))

    client: Mapped[Client] = relationship()
    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", order_by="InvoiceLine.position", cascade="all, delete-orphan"
    )
    installments: Mapped[list[Installment]] = relationship(
        back_populates="invoice", order_by="Installment.position", cascade="all, delete-orphan"
    )

    @property
    def billed_to(self) -> BilledTo:
        """Who the invoice is addressed to: as issued, or the client's current details."""
        if self.issued_on is not None:
            return BilledTo(
                self.client_name or "", self.client_address, self.client_company, self.client_vat_id
            )
        client = self.client
        return BilledTo(client.name, client.address, client.company_name, client.vat_id)

    @property
    def issued_by(self) -> IssuedBy:
        """The studio's details: as issued, or (a draft) as they are now."""
        config = current_app.config
        return IssuedBy(
            **{
                field: getattr(self, column) or config[setting]
                for field, (setting, column) in STUDIO_DETAILS.items()
            }
        )

    def copy_studio_details(self) -> None:
        """Store the studio's current details on the invoice (done when it is issued)."""
        for setting, column in STUDIO_DETAILS.values():
            setattr(self, column, current_app.config[setting])

    @property
    def vat_groups(self) -> list[VatGroup]:
        """Totals per VAT rate, highest rate first; VAT rounded once per rate."""
        nets: dict[Decimal, Decimal] = defaultdict(Decimal)
        for line in self.lines:
            nets[line.vat_rate] += line.net
        return [
            VatGroup(rate=rate, net=net, vat=cents(net * rate / 100))
            for rate, net in sorted(nets.items(), reverse=True)
        ]

    @property
    def has_zero_rate(self) -> bool:
        """Whether a line with an amount carries 0% VAT (the invoice must say why)."""
        return any(line.vat_rate == 0 and line.net for line in self.lines)

    @property
    def zero_rate_note(self) -> LazyString | None:
        """The sentence the invoice shows for its 0% lines, if it has any."""
        if not self.has_zero_rate or self.zero_rate_reason is None:
            return None
        return ZERO_RATE_NOTES[self.zero_rate_reason]

    @property
    def net_total(self) -> Decimal:
        return sum((group.net for group in self.vat_groups), Decimal("0.00"))

    @property
    def vat_total(self) -> Decimal:
        return sum((group.vat for group in self.vat_groups), Decimal("0.00"))

    @property
    def total(self) -> Decimal:
        return self.net_total + self.vat_total

    @property
    def awaiting_delivery(self) -> list[Installment]:
        """Unpaid parts whose due date waits for the delivery date (issued invoices only)."""
        return [part for part in self.installments if part.due_on is None and not part.is_paid]

    @property
    def next_installment(self) -> Installment | None:
        """The first installment not yet paid: the one the pay button is for."""
        return next((part for part in self.installments if not part.is_paid), None)


class InvoiceLine(Model):
    __tablename__ = "invoice_line"
    __table_args__ = (sa.UniqueConstraint("invoice_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        sa.ForeignKey("invoice.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    description: Mapped[str] = mapped_column(sa.String(200))
    quantity: Mapped[Decimal]
    unit_price: Mapped[Decimal]  # without VAT
    vat_rate: Mapped[Decimal]  # percent: 21, 9 or 0

    invoice: Mapped[Invoice] = relationship(back_populates="lines")

    @property
    def net(self) -> Decimal:
        return cents(self.quantity * self.unit_price)


class Installment(Model):
    """One part of the payment schedule: the deposit, the balance, or a single payment."""

    __tablename__ = "invoice_installment"
    __table_args__ = (sa.UniqueConstraint("invoice_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        sa.ForeignKey("invoice.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    kind: Mapped[InstallmentKind]
    amount: Mapped[Decimal]
    # None: due on issue (the deposit), or 14 days after a delivery date not known yet.
    due_on: Mapped[date | None]
    # Set once, when payments for the whole amount have come in.
    paid_at: Mapped[datetime | None]

    invoice: Mapped[Invoice] = relationship(back_populates="installments")

    @property
    def is_paid(self) -> bool:
        return self.paid_at is not None

    def is_overdue(self, today: date) -> bool:
        """Unpaid on an issued invoice, and its due date has passed (``today`` is the studio's).

        The one definition of "overdue", here for a part at hand and in ``overdue`` (just
        below, the same three conditions) for a query that looks for them.
        """
        return (
            self.invoice.status is InvoiceStatus.ISSUED
            and self.paid_at is None
            and self.due_on is not None
            and self.due_on < today
        )

    @classmethod
    def overdue(cls, today: date) -> sa.ColumnElement[bool]:
        """``is_overdue`` as a condition for a query."""
        return sa.and_(
            cls.invoice.has(Invoice.status == InvoiceStatus.ISSUED),
            cls.paid_at.is_(None),
            cls.due_on < today,
        )

    def is_due(self, today: date) -> bool:
        """Whether the client is asked to pay this part now (they may always pay early).

        A deposit is due on issue; a part waiting for the delivery date is not due yet.
        """
        if self.due_on is None:
            return self.kind is InstallmentKind.DEPOSIT
        return self.due_on <= today


class PayLink(Model):
    """The secret in a client's ``/pay/<token>`` link; only its hash is stored.

    Sending the invoice again makes a new link and revokes the old one, so a link that went
    to the wrong address can be shut off.
    """

    __tablename__ = "invoice_pay_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        sa.ForeignKey("invoice.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

    invoice: Mapped[Invoice] = relationship()


class InvoiceCounter(Model):
    """The last number used in a year; locked while a number is taken, so none is skipped."""

    __tablename__ = "invoice_counter"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(default=0)


class IssuedInvoiceImmutable(Exception):
    """Something tried to change an issued invoice, which never changes once it has a number."""


FROZEN_FIELDS = (
    "client_id",
    "number",
    "issued_on",
    "delivery_date",
    "zero_rate_reason",
    "client_name",
    "client_address",
    "client_company",
    "client_vat_id",
    "studio_name",
    "studio_address",
    "studio_kvk",
    "studio_vat_id",
    "studio_iban",
)
# What an installment is for; its due date and the moment it was paid still change.
FROZEN_INSTALLMENT_FIELDS = ("invoice_id", "position", "kind", "amount")
# Where a status may go: a draft is issued; an issued invoice is paid, and a paid one can be
# reopened (a chargeback). Nothing goes back to draft.
STATUS_CHANGES = {
    InvoiceStatus.DRAFT: {InvoiceStatus.DRAFT, InvoiceStatus.ISSUED},
    InvoiceStatus.ISSUED: {InvoiceStatus.ISSUED, InvoiceStatus.PAID},
    InvoiceStatus.PAID: {InvoiceStatus.PAID, InvoiceStatus.ISSUED},
}

# The guards below read what is stored, through the flush's own connection, rather than
# trusting the ORM's history: an object loaded before someone else issued the invoice
# still says "draft". Bulk SQL (the retention rule) passes them by.


def _stored_invoice(connection: sa.Connection, invoice_id: int | None) -> sa.Row | None:
    if invoice_id is None:
        return None
    columns = [Invoice.__table__.c[name] for name in ("status", *FROZEN_FIELDS)]
    return connection.execute(
        sa.select(*columns).where(Invoice.__table__.c.id == invoice_id)
    ).one_or_none()


def _is_fixed(connection: sa.Connection, invoice_id: int | None) -> bool:
    """Whether the stored invoice is issued (or paid): its lines and schedule are fixed."""
    stored = _stored_invoice(connection, invoice_id)
    return stored is not None and stored.status is not InvoiceStatus.DRAFT


def _new_values(target: Model, names: tuple[str, ...]) -> dict[str, Any]:
    """The attributes of ``target`` given a new value since it was loaded, with that value."""
    state: InstanceState[Any] = sa.inspect(target)
    added = {name: list(state.attrs[name].history.added) for name in names}
    return {name: values[0] for name, values in added.items() if values}


def _invoice_ids(child: InvoiceLine | Installment) -> set[int]:
    """The invoice a line or installment belongs to, and any it was moved from."""
    state: InstanceState[Any] = sa.inspect(child)
    ids = {child.invoice_id, *state.attrs.invoice_id.history.deleted}
    parent = state.dict.get("invoice")  # without loading it in the middle of the flush
    if parent is not None:
        ids.add(parent.id)
    return {invoice_id for invoice_id in ids if invoice_id is not None}


@sa.event.listens_for(Invoice, "before_update")
def _keep_issued_invoices(mapper: object, connection: sa.Connection, invoice: Invoice) -> None:
    stored = _stored_invoice(connection, invoice.id)
    if stored is None:
        return
    new = _new_values(invoice, ("status", *FROZEN_FIELDS))
    status = new.pop("status", stored.status)
    if status not in STATUS_CHANGES[stored.status]:
        raise IssuedInvoiceImmutable(
            f"Invoice {stored.number or invoice.id} cannot go from {stored.status.value} "
            f"to {status.value}."
        )
    if stored.status is InvoiceStatus.DRAFT:
        return
    for name, value in new.items():
        if value != getattr(stored, name):
            raise IssuedInvoiceImmutable(f"Invoice {stored.number} is issued: {name} is fixed.")


@sa.event.listens_for(Invoice, "before_delete")
def _keep_issued_invoices_stored(
    mapper: object, connection: sa.Connection, invoice: Invoice
) -> None:
    if _is_fixed(connection, invoice.id):
        raise IssuedInvoiceImmutable(f"Invoice {invoice.number} is issued: it is kept.")


@sa.event.listens_for(InvoiceLine, "before_insert")
@sa.event.listens_for(InvoiceLine, "before_update")
@sa.event.listens_for(InvoiceLine, "before_delete")
def _keep_issued_lines(mapper: object, connection: sa.Connection, line: InvoiceLine) -> None:
    if any(_is_fixed(connection, invoice_id) for invoice_id in _invoice_ids(line)):
        raise IssuedInvoiceImmutable(f"Invoice {line.invoice_id} is issued: its lines are fixed.")


@sa.event.listens_for(Installment, "before_insert")
@sa.event.listens_for(Installment, "before_delete")
def _keep_issued_schedules(mapper: object, connection: sa.Connection, part: Installment) -> None:
    """The schedule is made while the invoice is still a draft, and then stays."""
    if any(_is_fixed(connection, invoice_id) for invoice_id in _invoice_ids(part)):
        raise IssuedInvoiceImmutable(f"Invoice {part.invoice_id} is issued: its schedule is fixed.")


@sa.event.listens_for(Installment, "before_update")
def _keep_issued_installments(mapper: object, connection: sa.Connection, part: Installment) -> None:
    new = _new_values(part, FROZEN_INSTALLMENT_FIELDS)
    if not new:
        return  # its due date or payment: those may change
    table = Installment.__table__
    stored = connection.execute(
        sa.select(*(table.c[name] for name in FROZEN_INSTALLMENT_FIELDS)).where(
            table.c.id == part.id
        )
    ).one_or_none()
    if stored is None:
        return
    changed = [name for name, value in new.items() if value != getattr(stored, name)]
    invoice_ids = {stored.invoice_id, new.get("invoice_id", stored.invoice_id)}
    if changed and any(_is_fixed(connection, invoice_id) for invoice_id in invoice_ids):
        raise IssuedInvoiceImmutable(
            f"Invoice {stored.invoice_id} is issued: the installment's {changed[0]} is fixed."
        )
