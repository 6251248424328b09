"""Everything the studio holds about one verified address, category by category.

Each function yields plain records (dicts keyed by the register's field names), one at a
time and fetched in batches, so the panel and a large export never hold a whole history.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from website.addresses import email_hash, normalise_email
from website.clients.models import Client
from website.consents.models import ConsentEvent
from website.contact.models import ContactMessage
from website.extensions import db
from website.invoices.models import Installment, InstallmentKind, Invoice
from website.labels import Labelled, set_labels
from website.mail.models import OutboxMessage, Suppression
from website.payments.models import PaymentAttempt, PaymentSource, PaymentStatus
from website.privacy.models import (
    PrivacyRequest,
    Profile,
    ProfilePhoto,
    RemovalRequest,
    VerifiedSession,
)
from website.privacy.register import CATEGORIES, NO_ONE, Category

BATCH = 200
Record = dict[str, Any]


class Actor(Labelled):
    """Who changed a consent."""

    SUBJECT = "subject"
    STAFF = "staff"


set_labels({Actor.SUBJECT: _l("you"), Actor.STAFF: _l("the studio")})


def _stream(query: sa.Select) -> Iterator[Any]:
    """The query's rows in batches; its cursor (a server-side one on PostgreSQL) is closed
    also when the caller stops early (``recipients`` reads one row per category)."""
    result = db.session.scalars(query.execution_options(yield_per=BATCH))
    try:
        yield from result
    finally:
        result.close()


def client_records(email: str) -> Iterator[Record]:
    for client in _stream(sa.select(Client).where(Client.email == email)):
        yield {
            "name": client.name,
            "email": client.email,
            "language": client.language,
            "address": client.address,
            "phone": client.phone,
            "company_name": client.company_name,
            "vat_id": client.vat_id,
            "created_at": client.created_at,
        }


def message_records(email: str) -> Iterator[Record]:
    query = (
        sa.select(ContactMessage)
        .where(ContactMessage.email_normalised == email)
        .order_by(ContactMessage.received_at, ContactMessage.id)
    )
    for message in _stream(query):
        yield {
            "reference": message.reference,
            "received_at": message.received_at,
            "name": message.name,
            "email": message.email,
            "phone": message.phone,
            "production_kind": message.production_kind,
            "preferred_date": message.preferred_date,
            "message": message.body,
            "newsletter": message.newsletter,
        }


def _when(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment else "-"


@dataclass(frozen=True)
class Line:
    """An invoice line."""

    description: str
    quantity: Decimal
    unit_price: Decimal
    vat_rate: Decimal

    def plain(self) -> str:
        return f"{self.description} ({self.quantity} × {self.unit_price}, {self.vat_rate}%)"


@dataclass(frozen=True)
class Part:
    """A part of the payment schedule: the deposit, the balance, or one payment."""

    kind: InstallmentKind
    amount: Decimal
    due_on: date | None

    def plain(self) -> str:
        return f"{self.kind.value} {self.amount}" + (f" {self.due_on}" if self.due_on else "")


@dataclass(frozen=True)
class Payment:
    """One payment attempt: when, how much, how and how it ended; never the pay link, keys
    or checkout address."""

    kind: InstallmentKind
    number: int
    created_at: datetime
    amount: Decimal
    currency: str
    method: str | None
    status: PaymentStatus
    paid_at: datetime | None
    refunded: Decimal
    charged_back: Decimal

    def plain(self) -> str:
        text = (
            f"{self.kind.value} {self.number}: {_when(self.created_at)}, {self.amount} "
            f"{self.currency}, {self.method or '-'}, {self.status.value}"
        )
        text += f" {_when(self.paid_at)}" if self.paid_at else ""
        if self.refunded:
            text += f", refunded {self.refunded} {self.currency}"
        if self.charged_back:
            text += f", charged back {self.charged_back} {self.currency}"
        return text


@dataclass(frozen=True)
class PaymentChange:
    """A change of a payment attempt's status, and what told us."""

    kind: InstallmentKind
    number: int
    created_at: datetime
    old_status: PaymentStatus | None
    new_status: PaymentStatus
    source: PaymentSource
    note: str | None

    def plain(self) -> str:
        old = self.old_status.value if self.old_status else "-"
        note = f", {self.note}" if self.note else ""
        return (
            f"{self.kind.value} {self.number}: {_when(self.created_at)} {old} → "
            f"{self.new_status.value} ({self.source.value}{note})"
        )


def _payments_by_invoice(invoice_ids: list[int]) -> dict[int, list[PaymentAttempt]]:
    """Every payment attempt of these invoices, with its status history, in one query."""
    found: dict[int, list[PaymentAttempt]] = {}
    query = (
        sa.select(PaymentAttempt)
        .join(Installment, Installment.id == PaymentAttempt.installment_id)
        .where(Installment.invoice_id.in_(invoice_ids))
        .options(selectinload(PaymentAttempt.events), selectinload(PaymentAttempt.installment))
        .order_by(Installment.position, PaymentAttempt.number)
    )
    for attempt in db.session.scalars(query):
        found.setdefault(attempt.installment.invoice_id, []).append(attempt)
    return found


def _payment(attempt: PaymentAttempt) -> Payment:
    return Payment(
        kind=attempt.installment.kind,
        number=attempt.number,
        created_at=attempt.created_at,
        amount=attempt.amount,
        currency=attempt.currency,
        method=attempt.method,
        status=attempt.status,
        paid_at=attempt.paid_at,
        refunded=attempt.amount_refunded,
        charged_back=attempt.amount_charged_back,
    )


def _changes(attempt: PaymentAttempt) -> Iterator[PaymentChange]:
    for event in attempt.events:
        yield PaymentChange(
            kind=attempt.installment.kind,
            number=attempt.number,
            created_at=event.created_at,
            old_status=event.old_status,
            new_status=event.new_status,
            source=event.source,
            note=event.note,
        )


def invoice_records(email: str) -> Iterator[Record]:
    """Invoices through the client, with their payments; drafts are not invoices yet."""
    query = (
        sa.select(Invoice)
        .join(Client, Client.id == Invoice.client_id)
        .where(Client.email == email, Invoice.issued_on.is_not(None))
        .options(selectinload(Invoice.lines), selectinload(Invoice.installments))
        .order_by(Invoice.issued_on, Invoice.id)
    )
    invoices = list(db.session.scalars(query))
    payments = _payments_by_invoice([invoice.id for invoice in invoices])
    for invoice in invoices:
        attempts = payments.get(invoice.id, [])
        yield {
            "number": invoice.number,
            "status": invoice.status,
            "issued_on": invoice.issued_on,
            "delivery_date": invoice.delivery_date,
            "lines": tuple(
                Line(line.description, line.quantity, line.unit_price, line.vat_rate)
                for line in invoice.lines
            ),
            "total": invoice.total,
            "installments": tuple(
                Part(part.kind, part.amount, part.due_on) for part in invoice.installments
            ),
            "payments": tuple(_payment(attempt) for attempt in attempts),
            "payment_history": tuple(
                change for attempt in attempts for change in _changes(attempt)
            ),
        }


def profile_records(email: str) -> Iterator[Record]:
    for profile in _stream(sa.select(Profile).where(Profile.email == email)):
        yield {
            "preferences": profile.preferences,
            "interests": profile.interests,
            "updated_at": profile.updated_at,
        }


def photos(email: str) -> list[ProfilePhoto]:
    return list(
        db.session.scalars(
            sa.select(ProfilePhoto)
            .where(ProfilePhoto.email == email)
            .order_by(ProfilePhoto.created_at, ProfilePhoto.id)
        )
    )


def photo_records(email: str) -> Iterator[Record]:
    for photo in photos(email):
        yield {
            "file": f"photos/{photo.file_name}",
            "content_type": photo.content_type,
            "width": photo.width,
            "height": photo.height,
            "size": photo.size,
            "created_at": photo.created_at,
        }


def consent_records(email: str) -> Iterator[Record]:
    query = (
        sa.select(ConsentEvent)
        .options(selectinload(ConsentEvent.policy_version), selectinload(ConsentEvent.notice))
        .where(ConsentEvent.email == email)
        .order_by(ConsentEvent.created_at, ConsentEvent.id)
    )
    for event in _stream(query):
        version = event.policy_version
        yield {
            "created_at": event.created_at,
            "purpose": event.purpose,
            "action": event.action,
            "channel": event.channel,
            "policy_version": f"{version.slug} ({version.language})" if version else None,
            "notice": event.notice.text if event.notice else None,
            "actor": Actor.SUBJECT if event.actor == "subject" else Actor.STAFF,
        }


def suppression_records(email: str) -> Iterator[Record]:
    query = sa.select(Suppression).where(Suppression.email_hash == email_hash(email))
    for entry in _stream(query):
        yield {"created_at": entry.created_at, "reason": entry.reason}


def removal_records(email: str) -> Iterator[Record]:
    query = (
        sa.select(RemovalRequest)
        .where(RemovalRequest.email == email)
        .order_by(RemovalRequest.created_at, RemovalRequest.id)
    )
    for item in _stream(query):
        yield {"created_at": item.created_at, "purpose": item.purpose, "done_at": item.done_at}


def mail_records(email: str) -> Iterator[Record]:
    query = (
        sa.select(OutboxMessage)
        .where(sa.func.lower(OutboxMessage.recipient) == email)
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
    )
    for mail in _stream(query):
        yield {"created_at": mail.created_at, "subject": mail.subject, "status": mail.status}


def session_records(email: str) -> Iterator[Record]:
    query = sa.select(VerifiedSession).where(VerifiedSession.email == email)
    for found in _stream(query.order_by(VerifiedSession.created_at)):
        yield {"created_at": found.created_at, "last_seen_at": found.last_seen_at}


def request_records(email: str) -> Iterator[Record]:
    query = (
        sa.select(PrivacyRequest)
        .where(PrivacyRequest.email == email)
        .order_by(PrivacyRequest.received_at, PrivacyRequest.id)
    )
    for request in _stream(query):
        yield {
            "reference": request.reference,
            "kind": request.kind,
            "channel": request.channel,
            "details": request.details,
            "received_on": request.received_on,
            "due_on": request.due_on,
            "extended_to": request.extended_to,
            "extension_reason": request.extension_reason,
            "status": request.status,
            "outcome": request.outcome,
            "answered_at": request.answered_at,
        }


RECORDS: dict[str, Callable[[str], Iterator[Record]]] = {
    "client": client_records,
    "contact_messages": message_records,
    "invoices": invoice_records,
    "profile": profile_records,
    "photos": photo_records,
    "consents": consent_records,
    "marketing_objection": suppression_records,
    "removal_requests": removal_records,
    "mail": mail_records,
    "privacy_centre_sessions": session_records,
    "privacy_requests": request_records,
}


def plain(value: Any) -> Any:
    """A value as JSON and CSV can hold it: enums by value, dates as ISO 8601, lists of
    lines, parts and payments as text, separated by "; "."""
    if isinstance(value, tuple):
        return "; ".join(item.plain() for item in value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def recipients(email: str) -> list[tuple[Category, str]]:
    """Who outside the studio received this person's data (Art. 19 GDPR): per category the
    register names recipients for and the studio holds something of, the register's text."""
    email = normalise_email(email)
    return [
        (category, str(category.recipients))
        for category in CATEGORIES
        if category.recipients is not NO_ONE and _holds_any(category.key, email)
    ]


def _holds_any(key: str, email: str) -> bool:
    records = RECORDS[key](email)
    found = next(records, None) is not None
    if isinstance(records, Generator):
        records.close()  # its query's rows are not read to the end
    return found
