"""Everything the studio holds about one verified address, category by category.

Each function yields plain records (dicts keyed by the register's field names), one at a
time and fetched in batches, so the panel and a large export never hold a whole history.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from website.clients.models import Client
from website.contact.models import ContactMessage
from website.extensions import db
from website.invoices.models import Installment, Invoice
from website.mail.models import OutboxMessage, Suppression
from website.mail.services import email_hash
from website.payments.models import PaymentAttempt
from website.privacy.models import (
    ConsentEvent,
    Profile,
    ProfilePhoto,
    RemovalRequest,
    VerifiedSession,
)

BATCH = 200
Record = dict[str, Any]


def _stream(query: sa.Select) -> Iterator[Any]:
    yield from db.session.scalars(query.execution_options(yield_per=BATCH))


def client_records(email: str) -> Iterator[Record]:
    for client in _stream(sa.select(Client).where(Client.email == email)):
        yield {
            "name": client.name,
            "email": client.email,
            "language": client.language,
            "address": client.address,
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


def _payment_text(attempt: PaymentAttempt) -> str:
    """When, how much, how and how it ended; never the pay link, keys or checkout address."""
    part = attempt.installment
    text = (
        f"{part.kind.value} {attempt.number}: {_when(attempt.created_at)}, {attempt.amount} "
        f"{attempt.currency}, {attempt.method or '-'}, {attempt.status.value}"
    )
    text += f" {_when(attempt.paid_at)}" if attempt.paid_at else ""
    if attempt.amount_refunded:
        text += f", refunded {attempt.amount_refunded} {attempt.currency}"
    if attempt.amount_charged_back:
        text += f", charged back {attempt.amount_charged_back} {attempt.currency}"
    return text


def _history_text(attempt: PaymentAttempt) -> str:
    part = attempt.installment
    return "; ".join(
        f"{part.kind.value} {attempt.number}: {_when(event.created_at)} "
        f"{event.old_status.value if event.old_status else '-'} → {event.new_status.value} "
        f"({event.source.value}{', ' + event.note if event.note else ''})"
        for event in attempt.events
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
            "lines": "; ".join(
                f"{line.description} ({line.quantity} × {line.unit_price}, {line.vat_rate}%)"
                for line in invoice.lines
            ),
            "total": invoice.total,
            "installments": "; ".join(
                f"{part.kind.value} {part.amount}"
                + (f" {part.due_on.isoformat()}" if part.due_on else "")
                for part in invoice.installments
            ),
            "payments": "; ".join(_payment_text(attempt) for attempt in attempts),
            "payment_history": "; ".join(_history_text(attempt) for attempt in attempts),
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
            "actor": "subject" if event.actor == "subject" else "staff",
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


def no_records(email: str) -> Iterator[Record]:
    return iter(())


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
    "privacy_requests": no_records,
}


def plain(value: Any) -> Any:
    """A value as JSON and CSV can hold it: enums by value, dates as ISO 8601."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value
