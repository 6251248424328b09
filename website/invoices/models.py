"""Invoices, their lines and their payment schedule; numbered gaplessly per year."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from website.clients.models import Client
from website.extensions import db, utcnow
from website.invoices.money import cents
from website.labels import Labelled, set_labels

VAT_RATES = (Decimal("21"), Decimal("9"), Decimal("0"))


class InvoiceStatus(Labelled):
    DRAFT = "draft"
    ISSUED = "issued"
    PAID = "paid"


class InstallmentKind(Labelled):
    DEPOSIT = "deposit"
    BALANCE = "balance"
    SINGLE = "single"


set_labels(
    {
        InvoiceStatus.DRAFT: _l("Draft"),
        InvoiceStatus.ISSUED: _l("Issued"),
        InvoiceStatus.PAID: _l("Paid"),
        InstallmentKind.DEPOSIT: _l("Deposit"),
        InstallmentKind.BALANCE: _l("Balance"),
        InstallmentKind.SINGLE: _l("Payment"),
    }
)


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


class Invoice(db.Model):
    """A draft can change; an issued invoice never does (corrections are credit notes)."""

    __tablename__ = "invoice"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("client.id"), index=True)
    status: Mapped[InvoiceStatus] = mapped_column(default=InvoiceStatus.DRAFT)
    number: Mapped[str | None] = mapped_column(sa.String(12), unique=True)
    issued_on: Mapped[date | None]
    delivery_date: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    paid_at: Mapped[datetime | None]
    # The client's details as they were on the day of issue: the invoice keeps them even
    # when the client's record changes later.
    client_name: Mapped[str | None] = mapped_column(sa.String(100))
    client_address: Mapped[str | None] = mapped_column(sa.Text)
    client_company: Mapped[str | None] = mapped_column(sa.String(150))
    client_vat_id: Mapped[str | None] = mapped_column(sa.String(20))

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
    def net_total(self) -> Decimal:
        return sum((group.net for group in self.vat_groups), Decimal("0.00"))

    @property
    def vat_total(self) -> Decimal:
        return sum((group.vat for group in self.vat_groups), Decimal("0.00"))

    @property
    def total(self) -> Decimal:
        return self.net_total + self.vat_total

    @property
    def next_installment(self) -> Installment | None:
        """The first installment not yet paid: the one the pay button is for."""
        return next((part for part in self.installments if not part.is_paid), None)


class InvoiceLine(db.Model):
    __tablename__ = "invoice_line"
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


class Installment(db.Model):
    """One part of the payment schedule: the deposit, the balance, or a single payment."""

    __tablename__ = "invoice_installment"

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


class PayLink(db.Model):
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


class InvoiceCounter(db.Model):
    """The last number used in a year; locked while a number is taken, so none is skipped."""

    __tablename__ = "invoice_counter"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(default=0)


class IssuedInvoiceImmutable(Exception):
    """Something tried to change an issued invoice: correct it with a credit note."""


FROZEN_FIELDS = (
    "client_id",
    "number",
    "issued_on",
    "delivery_date",
    "client_name",
    "client_address",
    "client_company",
    "client_vat_id",
)


@sa.event.listens_for(Invoice, "before_update")
def _keep_issued_invoices(mapper: object, connection: object, invoice: Invoice) -> None:
    state = sa.inspect(invoice)
    status = state.attrs.status.load_history()
    was = (status.deleted or status.unchanged or [None])[0]
    if was in (None, InvoiceStatus.DRAFT):
        return
    for name in FROZEN_FIELDS:
        history = state.attrs[name].history
        if history.added and list(history.added) != list(history.deleted):
            raise IssuedInvoiceImmutable(f"Invoice {invoice.number} is issued: {name} is fixed.")


@sa.event.listens_for(InvoiceLine, "before_insert")
@sa.event.listens_for(InvoiceLine, "before_update")
@sa.event.listens_for(InvoiceLine, "before_delete")
def _keep_issued_lines(mapper: object, connection: object, line: InvoiceLine) -> None:
    if line.invoice is not None and line.invoice.issued_on is not None:
        raise IssuedInvoiceImmutable(
            f"Invoice {line.invoice.number} is issued: its lines are fixed."
        )
