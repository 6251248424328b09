"""Staff accounts, their sign-in state, and the audit log of what they do."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from website.clock import utcnow
from website.extensions import db


class StaffMember(UserMixin, db.Model):
    """A person who works in the back office."""

    __tablename__ = "staff_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)  # normalised
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True)
    # Part of the session's user id: bumping it signs the member out everywhere.
    session_version: Mapped[int] = mapped_column(default=1)
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    totp_enabled: Mapped[bool] = mapped_column(default=False)
    totp_last_step: Mapped[int | None]  # a code is accepted once, never replayed
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_sign_in_at: Mapped[datetime | None]

    recovery_codes: Mapped[list[RecoveryCode]] = relationship(
        back_populates="staff_member", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:  # what Flask-Login asks
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"


class RecoveryCode(db.Model):
    """A one-time code that stands in for the authenticator app; stored as a hash."""

    __tablename__ = "staff_recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_member_id: Mapped[int] = mapped_column(
        sa.ForeignKey("staff_member.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    used_at: Mapped[datetime | None]

    staff_member: Mapped[StaffMember] = relationship(back_populates="recovery_codes")


class SignInThrottle(db.Model):
    """Failed sign-ins per email address (hashed), known to us or not: the growing delay."""

    __tablename__ = "staff_sign_in_throttle"

    id: Mapped[int] = mapped_column(primary_key=True)
    email_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    failures: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    last_failure_at: Mapped[datetime | None]
