"""Proving who you are: a code emailed to the address, typed into the same browser.

Whether or not the studio holds data about an address, a request does the same work (a
challenge row, its HMAC, the code mail rendered and stored) and gets the same answer; only
for a known address is the mail queued for delivery. For an unknown one it is stored as
suppressed, never sent, and deleted with the other code mail by the retention rule.
Codes and cookie secrets are stored as HMACs keyed with SECRET_KEY and never logged.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from limits import parse

from website import retention
from website.addresses import address_key, email_hash, normalise_email
from website.clients.models import Client
from website.clock import utcnow
from website.consents.models import ConsentEvent
from website.contact.models import ContactMessage
from website.extensions import count_hit, db
from website.mail.models import OutboxMessage, Suppression
from website.mail.services import queue_mail
from website.privacy.models import (
    PrivacyRequest,
    Profile,
    ProfilePhoto,
    VerificationChallenge,
    VerifiedSession,
)
from website.queries import changed_rows
from website.restrictions.models import Restriction

CODE_DIGITS = 8
MAX_ATTEMPTS = 5
CODE_MAIL = "privacy/code"
# The download (everything at once) wants a code typed this recently: a session left open on
# a shared computer should not hand over everything (OWASP's Session Management Cheat Sheet
# asks for re-authentication before sensitive actions).
FRESH_FOR = timedelta(minutes=15)


class CodeProblem(enum.Enum):
    WRONG = "wrong"  # try again (attempts are left)
    SPENT = "spent"  # expired, used, replaced or out of attempts: ask for a new code


def keyed_hash(purpose: str, value: str) -> str:
    """An HMAC (with SECRET_KEY) of ``value`` for one ``purpose``: what is stored of a code."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def holds_data_about(address: str) -> bool:
    """Whether the studio holds anything about this (normalised) address."""
    found = (
        sa.select(Client.id).where(Client.email == address),
        sa.select(ContactMessage.id).where(ContactMessage.email_normalised == address),
        sa.select(ConsentEvent.id).where(ConsentEvent.email == address),
        sa.select(Profile.id).where(Profile.email == address),
        sa.select(ProfilePhoto.id).where(ProfilePhoto.email == address),
        sa.select(Suppression.id).where(Suppression.email_hash == email_hash(address)),
        sa.select(PrivacyRequest.id).where(PrivacyRequest.email == address),
        sa.select(Restriction.id).where(Restriction.email == address),
    )
    return bool(db.session.scalar(sa.select(sa.or_(*(query.exists() for query in found)))))


def request_code(
    email: str, language: str, replacing: str | None = None, now: datetime | None = None
) -> str:
    """Start a challenge for ``email``; return the secret the browser keeps (in its session).

    The browser's own earlier challenge (``replacing``, its secret) is closed: only its
    newest code works. Other browsers' codes for the address are left alone, so nobody who
    asks for someone's address can void the code that person is about to type. Each code
    works only in the browser that asked for it.
    """
    now = now or utcnow()
    address = normalise_email(email)
    code = new_code()
    browser_secret = secrets.token_urlsafe(32)
    minutes = current_app.config["PRIVACY_CODE_MINUTES"]
    if replacing:
        db.session.execute(
            sa.update(VerificationChallenge)
            .where(
                VerificationChallenge.browser_hash == keyed_hash("browser", replacing),
                VerificationChallenge.closed_at.is_(None),
            )
            .values(closed_at=now)
        )
    db.session.add(
        VerificationChallenge(
            browser_hash=keyed_hash("browser", browser_secret),
            email=address,
            code_hash=keyed_hash("code", f"{browser_secret}:{code}"),
            created_at=now,
            expires_at=now + timedelta(minutes=minutes),
        )
    )
    known = holds_data_about(address)
    mail = queue_mail(
        CODE_MAIL,
        to=address,
        subject=_l("Your code for the privacy centre"),
        language=language,
        holds_secret=True,
        despite_restriction=True,  # the way into the centre, where the person manages it
        code=code,
        minutes=minutes,
    )
    allowed = mail_allowed(address)  # counted for every address: the same work for all
    if not known or not allowed:
        mail.suppress()  # rendered and stored like any other, but never sent, and kept blank
    db.session.commit()
    return browser_secret


def mail_allowed(address: str) -> bool:
    """Codes mailed to one address, counted over every requester (PRIVACY_MAIL_LIMIT_EMAIL):
    beyond it the answer is the same, and no more mail fills that person's inbox."""
    cap = parse(current_app.config["PRIVACY_MAIL_LIMIT_EMAIL"])
    return count_hit(cap, "privacy-code-mail", address_key(address))


def challenge_email(browser_secret: str | None) -> str | None:
    """The address an open challenge of this browser is for (to ask for a new code)."""
    if not browser_secret:
        return None
    return db.session.scalar(
        sa.select(VerificationChallenge.email).where(
            VerificationChallenge.browser_hash == keyed_hash("browser", browser_secret)
        )
    )


def check_code(
    browser_secret: str | None, code: str, now: datetime | None = None
) -> str | CodeProblem:
    """Check a typed code; on success return a new verified session's cookie secret."""
    now = now or utcnow()
    if not browser_secret:
        return CodeProblem.SPENT
    browser_hash = keyed_hash("browser", browser_secret)
    # Count the attempt first, in one statement, so parallel guesses cannot exceed the limit.
    counted = changed_rows(
        sa.update(VerificationChallenge)
        .where(
            VerificationChallenge.browser_hash == browser_hash,
            VerificationChallenge.closed_at.is_(None),
            VerificationChallenge.expires_at > now,
            VerificationChallenge.attempts < MAX_ATTEMPTS,
        )
        .values(attempts=VerificationChallenge.attempts + 1)
    )
    challenge = db.session.scalar(
        sa.select(VerificationChallenge).where(VerificationChallenge.browser_hash == browser_hash)
    )
    if counted != 1 or challenge is None:
        db.session.commit()
        return CodeProblem.SPENT
    expected = keyed_hash("code", f"{browser_secret}:{code}")
    if not hmac.compare_digest(challenge.code_hash, expected):
        if challenge.attempts >= MAX_ATTEMPTS:
            challenge.closed_at = now
        db.session.commit()
        return CodeProblem.SPENT if challenge.closed_at else CodeProblem.WRONG
    challenge.closed_at = now
    session_secret = secrets.token_urlsafe(32)
    db.session.add(
        VerifiedSession(
            token_hash=keyed_hash("session", session_secret),
            email=challenge.email,
            created_at=now,
            last_seen_at=now,
        )
    )
    db.session.commit()
    return session_secret


def _idle_limit() -> timedelta:
    return timedelta(minutes=current_app.config["PRIVACY_SESSION_IDLE_MINUTES"])


def _max_age() -> timedelta:
    return timedelta(minutes=current_app.config["PRIVACY_SESSION_MAX_MINUTES"])


def current_session(session_secret: str | None, now: datetime | None = None) -> str | None:
    """The verified address of this cookie's session, kept alive; None once it idled out
    or reached its maximum age."""
    if not session_secret:
        return None
    now = now or utcnow()
    found = db.session.scalar(
        sa.select(VerifiedSession).where(
            VerifiedSession.token_hash == keyed_hash("session", session_secret)
        )
    )
    if found is None:
        return None
    if found.last_seen_at + _idle_limit() <= now or found.created_at + _max_age() <= now:
        db.session.delete(found)
        db.session.commit()
        return None
    found.last_seen_at = now
    email = found.email
    db.session.commit()
    return email


def is_fresh(session_secret: str | None, now: datetime | None = None) -> bool:
    """Whether this session's code was typed less than FRESH_FOR ago."""
    if not session_secret:
        return False
    created = db.session.scalar(
        sa.select(VerifiedSession.created_at).where(
            VerifiedSession.token_hash == keyed_hash("session", session_secret)
        )
    )
    return created is not None and created + FRESH_FOR > (now or utcnow())


def end_session(session_secret: str | None) -> None:
    """Sign out: the session row goes, so the cookie is worthless even if kept."""
    if session_secret:
        db.session.execute(
            sa.delete(VerifiedSession).where(
                VerifiedSession.token_hash == keyed_hash("session", session_secret)
            )
        )
        db.session.commit()


@retention.rule("privacy centre codes and sessions")
def delete_spent_verification(now: datetime) -> int:
    """Delete used and expired codes (and the mail that carried them) and idle sessions."""
    minutes = current_app.config["PRIVACY_CODE_MINUTES"]
    codes = changed_rows(
        sa.delete(VerificationChallenge).where(
            sa.or_(
                VerificationChallenge.expires_at <= now,
                VerificationChallenge.closed_at.is_not(None),
            )
        )
    )
    mails = changed_rows(
        sa.delete(OutboxMessage).where(
            OutboxMessage.kind == CODE_MAIL,
            OutboxMessage.created_at <= now - timedelta(minutes=minutes),
        )
    )
    sessions = changed_rows(
        sa.delete(VerifiedSession).where(
            sa.or_(
                VerifiedSession.last_seen_at <= now - _idle_limit(),
                VerifiedSession.created_at <= now - _max_age(),
            )
        )
    )
    db.session.commit()
    return codes + mails + sessions
