"""Drafting and issuing invoices: validated lines, a gapless number, the payment schedule."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from website import retention
from website.audit.services import record
from website.clients.models import Client
from website.clock import utcnow
from website.extensions import db
from website.invoices.models import (
    NEEDS_CLIENT_VAT_ID,
    VAT_RATES,
    Installment,
    InstallmentKind,
    Invoice,
    InvoiceCounter,
    InvoiceLine,
    InvoiceStatus,
    PayLink,
    ZeroRateReason,
)
from website.mail.models import OutboxMessage
from website.mail.services import public_url, queue_mail
from website.money import cents
from website.queries import contains, lock_row

# What one invoice can hold, however it is made (the back office, ``flask invoices create``).
MAX_LINES = 40
MAX_DESCRIPTION = 200
MAX_QUANTITY = Decimal("100000")
MAX_UNIT_PRICE = Decimal("1000000")  # a line's price is less than this
PAYMENT_TERM = timedelta(days=14)
MAX_DELIVERY_AHEAD = timedelta(days=5 * 366)  # a date further ahead is a typo
DEFAULT_DEPOSIT_PERCENT = 50
# A consumer can be held to pay at most half in advance unless they agreed to more
# individually (art. 7:26 lid 2 BW: the buyer can be bound to pay at most half in advance).
CONSUMER_PREPAYMENT_CAP = 50


class InvoiceError(ValueError):
    """The invoice cannot be drafted or issued as asked; the message says why."""


class NothingToPay(InvoiceError):
    """The invoice, or a part of its schedule, would be zero."""


class LineError(InvoiceError):
    """A line breaks a rule; ``field`` names which of its values: ``description``,
    ``quantity``, ``unit_price`` or ``vat_rate`` (as the draft form's line fields do)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class InvoiceNotDraft(InvoiceError):
    """The invoice was issued (perhaps just now, by someone else): it no longer changes."""


class NotIssuable(InvoiceError):
    """The draft cannot be issued as it is; ``key`` says what is missing, for a message."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


class DepositNeedsAgreement(NotIssuable):
    """A consumer's deposit above half the total, without their individual agreement."""

    def __init__(self) -> None:
        super().__init__(
            "deposit_agreement",
            "A consumer pays at most 50% in advance unless they agreed to more individually "
            "(art. 7:26 BW).",
        )


class ClientErased(InvoiceError):
    """The client asked for erasure: their invoices are kept for the books, and used for
    nothing else (no mail, no pay link)."""


class InvoiceBusy(InvoiceError):
    """Someone else is changing the invoice right now; nothing was changed, try again."""


@contextmanager
def _refusal_rolls_back() -> Iterator[None]:
    """A refusal (``InvoiceError``) leaves nothing behind: the transaction is rolled back, with
    whatever the caller had added to it (a new client for the draft), before it is raised."""
    try:
        yield
    except InvoiceError:
        db.session.rollback()
        raise


@dataclass(frozen=True)
class LineInput:
    description: str
    quantity: Decimal
    unit_price: Decimal  # without VAT
    vat_rate: Decimal


@_refusal_rolls_back()
def create_draft(
    client: Client,
    lines: Sequence[LineInput],
    delivery_date: date | None = None,
    *,
    zero_rate_reason: ZeroRateReason | None = None,
    staff_id: int | None = None,
) -> Invoice:
    """A draft invoice for ``client``; it can still change until it is issued.

    Drafted by a staff member, it is in the audit log, stored by the same commit.
    """
    check_lines(lines)
    invoice = Invoice(client=client, delivery_date=delivery_date, lines=_new_lines(lines))
    invoice.zero_rate_reason = zero_rate_reason if invoice.has_zero_rate else None
    db.session.add(invoice)
    if staff_id is not None:
        db.session.flush()
        record(staff_id, "invoice.drafted", "invoice", invoice.id)
    db.session.commit()
    return invoice


@_refusal_rolls_back()
def issue(
    invoice: Invoice,
    today: date,
    deposit_percent: int = DEFAULT_DEPOSIT_PERCENT,
    staff_id: int | None = None,
    *,
    deposit_agreed: bool = False,
) -> Invoice:
    """Give the draft the next number of the year and its schedule; from now on it is fixed.

    ``deposit_percent`` 50 means half on issue and the rest 14 days after delivery;
    0 or 100 means one payment, due 14 days after delivery (or after issue, without one).
    A consumer's deposit above 50% needs ``deposit_agreed``: staff confirm the client
    agreed to it individually, and the audit log keeps that confirmation.
    """
    invoice = _draft_locked(invoice, "is already issued")
    installments = checked_schedule(
        invoice,
        deposit_percent,
        today,
        consumer=invoice.client.is_consumer,
        agreed=deposit_agreed,
    )
    check_zero_rate(invoice, invoice.client.vat_id)
    if not invoice.client.address:
        raise NotIssuable("client_address", "The client has no postal address for the invoice.")
    client = invoice.client
    invoice.client_name = client.name
    invoice.client_address = client.address
    invoice.client_company = client.company_name
    invoice.client_vat_id = client.vat_id
    invoice.copy_studio_details()
    invoice.number = next_number(today.year)
    invoice.issued_on = today
    invoice.installments = installments
    db.session.flush()  # the schedule is stored while the invoice is a draft; then it stays
    invoice.status = InvoiceStatus.ISSUED
    record(staff_id, "invoice.issued", "invoice", invoice.number)
    if needs_agreement(deposit_percent, consumer=invoice.client.is_consumer):
        record(staff_id, "invoice.deposit_agreed", "invoice", invoice.number)
    db.session.commit()
    return invoice


def needs_agreement(deposit_percent: int, *, consumer: bool) -> bool:
    """Whether this deposit asks more of a consumer than they can be held to by default."""
    return consumer and CONSUMER_PREPAYMENT_CAP < deposit_percent < 100


def checked_schedule(
    invoice: Invoice,
    deposit_percent: int,
    today: date,
    *,
    consumer: bool = False,
    agreed: bool = False,
) -> list[Installment]:
    """The schedule ``issue`` would make; ``InvoiceError`` if it cannot be issued so."""
    if not 0 <= deposit_percent <= 100:
        raise InvoiceError("The deposit is a percentage from 0 to 100.")
    if needs_agreement(deposit_percent, consumer=consumer) and not agreed:
        raise DepositNeedsAgreement()
    if invoice.delivery_date and invoice.delivery_date > today + MAX_DELIVERY_AHEAD:
        raise NotIssuable("delivery_far", "The delivery date is more than five years away.")
    if invoice.total <= 0:
        raise NothingToPay("An invoice of zero is not sent; there is nothing to pay.")
    installments = schedule(invoice, deposit_percent, today)
    if any(part.amount <= 0 for part in installments):
        raise NothingToPay("That deposit leaves a part of zero; choose one payment instead.")
    return installments


def check_issuable(
    lines: Sequence[LineInput],
    deposit_percent: int,
    today: date,
    delivery_date: date | None = None,
    *,
    consumer: bool = False,
    deposit_agreed: bool = False,
    zero_rate_reason: ZeroRateReason | None = None,
    client_vat_id: str | None = None,
) -> None:
    """Raise ``InvoiceError`` unless these lines can be drafted and issued; stores nothing."""
    check_lines(lines)
    unsaved = Invoice(
        delivery_date=delivery_date, lines=_new_lines(lines), zero_rate_reason=zero_rate_reason
    )
    checked_schedule(unsaved, deposit_percent, today, consumer=consumer, agreed=deposit_agreed)
    check_zero_rate(unsaved, client_vat_id)


def check_zero_rate(invoice: Invoice, client_vat_id: str | None) -> None:
    """An invoice with 0% lines says why (art. 35a Wet OB); reverse charge names the client's
    VAT number. Raises ``InvoiceError`` otherwise."""
    if not invoice.has_zero_rate:
        return
    if invoice.zero_rate_reason is None:
        raise NotIssuable(
            "zero_rate_reason",
            "A line at 0% VAT needs the reason on the invoice: reverse charge, export or exempt.",
        )
    if invoice.zero_rate_reason in NEEDS_CLIENT_VAT_ID and not client_vat_id:
        raise NotIssuable(
            "client_vat_id", "Reverse charge needs the client's VAT number on the invoice."
        )


def schedule(invoice: Invoice, deposit_percent: int, issued_on: date) -> list[Installment]:
    """The deposit due on issue and the balance after delivery, or one payment."""
    after_delivery = invoice.delivery_date + PAYMENT_TERM if invoice.delivery_date else None
    if deposit_percent in (0, 100):
        due = after_delivery or issued_on + PAYMENT_TERM
        return [
            Installment(position=1, kind=InstallmentKind.SINGLE, amount=invoice.total, due_on=due)
        ]
    deposit = cents(invoice.total * deposit_percent / 100)
    return [
        Installment(position=1, kind=InstallmentKind.DEPOSIT, amount=deposit, due_on=issued_on),
        Installment(
            position=2,
            kind=InstallmentKind.BALANCE,
            amount=invoice.total - deposit,
            due_on=after_delivery,
        ),
    ]


def next_number(year: int) -> str:
    """The next number in ``year``'s series, e.g. 2026-0001, taken inside the caller's transaction.

    The counter row stays locked (PostgreSQL) until that transaction ends, so two invoices
    issued at once get consecutive numbers, and a rolled-back issue gives its number back.
    """
    query = sa.select(InvoiceCounter).where(InvoiceCounter.year == year).with_for_update()
    counter = db.session.scalar(query)
    if counter is None:
        try:
            with db.session.begin_nested():  # the year's first invoice: one insert wins
                counter = InvoiceCounter(year=year, last_number=0)
                db.session.add(counter)
        except IntegrityError:
            counter = db.session.scalars(query).one()
    counter.last_number += 1
    return f"{year}-{counter.last_number:04d}"


def record_delivery(invoice: Invoice, delivered_on: date, staff_id: int | None = None) -> int:
    """The work is delivered: parts still waiting for that date fall due 14 days later.

    The invoice itself does not change (its delivery date, if it had none, stays empty);
    only the schedule's open due dates are filled in, and the client is told by email, with
    a new pay link (the older ones stop working, as when the invoice is sent again).
    Returns how many parts got a date: none when they all have one already (a double
    click, a second colleague: the invoice row is locked, so they take turns and the client
    gets one email).
    """
    if invoice.status is InvoiceStatus.DRAFT:
        raise InvoiceError("A draft has no schedule yet; give the delivery date on the draft.")
    try:
        lock_row(Invoice, invoice.id)
    except OperationalError as error:
        raise InvoiceBusy("Someone else is changing the invoice; try again.") from error
    waiting = invoice.awaiting_delivery
    for part in waiting:
        part.due_on = delivered_on + PAYMENT_TERM
    if waiting:
        record(staff_id, "invoice.delivered", "invoice", invoice.number)
        mail_client(
            invoice,
            "invoices/balance_due",
            _l("The balance of invoice %(number)s is due", number=invoice.number),
            parts=waiting,
            pay_url=pay_url(new_pay_link(invoice)),
        )
    db.session.commit()
    return len(waiting)


def send(invoice: Invoice, staff_id: int | None = None) -> str:
    """Email the invoice with a new pay link (the old one stops working); returns the link."""
    if invoice.status is InvoiceStatus.DRAFT:
        raise InvoiceError("Issue the invoice before sending it.")
    if invoice.client.erased_at is not None:
        raise ClientErased(
            _l("The client's data is erased: the invoice is kept for the books only.")
        )
    link = pay_url(new_pay_link(invoice))
    mail_client(
        invoice,
        "invoices/invoice",
        _l("Invoice %(number)s from iVisual Productions", number=invoice.number),
        pay_url=link,
    )
    record(staff_id, "invoice.sent", "invoice", invoice.number)
    db.session.commit()
    return link


def mail_client(invoice: Invoice, template: str, subject: str, **context: Any) -> None:
    """Queue ``mail/<template>`` to the invoice's client, in their language, under its number.

    A mail with a ``pay_url`` keeps no body once delivered: the link opens the invoice. A
    client whose data is erased gets nothing: the invoice is kept for the books only.
    """
    client = invoice.client
    if client.erased_at is not None:
        return
    queue_mail(
        template,
        to=client.email,
        subject=subject,
        language=client.language,
        reference=invoice.number,
        holds_secret="pay_url" in context,
        invoice=invoice,
        **context,
    )


def new_pay_link(invoice: Invoice) -> str:
    """A fresh random token for ``invoice`` (256 bits); earlier links are revoked.

    Only the token's hash is stored: the database alone opens no invoice.
    """
    if invoice.status is InvoiceStatus.DRAFT:
        raise InvoiceError("A draft has no pay link; issue it first.")
    revoke_pay_links(invoice)
    token = secrets.token_urlsafe(32)
    db.session.add(PayLink(invoice=invoice, token_hash=token_hash(token)))
    return token


def revoke_pay_links(invoice: Invoice) -> int:
    """Shut every link to ``invoice``; the client needs a new email to pay."""
    links = db.session.scalars(
        sa.select(PayLink).where(PayLink.invoice_id == invoice.id, PayLink.revoked_at.is_(None))
    ).all()
    for link in links:
        link.revoked_at = utcnow()
    return len(links)


def live_pay_link(invoice: Invoice) -> PayLink | None:
    """The link the client's latest email carries, unless it was revoked."""
    return db.session.scalar(
        sa.select(PayLink)
        .where(PayLink.invoice_id == invoice.id, PayLink.revoked_at.is_(None))
        .order_by(PayLink.created_at.desc())
        .limit(1)
    )


def invoice_mails(invoice: Invoice) -> list[OutboxMessage]:
    """Every email about ``invoice`` (they carry its number as reference), oldest first."""
    if not invoice.number:
        return []
    return list(
        db.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.reference == invoice.number)
            .order_by(OutboxMessage.id)
        )
    )


def revoke_links(invoice: Invoice, staff_id: int) -> int:
    """Staff shut the invoice's pay links (e.g. one went to a wrong address); how many."""
    revoked = revoke_pay_links(invoice)
    if revoked:
        record(staff_id, "invoice.links_revoked", "invoice", invoice.number)
    db.session.commit()
    return revoked


def invoice_for_token(token: str) -> Invoice | None:
    """The invoice a live link opens; unknown and revoked tokens take the same one query."""
    return db.session.scalar(
        sa.select(Invoice)
        .join(PayLink, PayLink.invoice_id == Invoice.id)
        .where(PayLink.token_hash == token_hash(token), PayLink.revoked_at.is_(None))
    )


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def pay_url(token: str) -> str:
    return public_url("pay.invoice", token=token)


def check_lines(lines: Sequence[LineInput]) -> None:
    """Raise ``InvoiceError`` unless these lines can be stored as an invoice's lines."""
    if not lines:
        raise InvoiceError(_l("Please fill in at least one line."))
    if len(lines) > MAX_LINES:
        raise InvoiceError(_l("An invoice has at most %(max)d lines.", max=MAX_LINES))
    for line in lines:
        check_line(line)


def check_line(line: LineInput) -> None:
    """Raise ``LineError``, naming the value, unless ``line`` can be stored on an invoice."""
    description = line.description.strip()
    if not description:
        raise LineError("description", _l("Please describe the work or the product."))
    if len(description) > MAX_DESCRIPTION:
        raise LineError(
            "description", _l("Please use at most %(max)d characters.", max=MAX_DESCRIPTION)
        )
    for field, number in (("quantity", line.quantity), ("unit_price", line.unit_price)):
        if not _hundredths(number):
            raise LineError(field, _l("Please use at most two decimals."))
    if not 0 < line.quantity <= MAX_QUANTITY:
        raise LineError("quantity", _l("Please give a quantity more than 0, up to 100,000."))
    if not 0 <= line.unit_price < MAX_UNIT_PRICE:
        raise LineError(
            "unit_price",
            _l("Please give a price from 0 up to 1,000,000."),
        )
    if line.vat_rate not in VAT_RATES:
        raise LineError("vat_rate", _l("The VAT rate is 21%, 9% or 0%."))


def _hundredths(number: Decimal) -> bool:
    try:
        return number.is_finite() and number == round(number, 2)
    except InvalidOperation:  # too many digits to round
        return False


def _new_lines(lines: Sequence[LineInput]) -> list[InvoiceLine]:
    return [
        InvoiceLine(
            position=position,
            description=line.description.strip(),
            quantity=line.quantity,
            unit_price=cents(line.unit_price),
            vat_rate=line.vat_rate,
        )
        for position, line in enumerate(lines, start=1)
    ]


def _draft_locked(invoice: Invoice, refusal: str) -> Invoice:
    """``invoice`` as stored now, its row locked until the transaction ends; a draft.

    Two requests at once (a double click on "Issue", a stale "Save" after someone issued)
    take turns, and the second sees what the first did. PostgreSQL: a row lock, given up
    after five seconds (``InvoiceBusy``); on SQLite the database's write lock, after
    committing what the caller changed before (see ``queries.lock_row``). Raises
    ``InvoiceNotDraft`` (with the transaction rolled back) when it is no longer a draft.
    """
    invoice_id = invoice.id
    try:
        lock_row(Invoice, invoice_id)
    except OperationalError as error:
        raise InvoiceBusy("Someone else is changing the invoice; try again.") from error
    current = db.session.scalars(
        sa.select(Invoice).where(Invoice.id == invoice_id).execution_options(populate_existing=True)
    ).one_or_none()
    if current is None or current.status is not InvoiceStatus.DRAFT:
        number = current.number if current is not None else invoice_id
        db.session.rollback()
        raise InvoiceNotDraft(f"Invoice {number} {refusal}.")
    return current


KEEP_YEARS = 7
DRAFT_MONTHS = 12


@retention.rule("invoices")
def delete_expired_invoices(now: datetime) -> int:
    """Delete invoices issued before the seven-year period, and drafts unchanged for a year.

    An invoice of 2026 is kept until the end of 2033. Its lines, schedule, pay links and the
    payments made on it go with it: the database deletes them (their foreign keys cascade, on
    SQLite too), since the models refuse to change an issued invoice's lines one by one.
    """
    first_kept = date(now.year - KEEP_YEARS, 1, 1)
    draft_cutoff = retention.months_before(now, DRAFT_MONTHS)
    expired = sa.select(Invoice.id).where(
        sa.or_(
            sa.and_(Invoice.status != InvoiceStatus.DRAFT, Invoice.issued_on < first_kept),
            sa.and_(Invoice.status == InvoiceStatus.DRAFT, Invoice.updated_at < draft_cutoff),
        )
    )
    ids = list(db.session.scalars(expired))
    if not ids:
        return 0
    db.session.execute(sa.delete(Invoice).where(Invoice.id.in_(ids)))
    db.session.commit()
    return len(ids)


@_refusal_rolls_back()
def update_draft(
    invoice: Invoice,
    client: Client,
    lines: Sequence[LineInput],
    delivery_date: date | None = None,
    *,
    zero_rate_reason: ZeroRateReason | None = None,
    staff_id: int | None = None,
) -> Invoice:
    """Replace a draft's client, delivery date, lines and 0% reason; an issued invoice never
    changes."""
    check_lines(lines)
    invoice = _draft_locked(invoice, "is issued, so it can no longer change")
    invoice.client = client
    invoice.delivery_date = delivery_date
    invoice.lines = []
    db.session.flush()  # the old lines go before the new ones take their positions
    invoice.lines = _new_lines(lines)
    invoice.zero_rate_reason = zero_rate_reason if invoice.has_zero_rate else None
    invoice.updated_at = utcnow()  # also when only the lines change
    record(staff_id, "invoice.updated", "invoice", invoice.id)
    db.session.commit()
    return invoice


@_refusal_rolls_back()
def delete_draft(invoice: Invoice, *, staff_id: int | None = None) -> None:
    """Delete a draft with its lines; an issued invoice is kept and corrected by a credit note."""
    invoice = _draft_locked(invoice, "is issued: it cannot be deleted")
    record(staff_id, "invoice.deleted", "invoice", invoice.id)
    db.session.delete(invoice)
    db.session.commit()


def overdue_installments(today: date, limit: int) -> list[Installment]:
    """Parts that are overdue (``Installment.overdue``), longest overdue first, each with
    its invoice and client."""
    return list(
        db.session.scalars(
            sa.select(Installment)
            .where(Installment.overdue(today))
            .options(joinedload(Installment.invoice).joinedload(Invoice.client))
            .order_by(Installment.due_on, Installment.id)
            .limit(limit)
        )
    )


def search_query(text: str | None, status: InvoiceStatus | None) -> sa.Select[Invoice]:
    """Invoices newest first, with their client, lines and schedule (three queries a page)."""
    query = (
        sa.select(Invoice)
        .join(Invoice.client)
        .options(
            contains_eager(Invoice.client),
            selectinload(Invoice.lines),
            selectinload(Invoice.installments),
        )
        .order_by(Invoice.created_at.desc(), Invoice.id.desc())
    )
    if status:
        query = query.where(Invoice.status == status)
    if text and text.strip():
        query = query.where(
            sa.or_(
                contains(Invoice.number, text),
                contains(Client.name, text),
                contains(Client.email, text),
                contains(Client.company_name, text),
            )
        )
    return query


def invoice_with_details(invoice_id: int) -> Invoice | None:
    """The invoice with its client, lines and schedule loaded (one query and two for lists)."""
    return db.session.scalar(
        sa.select(Invoice)
        .where(Invoice.id == invoice_id)
        .options(
            joinedload(Invoice.client),
            selectinload(Invoice.lines),
            selectinload(Invoice.installments),
        )
    )
