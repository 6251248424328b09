"""Telling newsletter subscribers, once each, that a new privacy policy version is in force.

Whoever's latest newsletter decision is a giving, made under an earlier version (or under
none), gets one informational mail about the version in force: not a request to consent
again. It is marketing mail, so ``queue_mail`` holds it back for a suppressed address or a
restriction of processing, and adds the unsubscribe link. A ``PolicyAnnouncement`` (version
date and address hash, unique together) is added in the same transaction as the mail, and
the mail is queued only if this run's row went in: of two runs at once, one mails.

Retention: the rows are proof that the mail went out, and they are what keeps the next run
from mailing the same subscriber again, so they cannot go after a fixed period while the
subscription lasts. They go with the consent history instead: the rule deletes the rows of
addresses that have no consent event left (deleted after CONSENT_KEEP_YEARS by the consent
history rule, or moved to another address by an email change).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from website import retention
from website.addresses import email_hash
from website.clients.models import Client
from website.clock import utcnow
from website.consents.models import ConsentAction, ConsentEvent, ConsentPurpose
from website.extensions import db
from website.mail.services import public_url, queue_mail
from website.policy.models import PolicyVersion
from website.policy.services import LANGUAGES, current_version
from website.privacy.models import PolicyAnnouncement
from website.queries import changed_rows, insert_unless_present

# Subscribers handled per transaction: a long run never holds one transaction for all.
BATCH = 100


@dataclass(frozen=True)
class Subscriber:
    email: str
    language: str  # of the version they consented under, else of their client record


def announce_policy(today: date | None = None) -> int:
    """Queue the mail about the version in force to each subscriber not yet told; how many."""
    published_on = in_force(today)
    if published_on is None:
        return 0
    subscribers = not_yet_told(published_on)
    db.session.commit()  # the read ends here; each batch below is a transaction of its own
    queued = 0
    for start in range(0, len(subscribers), BATCH):
        for subscriber in subscribers[start : start + BATCH]:
            queued += _announce(subscriber, published_on)
        db.session.commit()
    return queued


def in_force(today: date | None = None) -> date | None:
    """The date of the version in force (each is published in every language at once)."""
    dates = [
        version.published_on
        for language in LANGUAGES
        if (version := current_version(language, today)) is not None
    ]
    return max(dates, default=None)


def not_yet_told(published_on: date) -> list[Subscriber]:
    """Everyone whose latest newsletter event is a giving under a version older than
    ``published_on`` (or under none) and who has no announcement of it; ordered by address."""
    newest_first = sa.func.row_number().over(
        partition_by=ConsentEvent.email,
        order_by=(ConsentEvent.created_at.desc(), ConsentEvent.id.desc()),
    )
    latest = (
        sa.select(
            ConsentEvent.email,
            ConsentEvent.email_hash,
            ConsentEvent.action,
            ConsentEvent.policy_version_id,
            newest_first.label("rank"),
        )
        .where(ConsentEvent.purpose == ConsentPurpose.NEWSLETTER)
        .subquery()
    )
    told = sa.exists().where(
        PolicyAnnouncement.published_on == published_on,
        PolicyAnnouncement.email_hash == latest.c.email_hash,
    )
    rows = db.session.execute(
        sa.select(latest.c.email, PolicyVersion.language, Client.language)
        .select_from(latest)
        .outerjoin(PolicyVersion, PolicyVersion.id == latest.c.policy_version_id)
        .outerjoin(Client, Client.email == latest.c.email)
        .where(
            latest.c.rank == 1,
            latest.c.action == ConsentAction.GIVEN,
            sa.or_(latest.c.policy_version_id.is_(None), PolicyVersion.published_on < published_on),
            ~told,
        )
        # One order for every run: two runs at once wait for each other's rows in the same
        # order (PostgreSQL), so neither waits for a row the other holds while it waits.
        .order_by(latest.c.email)
    ).all()
    default = current_app.config["DEFAULT_LANGUAGE"]
    return [
        Subscriber(email, version_language or client_language or default)
        for email, version_language, client_language in rows
    ]


def _announce(subscriber: Subscriber, published_on: date) -> bool:
    """Record the announcement and queue its mail (not committed), unless another run did."""
    added = insert_unless_present(
        PolicyAnnouncement,
        ("published_on", "email_hash"),
        published_on=published_on,
        email_hash=email_hash(subscriber.email),
        created_at=utcnow(),
    )
    if not added:
        return False
    queue_mail(
        "privacy/policy_changed",
        to=subscriber.email,
        subject=_l("Our privacy policy has changed"),
        language=subscriber.language,
        marketing=True,  # to newsletter subscribers: suppression holds, unsubscribe link
        published_on=published_on,
        policy_url=public_url("policy.show_version", published_on=published_on.isoformat()),
        centre_url=public_url("pages.privacy_centre"),
    )
    return True


@retention.rule("policy announcements")
def delete_orphaned_announcements(now: datetime) -> int:
    """Retention: delete the announcements of addresses that have no consent history left."""
    history = sa.exists().where(ConsentEvent.email_hash == PolicyAnnouncement.email_hash)
    deleted = changed_rows(sa.delete(PolicyAnnouncement).where(~history))
    db.session.commit()
    return deleted
