"""Staff accounts: passwords, signing in with a growing delay, two-factor codes."""

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

from website.addresses import email_hash, normalise_email
from website.admin import sessions
from website.admin.models import RecoveryCode, SignInThrottle, StaffMember
from website.audit.services import record
from website.clock import utcnow
from website.extensions import UTCDateTime, db
from website.queries import changed_rows

MIN_PASSWORD_LENGTH = 12
FREE_FAILURES = 3  # failed sign-ins before the delay starts
FIRST_DELAY_SECONDS = 30
LONGEST_DELAY_SECONDS = 60 * 60
RECOVERY_CODES = 10
# Wrong authenticator codes in a row, over all sign-in attempts, before the code step of the
# account closes for a while (each attempt itself allows five: see ``website.admin.auth``).
ACCOUNT_CODE_TRIES = 10
CODES_LOCKED_FOR = timedelta(minutes=15)
TOTP_ISSUER = "iVisual Productions"


class StaffError(Exception):
    """A staff command that cannot be carried out; the message says why."""


def all_staff() -> list[StaffMember]:
    """Every staff account, active or not, by email address."""
    return list(db.session.scalars(sa.select(StaffMember).order_by(StaffMember.email)))


def password_problem(password: str, email: str = "") -> str | None:
    """Why ``password`` is not good enough, or None (length, then common or guessable)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters."
    # zxcvbn refuses more than 72 characters; a longer password is judged by its start.
    strength = zxcvbn(password[:72], user_inputs=[email, "ivisual", "productions", "studio"])
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
    staff = existing_staff(email)
    staff.active = active
    sessions.end_all(staff)
    record(None, "staff.enabled" if active else "staff.disabled", "staff_member", staff.id)
    db.session.commit()
    return staff


def unlock(email: str) -> StaffMember:
    """Forget the failed sign-ins and wrong codes that delay an account (``flask staff unlock``)."""
    staff = existing_staff(email)
    db.session.execute(
        sa.delete(SignInThrottle).where(SignInThrottle.email_hash == email_hash(staff.email))
    )
    staff.code_failures = 0
    staff.codes_locked_until = None
    record(None, "staff.unlocked", "staff_member", staff.id)
    db.session.commit()
    return staff


def set_password(staff: StaffMember, password: str, *, actor_id: int | None = None) -> None:
    """A new password; every session of the member ends (``actor_id``: who, None for the
    command line)."""
    problem = password_problem(password, staff.email)
    if problem:
        raise StaffError(problem)
    staff.password_hash = generate_password_hash(password)
    sessions.end_all(staff)
    record(actor_id, "staff.password_changed", "staff_member", staff.id)
    db.session.commit()


@dataclass(frozen=True)
class SignIn:
    staff: StaffMember | None = None
    wait_seconds: int = 0  # > 0: too many failures, nothing was checked


def sign_in(email: str, password: str, device: str = "", now: datetime | None = None) -> SignIn:
    """Check a password; unknown addresses and wrong passwords look and take the same.

    Failures delay further tries per address and ``device``: a browser the member signed
    in from before (see ``website.admin.devices``) keeps its own count, so strangers who
    lock the address out of every other browser do not lock out its owner.
    """
    now = now or utcnow()
    throttle = _throttle_for(email, device)
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
        if secrets.compare_digest(recovery.code_hash, digest) and _claim(recovery):
            record(staff.id, "staff.recovery_code_used", "staff_member", staff.id)
            db.session.commit()
            return True
    return False


def reserve_code(staff: StaffMember, now: datetime | None = None) -> bool:
    """Count a code against the account before it is checked; False while the code step is
    closed. One statement, so codes sent at once cannot slip past the limit: the one that
    reaches ``ACCOUNT_CODE_TRIES`` closes the step at once (a right code opens it again)."""
    now = now or utcnow()
    expired = StaffMember.codes_locked_until <= now
    count = sa.case((expired, 1), else_=StaffMember.code_failures + 1)
    reserved = db.session.execute(
        sa.update(StaffMember)
        .where(
            StaffMember.id == staff.id,
            sa.or_(StaffMember.codes_locked_until.is_(None), expired),
        )
        .values(
            code_failures=count,
            codes_locked_until=sa.case(
                (count >= ACCOUNT_CODE_TRIES, sa.literal(now + CODES_LOCKED_FOR, UTCDateTime())),
                else_=sa.null(),
            ),
        )
        .returning(StaffMember.code_failures)
    ).scalar_one_or_none()
    db.session.commit()
    return reserved is not None


def codes_wait_seconds(staff: StaffMember, now: datetime | None = None) -> int:
    """How long the code step stays closed after too many wrong codes in a row."""
    db.session.refresh(staff)
    now = now or utcnow()
    if staff.codes_locked_until is None or staff.codes_locked_until <= now:
        return 0
    return int((staff.codes_locked_until - now).total_seconds()) + 1


def count_code(staff: StaffMember, right: bool) -> None:
    """A right code starts the count again; a wrong one stays counted."""
    if right:
        staff.code_failures = 0
        staff.codes_locked_until = None
    else:
        record(staff.id, "staff.second_factor_failed", "staff_member", staff.id)
    db.session.commit()


def _accept_totp(staff: StaffMember, code: str) -> bool:
    if not staff.totp_secret or not code.isdigit():
        return False
    totp = pyotp.TOTP(staff.totp_secret)
    current = int(time.time() // totp.interval)
    for step in (current - 1, current, current + 1):  # clocks may be 30 seconds apart
        if secrets.compare_digest(totp.generate_otp(step), code):
            return _claim_step(staff, step)
    return False


def _claim_step(staff: StaffMember, step: int) -> bool:
    """Record ``step`` as used unless it (or a later one) was: one statement, so two
    requests with the same code at once cannot both be accepted."""
    claimed = changed_rows(
        sa.update(StaffMember)
        .where(
            StaffMember.id == staff.id,
            sa.or_(StaffMember.totp_last_step.is_(None), StaffMember.totp_last_step < step),
        )
        .values(totp_last_step=step)
    )
    return claimed == 1


def _claim(recovery: RecoveryCode) -> bool:
    claimed = changed_rows(
        sa.update(RecoveryCode)
        .where(RecoveryCode.id == recovery.id, RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())
    )
    return claimed == 1


def _find(address: str) -> StaffMember | None:
    return db.session.scalar(sa.select(StaffMember).where(StaffMember.email == address))


def existing_staff(email: str) -> StaffMember:
    """The account for ``email``; ``StaffError`` if there is none."""
    staff = _find(normalise_email(email))
    if staff is None:
        raise StaffError(f"There is no staff account for {normalise_email(email)}.")
    return staff


def _throttle_for(email: str, device: str) -> SignInThrottle:
    key = email_hash(email)
    query = sa.select(SignInThrottle).where(
        SignInThrottle.email_hash == key, SignInThrottle.device == device
    )
    throttle = db.session.scalar(query)
    if throttle is None:
        try:
            with db.session.begin_nested():  # two first attempts at once: one row wins
                throttle = SignInThrottle(email_hash=key, device=device, failures=0)
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
