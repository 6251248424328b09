"""Staff sessions kept on the server: started at sign-in, ended on the server, timed out.

The browser's signed session cookie carries only a random token (``SESSION_KEY``); the
``StaffSession`` row behind it decides. Signing out, changing the password, ``flask staff
disable`` and "sign out everywhere" delete rows, so a copy of an old cookie opens nothing.
A session ends after ``STAFF_SESSION_IDLE_MINUTES`` without a request and, whatever
happens, ``STAFF_SESSION_MAX_HOURS`` after signing in.

Between the password and the authenticator code a session is *pending*: it signs nobody
in, lasts ``PENDING`` at most and counts the wrong codes sent for it.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, session

from website import retention
from website.admin.models import StaffMember, StaffSession
from website.clock import utcnow
from website.extensions import db
from website.queries import changed_rows

SESSION_KEY = "staff_session"
PENDING = timedelta(minutes=5)
# Seeing a session again within this time does not write to the database again.
TOUCH_EVERY = timedelta(minutes=1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(staff: StaffMember, *, signed_in: bool) -> None:
    """A new session for this browser, replacing whatever its cookie held (no fixation); the
    session it replaces ends on the server too."""
    end_this()
    token = secrets.token_urlsafe(32)
    db.session.add(StaffSession(token_hash=_digest(token), staff_member=staff, signed_in=signed_in))
    session[SESSION_KEY] = token


def current(*, signed_in: bool = True, now: datetime | None = None) -> StaffSession | None:
    """This browser's session, if it is still valid (expired ones are deleted here)."""
    token = session.get(SESSION_KEY)
    if not isinstance(token, str):
        return None
    row = db.session.scalar(
        sa.select(StaffSession).where(StaffSession.token_hash == _digest(token))
    )
    if row is None or row.signed_in is not signed_in:
        return None
    now = now or utcnow()
    if _expired(row, now) or not row.staff_member.active:
        db.session.delete(row)
        db.session.commit()
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
        db.session.commit()
    return row


def _expired(row: StaffSession, now: datetime) -> bool:
    if not row.signed_in:
        return now >= row.created_at + PENDING
    config = current_app.config
    idle = timedelta(minutes=config["STAFF_SESSION_IDLE_MINUTES"])
    longest = timedelta(hours=config["STAFF_SESSION_MAX_HOURS"])
    return now >= row.last_seen_at + idle or now >= row.created_at + longest


def end_this() -> None:
    """End this browser's session (signed in or pending) and forget the cookie's contents."""
    token = session.get(SESSION_KEY)
    if isinstance(token, str):
        db.session.execute(sa.delete(StaffSession).where(StaffSession.token_hash == _digest(token)))
    session.clear()


def end_all(staff: StaffMember) -> int:
    """End the member's sessions everywhere; how many ended."""
    query = sa.delete(StaffSession).where(StaffSession.staff_member_id == staff.id)
    return changed_rows(query)


def count_others(staff: StaffMember) -> int:
    """How many other browsers are signed in as this member."""
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(StaffSession)
            .where(
                StaffSession.staff_member_id == staff.id,
                StaffSession.signed_in.is_(True),
                StaffSession.token_hash != _digest(session.get(SESSION_KEY, "")),
            )
        )
        or 0
    )


def reserve_code_try(row: StaffSession) -> int:
    """Count one more code sent for this pending session, before it is checked; the count.

    Counted in the database in one statement, so requests sent at once each use a try.
    """
    return db.session.execute(
        sa.update(StaffSession)
        .where(StaffSession.id == row.id)
        .values(code_tries=StaffSession.code_tries + 1)
        .returning(StaffSession.code_tries)
    ).scalar_one()


@retention.rule("staff sessions")
def delete_expired(now: datetime) -> int:
    """Delete sessions that can no longer be used: idle, too old, or a code never given."""
    config = current_app.config
    idle = timedelta(minutes=config["STAFF_SESSION_IDLE_MINUTES"])
    longest = timedelta(hours=config["STAFF_SESSION_MAX_HOURS"])
    deleted = changed_rows(
        sa.delete(StaffSession).where(
            sa.or_(
                StaffSession.last_seen_at <= now - idle,
                StaffSession.created_at <= now - longest,
                sa.and_(
                    StaffSession.signed_in.is_(False), StaffSession.created_at <= now - PENDING
                ),
            )
        )
    )
    db.session.commit()
    return deleted
