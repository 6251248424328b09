"""Staff accounts, their sign-in state, and the audit log of what they do."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from website.clock import utcnow
from website.extensions import Model


class StaffMember(UserMixin, Model):
    """A person who works in the back office."""

    __tablename__ = "staff_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)  # normalised
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True)
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    totp_enabled: Mapped[bool] = mapped_column(default=False)
    totp_last_step: Mapped[int | None]  # a code is accepted once, never replayed
    # Wrong second-factor codes in a row, over every sign-in attempt: past a limit the code
    # step closes for a while, so a stolen password cannot be used to guess codes.
    code_failures: Mapped[int] = mapped_column(default=0)
    codes_locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_sign_in_at: Mapped[datetime | None]

    recovery_codes: Mapped[list[RecoveryCode]] = relationship(
        back_populates="staff_member", cascade="all, delete-orphan"
    )
    sessions: Mapped[list[StaffSession]] = relationship(
        back_populates="staff_member", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def is_active(self) -> bool:  # what Flask-Login asks
        return self.active

    def get_id(self) -> str:
        return str(self.id)


class StaffSession(Model):
    """A browser signed in as a member, or half-way (password right, code still due).

    The browser's cookie holds a random token; the row holds its hash. Deleting the row ends
    the session wherever the cookie is, however often it was copied.
    """

    __tablename__ = "staff_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    staff_member_id: Mapped[int] = mapped_column(
        sa.ForeignKey("staff_member.id", ondelete="CASCADE"), index=True
    )
    signed_in: Mapped[bool] = mapped_column(default=False)  # False: the code is still due
    code_tries: Mapped[int] = mapped_column(default=0)  # wrong codes in this attempt
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)

    staff_member: Mapped[StaffMember] = relationship(back_populates="sessions")


class RecoveryCode(Model):
    """A one-time code that stands in for the authenticator app; stored as a hash."""

    __tablename__ = "staff_recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_member_id: Mapped[int] = mapped_column(
        sa.ForeignKey("staff_member.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    used_at: Mapped[datetime | None]

    staff_member: Mapped[StaffMember] = relationship(back_populates="recovery_codes")


class SignInThrottle(Model):
    """Failed sign-ins per email address (hashed), known to us or not: the growing delay.

    Counted per device: a browser where the member signed in before (its device cookie)
    has a count of its own, so strangers who lock out the address do not lock out its owner.
    ``device`` is empty for every other browser, counted together.
    """

    __tablename__ = "staff_sign_in_throttle"
    __table_args__ = (sa.UniqueConstraint("email_hash", "device"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email_hash: Mapped[str] = mapped_column(sa.String(64))
    device: Mapped[str] = mapped_column(sa.String(64), default="")
    failures: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    last_failure_at: Mapped[datetime | None]
