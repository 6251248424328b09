"""Consent changes in the privacy centre, objection and unsubscribing, take-downs for staff.

The events themselves are recorded by ``website.consents``. Withdrawing consent for published
work also queues a take-down for staff; objecting to direct marketing puts the address on the
suppression list the outbox honours, and withdraws newsletter consent. The retention rule
deletes the history (and take-downs) of an address that is no longer a client, has no consent
in force and has changed nothing for CONSENT_KEEP_YEARS: proof of consent is kept that long.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import force_locale

from website import retention
from website.addresses import email_hash, normalise_email
from website.audit.services import record
from website.clients.models import Client
from website.clock import utcnow
from website.consents.models import ConsentAction, ConsentChannel, ConsentEvent, ConsentPurpose
from website.consents.services import (
    consent_state,
    has_newsletter_consent,
    is_given,
    record_consent,
)
from website.extensions import db
from website.mail.models import Suppression
from website.privacy.models import RemovalRequest
from website.privacy.register import CONSENT_KEEP_YEARS, consent_notice
from website.queries import changed_rows, insert_unless_present

# Withdrawing these leaves work for staff: published photos to take down, partners to tell.
NEEDS_TAKE_DOWN = (ConsentPurpose.PORTFOLIO, ConsentPurpose.SOCIAL_MEDIA, ConsentPurpose.PARTNERS)
OBJECTION = "objection"


def lock_subject(email: str) -> None:
    """Serialise one person's changes until the transaction ends, so a double click records
    one change (PostgreSQL: an advisory lock on the address; SQLite has one writer)."""
    _lock_address_hash(email_hash(email))


def _lock_address_hash(address_hash: str) -> None:
    """``lock_subject`` for a caller that knows only the address's hash (an unsubscribe link)."""
    if db.session.get_bind().dialect.name == "postgresql":
        key = sa.func.hashtextextended("privacy:" + address_hash, 0)
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))


def change_consent(
    email: str, purpose: ConsentPurpose, action: ConsentAction, language: str
) -> ConsentEvent | None:
    """Give or withdraw in the privacy centre; None if it was already so (nothing recorded)."""
    lock_subject(email)  # checked and recorded under one lock: two clicks, one event
    if is_given(consent_state(email)[purpose]) == (action == ConsentAction.GIVEN):
        db.session.rollback()  # ends the transaction, and the lock with it
        return None
    with force_locale(language):
        shown = consent_notice(purpose, withdrawing=action == ConsentAction.WITHDRAWN)
    event = record_consent(
        email,
        purpose,
        action,
        channel=ConsentChannel.PRIVACY_CENTRE,
        language=language,
        notice=shown,
    )
    if action == ConsentAction.WITHDRAWN and purpose in NEEDS_TAKE_DOWN:
        db.session.add(
            RemovalRequest(email=normalise_email(email), purpose=purpose, consent_event=event)
        )
    if action == ConsentAction.GIVEN and purpose == ConsentPurpose.NEWSLETTER:
        # Asking for the newsletter again, verified, is the person's own new choice.
        suppression = _suppression(email_hash(email))
        if suppression is not None:
            db.session.delete(suppression)
    db.session.commit()
    return event


def stop_marketing(email: str, language: str, channel: ConsentChannel) -> None:
    """Object to direct marketing (Art. 21(3)): absolute, recorded, newsletter withdrawn."""
    lock_subject(email)
    _suppress(email_hash(email))
    _withdraw_newsletter(email, language, channel)
    db.session.commit()


def unsubscribe(address_hash: str, language: str) -> None:
    """The unsubscribe link: only the address's hash is known, found through its index."""
    _lock_address_hash(address_hash)
    _suppress(address_hash)
    subscribers = db.session.scalars(
        sa.select(ConsentEvent.email)
        .where(
            ConsentEvent.email_hash == address_hash,
            ConsentEvent.purpose == ConsentPurpose.NEWSLETTER,
        )
        .distinct()
    )
    for email in subscribers:
        _withdraw_newsletter(email, language, ConsentChannel.UNSUBSCRIBE_LINK)
    db.session.commit()


def _withdraw_newsletter(email: str, language: str, channel: ConsentChannel) -> None:
    """Record the newsletter withdrawn, if it is given; no text was shown, so no notice."""
    if has_newsletter_consent(email):
        record_consent(
            email,
            ConsentPurpose.NEWSLETTER,
            ConsentAction.WITHDRAWN,
            channel=channel,
            language=language,
            notice=None,
        )


def _suppression(address_hash: str) -> Suppression | None:
    return db.session.scalar(sa.select(Suppression).where(Suppression.email_hash == address_hash))


def _suppress(address_hash: str) -> None:
    insert_unless_present(
        Suppression, "email_hash", email_hash=address_hash, reason=OBJECTION, created_at=utcnow()
    )


def removal_queue() -> list[tuple[RemovalRequest, int | None]]:
    """Open take-downs, oldest first, each with its client's id where there is a client."""
    rows = db.session.execute(
        sa.select(RemovalRequest, Client.id)
        .outerjoin(Client, Client.email == RemovalRequest.email)
        .where(RemovalRequest.done_at.is_(None))
        .order_by(RemovalRequest.created_at, RemovalRequest.id)
    ).all()
    return [(removal, client_id) for removal, client_id in rows]


def finish_removal(item: RemovalRequest, staff_id: int) -> None:
    """Staff took the work down (or told the partners): mark it done, in the audit log."""
    item.done_at = utcnow()
    item.done_by_id = staff_id
    record(staff_id, "privacy.removal_done", "privacy_removal", item.id)
    db.session.commit()


@retention.rule("consent history and take-downs")
def delete_expired_consents(now: datetime) -> int:
    """Delete the consent history of addresses that are no longer clients, once it is old.

    An address qualifies when no client record is left, no consent is in force and its last
    event is more than CONSENT_KEEP_YEARS old; its take-down requests go with the history.
    """
    cutoff = retention.months_before(now, 12 * CONSENT_KEEP_YEARS)
    candidates = db.session.scalars(
        sa.select(ConsentEvent.email)
        .where(ConsentEvent.email.not_in(sa.select(Client.email)))
        .group_by(ConsentEvent.email)
        .having(sa.func.max(ConsentEvent.created_at) < cutoff)
    ).all()
    latest: dict[tuple[str, ConsentPurpose], ConsentEvent] = {}
    for event in db.session.scalars(  # one query for all candidates, oldest first
        sa.select(ConsentEvent)
        .where(ConsentEvent.email.in_(candidates))
        .order_by(ConsentEvent.created_at, ConsentEvent.id)
    ):
        latest[event.email, event.purpose] = event
    in_force = {email for (email, _), event in latest.items() if is_given(event)}
    expired = [email for email in candidates if email not in in_force]
    if not expired:
        return 0
    db.session.execute(sa.delete(RemovalRequest).where(RemovalRequest.email.in_(expired)))
    result = changed_rows(sa.delete(ConsentEvent).where(ConsentEvent.email.in_(expired)))
    db.session.commit()
    return result
