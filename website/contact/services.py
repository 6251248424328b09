"""Receiving contact messages: spam checks, storing, and the mail they cause."""

from __future__ import annotations

import enum
import hashlib
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from limits import parse

from website import retention
from website.addresses import normalise_email
from website.audit.services import record
from website.clients.models import Client
from website.clients.services import client_for
from website.clock import utcnow
from website.consents.models import ConsentAction, ConsentChannel, ConsentPurpose
from website.consents.services import record_consent
from website.contact.forms import NEWSLETTER_CONSENT
from website.contact.models import ContactMessage, ProductionKind
from website.extensions import count_hit, db, limiter
from website.invoices.models import Invoice
from website.mail.models import OutboxMessage
from website.mail.services import queue_mail
from website.queries import changed_rows, contains
from website.retention import months_before

HONEYPOT = "website"
STALE_AFTER_SECONDS = 24 * 60 * 60
SPENT_TOKENS = parse(f"1 per {STALE_AFTER_SECONDS} seconds")
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: easy to read aloud


class Verdict(enum.Enum):
    GENUINE = "genuine"
    SPAM = "spam"
    STALE = "stale"  # the form was open too long: a person may be behind it, ask again
    TOO_FAST = "too fast"  # sent sooner than people type: likely a bot, but ask again


@dataclass(frozen=True)
class Submission:
    name: str
    email: str
    phone: str | None
    production_kind: ProductionKind
    preferred_date: date | None
    message: str
    newsletter: bool
    language: str


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="contact-form-started")


def form_token(now: float | None = None) -> str:
    """A signed note of when the form was handed out (the time trap), unique to this form."""
    return _signer().dumps([now if now is not None else time.time(), secrets.token_hex(8)])


def form_token_spent(token: str) -> bool:
    """Whether a message was stored from this form already (a replay, or a double click)."""
    if not limiter.enabled:
        return False
    return not limiter.limiter.test(SPENT_TOKENS, "contact-form-token", _digest(token))


def spend_form_token(token: str) -> None:
    """Note that this form's message is stored: sent again, it stores nothing. Kept in the
    rate limiter's storage (Redis in production) for as long as a token is accepted at all.
    Spent only once the message is stored, so a message that failed can be sent again; two
    copies sent at the very same moment may both be stored, never none."""
    count_hit(SPENT_TOKENS, "contact-form-token", _digest(token))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def judge(form_data: Mapping[str, str], now: float | None = None) -> Verdict:
    """Tell a bot from a person by the honeypot and the time the form took to fill in."""
    honeypot = form_data.get(HONEYPOT)
    if honeypot is None or honeypot != "":
        return Verdict.SPAM  # filled in, or the field was never there: not a browser
    try:
        started = _started(_signer().loads(form_data.get("started", "")))
    except (BadSignature, TypeError, ValueError):
        return Verdict.SPAM
    age = (now if now is not None else time.time()) - started
    if age < current_app.config["CONTACT_MIN_SECONDS"]:
        return Verdict.TOO_FAST
    if age > STALE_AFTER_SECONDS:
        return Verdict.STALE
    return Verdict.GENUINE


def _started(payload: object) -> float:
    """When the form was handed out; tokens made before forms had a nonce hold a number."""
    if isinstance(payload, list) and len(payload) == 2:
        payload = payload[0]
    if isinstance(payload, bool) or not isinstance(payload, int | float):
        raise ValueError("not a form token")
    return float(payload)


def new_reference(prefix: str = "C") -> str:
    """A reference people can read out on the phone, e.g. C-7KQ3-XM2P."""
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"{prefix}-{chars[:4]}-{chars[4:]}"


def submit_message(submission: Submission) -> ContactMessage:
    """Store the message and queue its two emails in one transaction."""
    message = ContactMessage(
        # The message keeps the name typed; a known client's record is not renamed by it.
        client=client_for(submission.email, submission.name, submission.language, update=False),
        reference=new_reference(),
        name=submission.name,
        email=submission.email,
        email_normalised=normalise_email(submission.email),
        phone=submission.phone or None,
        production_kind=submission.production_kind,
        preferred_date=submission.preferred_date,
        body=submission.message,
        language=submission.language,
        newsletter=submission.newsletter,
    )
    db.session.add(message)
    config = current_app.config
    queue_mail(
        "contact/notification",
        to=config["STUDIO_INBOX"],
        reply_to=submission.email,
        subject=_l("New message via the contact form (%(reference)s)", reference=message.reference),
        language=config["DEFAULT_LANGUAGE"],
        reference=message.reference,
        message=message,
    )
    queue_mail(
        "contact/acknowledgement",
        to=submission.email,
        subject=_l("We received your message (%(reference)s)", reference=message.reference),
        language=submission.language,
        reference=message.reference,
        auto_reply=True,
        contact_reference=message.reference,
    )
    if submission.newsletter:
        with force_locale(submission.language):
            shown = str(NEWSLETTER_CONSENT)  # the checkbox's label, as the form showed it
        record_consent(
            submission.email,
            ConsentPurpose.NEWSLETTER,
            ConsentAction.GIVEN,
            channel=ConsentChannel.CONTACT_FORM,
            language=submission.language,
            notice=shown,
        )
    db.session.commit()
    return message


@retention.rule("contact messages")
def delete_expired_messages(now: datetime) -> int:
    """Delete everything from people whose last message is older than the retention period.

    Messages of clients with an invoice stay: they are part of the client's file.
    """
    cutoff = months_before(now, current_app.config["CONTACT_RETENTION_MONTHS"])
    latest = (
        sa.select(ContactMessage.email_normalised)
        .where(ContactMessage.client_id.not_in(sa.select(Invoice.client_id)))
        .group_by(ContactMessage.email_normalised)
        .having(sa.func.max(ContactMessage.received_at) < cutoff)
    )
    expired = sa.select(ContactMessage.reference).where(ContactMessage.email_normalised.in_(latest))
    db.session.execute(sa.delete(OutboxMessage).where(OutboxMessage.reference.in_(expired)))
    result = changed_rows(
        sa.delete(ContactMessage).where(ContactMessage.email_normalised.in_(latest))
    )
    _delete_clients_without_messages()
    db.session.commit()
    return result


def find_message(reference: str) -> ContactMessage | None:
    return db.session.scalar(sa.select(ContactMessage).where(ContactMessage.reference == reference))


def new_messages(limit: int) -> tuple[list[ContactMessage], int]:
    """The newest messages nobody handled yet, and how many there are in all."""
    new = inbox_query(None, "new")
    count = db.session.scalar(sa.select(sa.func.count()).select_from(new.subquery())) or 0
    return list(db.session.scalars(new.limit(limit))), count


def inbox_query(text: str | None, status: str) -> sa.Select[ContactMessage]:
    """Messages for the staff inbox: newest first, filtered by status and search text."""
    query = sa.select(ContactMessage).order_by(
        ContactMessage.received_at.desc(), ContactMessage.id.desc()
    )
    if status in ("new", "open"):
        query = query.where(ContactMessage.archived_at.is_(None))
    if status == "new":
        query = query.where(ContactMessage.handled_at.is_(None))
    elif status == "handled":
        query = query.where(
            ContactMessage.handled_at.is_not(None), ContactMessage.archived_at.is_(None)
        )
    elif status == "archived":
        query = query.where(ContactMessage.archived_at.is_not(None))
    if text:
        query = query.where(
            sa.or_(
                *(
                    contains(column, text)
                    for column in (
                        ContactMessage.name,
                        ContactMessage.email_normalised,
                        ContactMessage.reference,
                        ContactMessage.body,
                    )
                )
            )
        )
    return query


# Staff actions on a message: the column they set or clear, and the audit verb.
MESSAGE_ACTIONS = {
    "handle": ("handled_at", True, "contact.handled"),
    "reopen": ("handled_at", False, "contact.reopened"),
    "archive": ("archived_at", True, "contact.archived"),
    "unarchive": ("archived_at", False, "contact.unarchived"),
}


def change_message(message: ContactMessage, action: str, staff_id: int) -> None:
    """Mark handled or open again; archive or take out of the archive."""
    column, on, verb = MESSAGE_ACTIONS[action]
    setattr(message, column, utcnow() if on else None)
    record(staff_id, verb, "contact_message", message.reference)
    db.session.commit()


def delete_message(message: ContactMessage, staff_id: int) -> None:
    """Delete a message and the mail about it (which repeats its text)."""
    reference = message.reference
    db.session.execute(sa.delete(OutboxMessage).where(OutboxMessage.reference == reference))
    db.session.delete(message)
    db.session.flush()
    _delete_clients_without_messages()
    record(staff_id, "contact.deleted", "contact_message", reference)
    db.session.commit()


def _delete_clients_without_messages() -> None:
    has_messages = (
        sa.select(ContactMessage.id).where(ContactMessage.client_id == Client.id).exists()
    )
    has_invoices = sa.select(Invoice.id).where(Invoice.client_id == Client.id).exists()
    db.session.execute(sa.delete(Client).where(~has_messages, ~has_invoices))
