"""Staff accounts: passwords, signing in with a growing delay, two-factor codes, the audit log."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

import pyotp
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from website.admin.models import RecoveryCode, SignInThrottle, StaffMember
from website.audit.services import record
from website.clock import utcnow
from website.extensions import db
from website.mail.services import email_hash, normalise_email

MIN_PASSWORD_LENGTH = 12
FREE_FAILURES = 3  # failed sign-ins before the delay starts
FIRST_DELAY_SECONDS = 30
LONGEST_DELAY_SECONDS = 60 * 60
RECOVERY_CODES = 10
TOTP_ISSUER = "iVisual Productions"


class StaffError(Exception):
    """A staff command that cannot be carried out; the message says why."""


def password_problem(password: str, email: str = "") -> str | None:
    """Why ``password`` is not good enough, or None (length, then common or guessable)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters."
    strength = zxcvbn(password[:128], user_inputs=[email, "ivisual", "productions", "studio"])
    if strength["score"] < 3:
        return "This password is too common or too easy to guess; a few random words work well."
    return None


def create_staff(email: str, password: str) -> StaffMember:
    """Add a staff member (``flask staff create``)."""
    address = normalise_email(email)
    if _find(address) is not None:
        raise StaffError(f"There is already a staff account for {address}.")
    problem = password_problem(password, address)
    if problem:
        raise StaffError(problem)
    staff = StaffMember(email=address, password_hash=generate_password_hash(password))
    db.session.add(staff)
    db.session.flush()
    record(None, "staff.created", "staff_member", staff.id)
    db.session.commit()
    return staff


def set_active(email: str, active: bool) -> StaffMember:
    """Disable (signing out every session) or enable a staff account."""
    staff = _find(normalise_email(email))
    if staff is None:
        raise StaffError(f"There is no staff account for {normalise_email(email)}.")
    staff.active = active
    staff.session_version += 1
    record(None, "staff.enabled" if active else "staff.disabled", "staff_member", staff.id)
    db.session.commit()
    return staff


def load_staff(session_id: str) -> StaffMember | None:
    """The signed-in member behind a session, if the session is still valid."""
    member_id, _, version = session_id.partition(":")
    if not (member_id.isdigit() and version.isdigit()):
        return None
    staff = db.session.get(StaffMember, int(member_id))
    if staff is None or not staff.active or staff.session_version != int(version):
        return None
    return staff


@dataclass(frozen=True)
class SignIn:
    staff: StaffMember | None = None
    wait_seconds: int = 0  # > 0: too many failures, nothing was checked


def sign_in(email: str, password: str, now: datetime | None = None) -> SignIn:
    """Check a password; unknown addresses and wrong passwords look and take the same."""
    now = now or utcnow()
    throttle = _throttle_for(email)
    if throttle.locked_until and throttle.locked_until > now:
        db.session.commit()
        return SignIn(wait_seconds=int((throttle.locked_until - now).total_seconds()) + 1)
    staff = _find(normalise_email(email))
    known_hash = staff.password_hash if staff else _dummy_hash()
    if check_password_hash(known_hash, password) and staff is not None and staff.active:
        db.session.delete(throttle)
        db.session.commit()
        return SignIn(staff=staff)
    throttle.failures += 1
    throttle.last_failure_at = now
    if throttle.failures >= FREE_FAILURES:
        delay = FIRST_DELAY_SECONDS * 2 ** (throttle.failures - FREE_FAILURES)
        throttle.locked_until = now + timedelta(seconds=min(delay, LONGEST_DELAY_SECONDS))
    if staff is not None:
        record(staff.id, "staff.sign_in_failed", "staff_member", staff.id)
    db.session.commit()
    return SignIn()


def complete_sign_in(staff: StaffMember) -> None:
    staff.last_sign_in_at = utcnow()
    record(staff.id, "staff.signed_in", "staff_member", staff.id)
    db.session.commit()


def start_totp(staff: StaffMember) -> str:
    """Give the member a new secret to scan; it counts only once a code confirms it."""
    if staff.totp_enabled:
        raise StaffError("Two-factor authentication is already on.")
    staff.totp_secret = pyotp.random_base32()
    db.session.commit()
    return staff.totp_secret


def totp_uri(staff: StaffMember) -> str:
    if not staff.totp_secret:
        raise StaffError("Two-factor set-up has not started.")
    return pyotp.TOTP(staff.totp_secret).provisioning_uri(name=staff.email, issuer_name=TOTP_ISSUER)


def confirm_totp(staff: StaffMember, code: str) -> list[str] | None:
    """Turn two-factor authentication on if ``code`` is right; return the recovery codes."""
    if staff.totp_enabled or not staff.totp_secret or not _accept_totp(staff, code):
        return None
    staff.totp_enabled = True
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
    staff.recovery_codes = [RecoveryCode(code_hash=_digest(code)) for code in codes]
    record(staff.id, "staff.two_factor_enabled", "staff_member", staff.id)
    db.session.commit()
    return codes


def disable_totp(staff: StaffMember, code: str) -> bool:
    if not staff.totp_enabled or not verify_second_factor(staff, code):
        return False
    staff.totp_enabled = False
    staff.totp_secret = None
    staff.recovery_codes = []
    record(staff.id, "staff.two_factor_disabled", "staff_member", staff.id)
    db.session.commit()
    return True


def verify_second_factor(staff: StaffMember, code: str) -> bool:
    """An authenticator code (each accepted once) or an unused recovery code."""
    cleaned = "".join(code.split()).lower()
    if cleaned.isdigit() and _accept_totp(staff, cleaned):
        db.session.commit()
        return True
    digest = _digest(cleaned)
    for recovery in staff.recovery_codes:
        if recovery.used_at is None and secrets.compare_digest(recovery.code_hash, digest):
            recovery.used_at = utcnow()
            record(staff.id, "staff.recovery_code_used", "staff_member", staff.id)
            db.session.commit()
            return True
    return False


def _accept_totp(staff: StaffMember, code: str) -> bool:
    if not staff.totp_secret or not code.isdigit():
        return False
    totp = pyotp.TOTP(staff.totp_secret)
    current = int(time.time() // totp.interval)
    for step in (current - 1, current, current + 1):  # clocks may be 30 seconds apart
        fresh = step > (staff.totp_last_step or 0)
        if fresh and secrets.compare_digest(totp.generate_otp(step), code):
            staff.totp_last_step = step
            return True
    return False


def _find(address: str) -> StaffMember | None:
    return db.session.scalar(sa.select(StaffMember).where(StaffMember.email == address))


def _throttle_for(email: str) -> SignInThrottle:
    key = email_hash(email)
    query = sa.select(SignInThrottle).where(SignInThrottle.email_hash == key)
    throttle = db.session.scalar(query)
    if throttle is None:
        try:
            with db.session.begin_nested():  # two first attempts at once: one row wins
                throttle = SignInThrottle(email_hash=key, failures=0)
                db.session.add(throttle)
        except IntegrityError:
            throttle = db.session.scalars(query).one()
    return throttle


@cache
def _dummy_hash() -> str:
    """A hash to check unknown addresses against, so they take as long as known ones."""
    return generate_password_hash(secrets.token_urlsafe(16))


def _new_recovery_code() -> str:
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    raw = "".join(secrets.choice(alphabet) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def _digest(code: str) -> str:
    return hashlib.sha256("".join(code.split()).lower().encode()).hexdigest()
