"""Requests under the GDPR, and complaints: filed, answered, extended or refused on time.

A request is due one calendar month after the studio received it (31 January: the last day
of February). Staff may extend it once, while that month runs, by one or two further months
with a reason the person is told (Art. 12(3) GDPR); a refusal gives its reason and names the
Autoriteit Persoonsgegevens and the courts (Art. 12(4)). Every step is in the audit log, as
ids; the emails about a request say only that there is news, and where to read it.
"""

from __future__ import annotations

import calendar
import hashlib
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql, sqlite

from website import retention
from website.addresses import normalise_email
from website.audit.services import record
from website.clock import studio_today, utcnow
from website.contact.services import new_reference
from website.extensions import db
from website.mail.services import public_url, queue_mail
from website.privacy.models import PrivacyRequest, RequestChannel, RequestKind, RequestStatus
from website.privacy.register import REQUEST_KEEP_YEARS
from website.queries import changed_rows, lock_row
from website.restrictions.models import Restriction, RestrictionGround
from website.restrictions.services import lift, restrict

MAX_EXTENSION_MONTHS = 2
DUE_SOON = timedelta(days=7)


class RequestError(ValueError):
    """The request cannot change as asked; the message says why (for staff)."""


class RequestClosed(RequestError):
    """It was answered already (perhaps a moment ago, by someone else)."""


def months_after(day: date, months: int) -> date:
    """The same day ``months`` calendar months later, or that month's last day if shorter."""
    year, month_index = divmod(day.year * 12 + day.month - 1 + months, 12)
    last_day = calendar.monthrange(year, month_index + 1)[1]
    return date(year, month_index + 1, min(day.day, last_day))


def file_request(
    email: str,
    kind: RequestKind,
    details: str,
    *,
    language: str,
    channel: RequestChannel = RequestChannel.PRIVACY_CENTRE,
    received_on: date | None = None,
    identity_check: str | None = None,
    staff_id: int | None = None,
) -> PrivacyRequest:
    """Store a request (committed) and tell the person it arrived; the same request sent twice
    (a double click, two tabs) while the first is open is that first request."""
    request = _add_request(
        email,
        kind,
        details,
        language=language,
        channel=channel,
        received_on=received_on,
        identity_check=identity_check,
        staff_id=staff_id,
    )
    db.session.commit()
    return request


def ask_restriction(
    email: str, ground: RestrictionGround, details: str, *, language: str
) -> PrivacyRequest:
    """The person asks that their data is only stored (Art. 18): the restriction is in force
    at once, while staff answer the request that records it (committed together)."""
    request = _add_request(
        email,
        RequestKind.RESTRICTION,
        f"{ground.label}\n{details.strip()}".strip(),
        language=language,
    )
    restrict(email, ground, request.id)
    db.session.commit()
    return request


def lift_restriction(restriction: Restriction, *, staff_id: int) -> None:
    """Staff lift the restriction; the person is told first, as Art. 18(3) asks."""
    lift(restriction, staff_id)
    record(staff_id, "privacy_restriction.lifted", "privacy_restriction", restriction.id)
    queue_mail(
        "privacy/restriction_lifted",
        to=restriction.email,
        subject=_l("The restriction of your data is lifted"),
        language=_language_of(restriction.email),
        despite_restriction=True,
        centre_url=public_url("pages.privacy_centre"),
    )
    db.session.commit()


def _language_of(email: str) -> str:
    """The language of the person's latest request (they wrote in it), else the default."""
    latest = db.session.scalar(
        sa.select(PrivacyRequest.language)
        .where(PrivacyRequest.email == normalise_email(email))
        .order_by(PrivacyRequest.received_at.desc(), PrivacyRequest.id.desc())
        .limit(1)
    )
    return latest or current_app.config["DEFAULT_LANGUAGE"]


def _add_request(
    email: str,
    kind: RequestKind,
    details: str,
    *,
    language: str,
    channel: RequestChannel = RequestChannel.PRIVACY_CENTRE,
    received_on: date | None = None,
    identity_check: str | None = None,
    staff_id: int | None = None,
) -> PrivacyRequest:
    """``file_request`` without the commit."""
    address = normalise_email(email)
    details = details.strip()
    received = received_on or studio_today()
    fingerprint = _fingerprint(address, kind, details)
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    inserted = db.session.execute(
        dialect.insert(PrivacyRequest)
        .values(
            reference=new_reference("P"),
            email=address,
            language=language,
            kind=kind,
            channel=channel,
            details=details,
            identity_check=identity_check,
            fingerprint=fingerprint,
            status=RequestStatus.OPEN,
            received_at=utcnow(),
            received_on=received,
            due_on=months_after(received, 1),
            logged_by_id=staff_id,
        )
        .on_conflict_do_nothing(
            index_elements=["fingerprint"], index_where=sa.text("status = 'open'")
        )
        .returning(PrivacyRequest.id)
    ).scalar_one_or_none()
    request = db.session.scalars(
        sa.select(PrivacyRequest).where(
            PrivacyRequest.fingerprint == fingerprint,
            PrivacyRequest.status == RequestStatus.OPEN,
        )
    ).one()
    if inserted is not None:
        record(staff_id, "privacy_request.filed", "privacy_request", request.id)
        _tell(
            request,
            "received",
            _l("We received your privacy request (%(ref)s)", ref=request.reference),
        )
    return request


def _fingerprint(address: str, kind: RequestKind, details: str) -> str:
    text = "\x1f".join((address, kind.value, " ".join(details.split()).lower()))
    return hashlib.sha256(text.encode()).hexdigest()


def requests_of(email: str) -> list[PrivacyRequest]:
    """The person's requests, newest first."""
    return list(
        db.session.scalars(
            sa.select(PrivacyRequest)
            .where(PrivacyRequest.email == normalise_email(email))
            .order_by(PrivacyRequest.received_at.desc(), PrivacyRequest.id.desc())
        )
    )


def desk_query(status: RequestStatus | None) -> sa.Select[PrivacyRequest]:
    """Requests for the desk: open ones first, by the day they are due; then the answered."""
    due = sa.func.coalesce(PrivacyRequest.extended_to, PrivacyRequest.due_on)
    query = sa.select(PrivacyRequest).order_by(
        (PrivacyRequest.status != RequestStatus.OPEN), due, PrivacyRequest.id
    )
    if status is not None:
        query = query.where(PrivacyRequest.status == status)
    return query


def due_counts(today: date) -> tuple[int, int]:
    """Open requests past their due day, and those due within the next seven days."""
    due = sa.func.coalesce(PrivacyRequest.extended_to, PrivacyRequest.due_on)
    open_ = PrivacyRequest.status == RequestStatus.OPEN
    overdue = sa.select(sa.func.count()).where(open_, due < today)
    soon = sa.select(sa.func.count()).where(open_, due >= today, due <= today + DUE_SOON)
    return db.session.scalar(overdue) or 0, db.session.scalar(soon) or 0


def complete(request: PrivacyRequest, outcome: str, *, staff_id: int) -> PrivacyRequest:
    """Answer the request: what was done. The person is told there is news."""
    request = open_locked(request)
    close_answered(request, outcome, staff_id=staff_id)
    db.session.commit()
    return request


def close_answered(request: PrivacyRequest, outcome: str, *, staff_id: int) -> None:
    """Mark an open request, locked by ``open_locked``, answered (not committed), and tell
    the person there is news."""
    _close(request, RequestStatus.COMPLETED, outcome, staff_id)
    record(staff_id, "privacy_request.completed", "privacy_request", request.id)
    _tell(
        request, "answered", _l("Your privacy request %(ref)s is answered", ref=request.reference)
    )


def refuse(request: PrivacyRequest, reason: str, *, staff_id: int) -> PrivacyRequest:
    """Refuse the request, with the reason; the mail names the Autoriteit Persoonsgegevens and
    the courts, where the person can go next (Art. 12(4))."""
    request = open_locked(request)
    _close(request, RequestStatus.REFUSED, reason, staff_id)
    record(staff_id, "privacy_request.refused", "privacy_request", request.id)
    _tell(
        request, "refused", _l("Your privacy request %(ref)s", ref=request.reference), reason=reason
    )
    db.session.commit()
    return request


def extend(
    request: PrivacyRequest, months: int, reason: str, *, staff_id: int, today: date
) -> PrivacyRequest:
    """Give the request one or two more months, once, while its first month runs; the person
    is mailed the reason and the new date."""
    request = open_locked(request)
    if not 1 <= months <= MAX_EXTENSION_MONTHS:
        _refused("An extension is one or two months.")
    if request.extended_to is not None:
        _refused("The request was extended already; it can be extended only once.")
    if today > request.due_on:
        _refused("The first month has passed: the law allows an extension only within it.")
    request.extended_to = months_after(request.received_on, 1 + months)
    request.extension_reason = reason.strip()
    record(staff_id, "privacy_request.extended", "privacy_request", request.id)
    _tell(
        request,
        "extended",
        _l("Your privacy request %(ref)s needs more time", ref=request.reference),
        reason=request.extension_reason,
    )
    db.session.commit()
    return request


def _refused(message: str) -> None:
    db.session.rollback()
    raise RequestError(message)


def open_locked(request: PrivacyRequest) -> PrivacyRequest:
    """The request as stored now, locked until the transaction ends; it must still be open."""
    request_id = request.id
    lock_row(PrivacyRequest, request_id)
    current = db.session.get(PrivacyRequest, request_id, populate_existing=True)
    if current is None or not current.is_open:
        db.session.rollback()
        raise RequestClosed("This request was answered already.")
    return current


def _close(request: PrivacyRequest, status: RequestStatus, outcome: str, staff_id: int) -> None:
    request.status = status
    request.outcome = outcome.strip()
    request.answered_at = utcnow()
    request.answered_by_id = staff_id


def _tell(request: PrivacyRequest, mail: str, subject: str, **context: Any) -> None:
    """Mail the person that there is news; the mail holds no personal data, only the
    reference, the dates, a reason staff wrote for them, and the way to the centre."""
    queue_mail(
        f"privacy/request_{mail}",
        to=request.email,
        subject=subject,
        language=request.language,
        reference=request.reference,
        despite_restriction=True,  # news of the person's own request
        request=request,
        centre_url=public_url("pages.privacy_centre"),
        **context,
    )


@retention.rule("privacy requests")
def delete_old_requests(now: datetime) -> int:
    """Delete requests answered more than REQUEST_KEEP_YEARS ago: kept that long as proof
    that they were answered, and how."""
    cutoff = retention.months_before(now, 12 * REQUEST_KEEP_YEARS)
    deleted = changed_rows(sa.delete(PrivacyRequest).where(PrivacyRequest.answered_at < cutoff))
    db.session.commit()
    return deleted
