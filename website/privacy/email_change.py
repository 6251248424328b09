"""Changing the email address everything is held under, proven by a code sent to the new one.

Only once the code mailed to the new address is typed, in the browser that asked, does
everything held under the old address move: the client record, messages, consents with
their history, the profile and photos, take-downs, requests, a restriction, the objection
to marketing (kept for the old address too) and the sign-ins. Mail already sent stays a
record of what went to the old address. The old address is then told, with a link to say
"this was not me", which opens a request for staff. An address that already holds data of
its own is not merged into: staff get a request to look at it, and the person is told only
that staff will check the change.
"""

from __future__ import annotations

import enum
import hmac
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer

from website import retention
from website.addresses import email_hash, normalise_email
from website.audit.services import record
from website.clients.models import Client
from website.clock import utcnow
from website.consents.models import ConsentEvent
from website.contact.models import ContactMessage
from website.extensions import db
from website.mail.models import Suppression
from website.mail.services import public_url, queue_mail
from website.privacy.models import (
    EmailChange,
    PrivacyRequest,
    Profile,
    ProfilePhoto,
    RemovalRequest,
    RequestKind,
    VerificationChallenge,
    VerifiedSession,
)
from website.privacy.requests import file_request
from website.privacy.services import lock_subject
from website.privacy.verification import (
    CODE_DIGITS,
    MAX_ATTEMPTS,
    holds_data_about,
    keyed_hash,
    mail_allowed,
    new_code,
)
from website.queries import changed_rows, insert_unless_present
from website.restrictions.models import Restriction

NOT_ME_DAYS = 30  # the "this was not me" link works this long


class ChangeOutcome(enum.Enum):
    MOVED = "moved"
    WRONG = "wrong"  # try again (attempts are left)
    SPENT = "spent"  # expired, used, replaced or out of attempts: start again
    FOR_STAFF = "for_staff"  # the new address holds data of its own: staff look at it


def start_change(old: str, new: str, language: str, replacing: str | None = None) -> str:
    """Mail a code to ``new``; return the secret the browser keeps (in its session)."""
    now = utcnow()
    if replacing:
        db.session.execute(
            sa.update(EmailChange)
            .where(EmailChange.browser_hash == keyed_hash("change-browser", replacing))
            .values(closed_at=now)
        )
    browser_secret = secrets.token_urlsafe(32)
    code = new_code()
    minutes = current_app.config["PRIVACY_CODE_MINUTES"]
    address = normalise_email(new)
    db.session.add(
        EmailChange(
            browser_hash=keyed_hash("change-browser", browser_secret),
            old_email=normalise_email(old),
            new_email=address,
            code_hash=keyed_hash("change-code", f"{browser_secret}:{code}"),
            created_at=now,
            expires_at=now + timedelta(minutes=minutes),
        )
    )
    mail = queue_mail(
        "privacy/email_change_code",
        to=address,
        subject=_l("Your code to move your data to this address"),
        language=language,
        holds_secret=True,
        despite_restriction=True,
        code=code,
        minutes=minutes,
    )
    if not mail_allowed(address):
        mail.suppress()  # the same answer, but no more mail fills that inbox
    db.session.commit()
    return browser_secret


def pending_address(browser_secret: str | None, old: str) -> str | None:
    """The new address an open change of this browser (for ``old``) waits for a code for."""
    if not browser_secret:
        return None
    return db.session.scalar(
        sa.select(EmailChange.new_email).where(
            EmailChange.browser_hash == keyed_hash("change-browser", browser_secret),
            EmailChange.old_email == normalise_email(old),
            EmailChange.closed_at.is_(None),
        )
    )


def confirm_change(
    old: str, browser_secret: str | None, code: str, language: str, now: datetime | None = None
) -> ChangeOutcome:
    """Check the typed code; on success move everything (or hand the change to staff)."""
    now = now or utcnow()
    if not browser_secret:
        return ChangeOutcome.SPENT
    browser_hash = keyed_hash("change-browser", browser_secret)
    still_open = (
        EmailChange.browser_hash == browser_hash,
        EmailChange.old_email == normalise_email(old),
        EmailChange.closed_at.is_(None),
        EmailChange.expires_at > now,
        EmailChange.attempts < MAX_ATTEMPTS,
    )
    # Counted first, in one statement: parallel guesses cannot pass the limit.
    counted = changed_rows(
        sa.update(EmailChange).where(*still_open).values(attempts=EmailChange.attempts + 1)
    )
    change = db.session.scalar(
        sa.select(EmailChange).where(EmailChange.browser_hash == browser_hash)
    )
    if counted != 1 or change is None:
        db.session.commit()
        return ChangeOutcome.SPENT
    typed = "".join(code.split())[:CODE_DIGITS]
    if not hmac.compare_digest(
        change.code_hash, keyed_hash("change-code", f"{browser_secret}:{typed}")
    ):
        if change.attempts >= MAX_ATTEMPTS:
            change.closed_at = now
        db.session.commit()
        return ChangeOutcome.SPENT if change.closed_at else ChangeOutcome.WRONG
    change.closed_at = now
    lock_subject(change.old_email)
    if holds_data_about(change.new_email):
        db.session.commit()
        file_request(
            change.old_email,
            RequestKind.CORRECTION,
            f"Please move my data to the email address {change.new_email}.",
            language=language,
        )
        return ChangeOutcome.FOR_STAFF
    _move(change.old_email, change.new_email)
    change.moved_at = now
    record(None, "privacy.email_changed", "privacy_email_change", change.id)
    queue_mail(
        "privacy/email_changed",
        to=change.old_email,
        subject=_l("The email address of your data was changed"),
        language=language,
        despite_restriction=True,
        not_me_url=public_url("privacy.not_me", token=not_me_token(change.id)),
        centre_url=public_url("pages.privacy_centre"),
    )
    db.session.commit()
    return ChangeOutcome.MOVED


def _move(old: str, new: str) -> None:
    """Everything held under ``old`` is held under ``new`` from now on (not committed)."""
    for model, column in (
        (Client, Client.email),
        (ContactMessage, ContactMessage.email_normalised),
        (Profile, Profile.email),
        (ProfilePhoto, ProfilePhoto.email),
        (RemovalRequest, RemovalRequest.email),
        (PrivacyRequest, PrivacyRequest.email),
        (Restriction, Restriction.email),
        (VerifiedSession, VerifiedSession.email),
    ):
        db.session.execute(sa.update(model).where(column == old).values({column.key: new}))
    db.session.execute(
        sa.update(ContactMessage).where(ContactMessage.email_normalised == new).values(email=new)
    )
    db.session.execute(
        sa.update(ConsentEvent)
        .where(ConsentEvent.email == old)
        .values(email=new, email_hash=email_hash(new))
    )
    db.session.execute(sa.delete(VerificationChallenge).where(VerificationChallenge.email == old))
    objected = db.session.scalar(
        sa.select(Suppression.reason).where(Suppression.email_hash == email_hash(old))
    )
    if objected is not None:  # kept for the old address as well: it may be mailed no more
        insert_unless_present(
            Suppression,
            "email_hash",
            email_hash=email_hash(new),
            reason=objected,
            created_at=utcnow(),
        )


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="privacy-not-me")


def not_me_token(change_id: int) -> str:
    return _serializer().dumps(change_id)


def read_not_me_token(token: str) -> int | None:
    """The change a "this was not me" link is about, if the link is ours and not too old."""
    try:
        value = _serializer().loads(token, max_age=NOT_ME_DAYS * 24 * 60 * 60)
    except BadSignature:
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def report_not_me(change_id: int, language: str) -> PrivacyRequest | None:
    """The old address says it did not make the change: a request for staff (once)."""
    change = db.session.get(EmailChange, change_id)
    if change is None or change.moved_at is None:
        return None
    return file_request(
        change.old_email,
        RequestKind.NOT_ME,
        f"Email change {change.id}: the old address says it did not make it.",
        language=language,
    )


@retention.rule("email address changes")
def delete_old_changes(now: datetime) -> int:
    """Delete changes whose code no longer works and that moved nothing, at the next run;
    changes that moved the data once their "this was not me" link has stopped working."""
    deleted = changed_rows(
        sa.delete(EmailChange).where(
            sa.or_(
                sa.and_(
                    EmailChange.moved_at.is_(None),
                    sa.or_(EmailChange.closed_at.is_not(None), EmailChange.expires_at <= now),
                ),
                EmailChange.moved_at < now - timedelta(days=NOT_ME_DAYS),
            )
        )
    )
    db.session.commit()
    return deleted
