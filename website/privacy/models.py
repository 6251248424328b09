"""The privacy centre's own records: emailed codes, verified sessions, profiles, sample photos
and the take-downs that withdrawn consents leave for staff."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from website.clock import utcnow
from website.consents.models import ConsentEvent, ConsentPurpose
from website.extensions import Model


class VerificationChallenge(Model):
    """An emailed code that proves a visitor can read an address; only its HMAC is kept.

    One is made for every request, whether or not the address is known, so both take the
    same work. ``browser_hash`` ties it to the browser session that asked for it.
    """

    __tablename__ = "privacy_challenge"

    id: Mapped[int] = mapped_column(primary_key=True)
    browser_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)  # normalised
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    # Set when the code was used, or replaced by a new one: it never works again.
    closed_at: Mapped[datetime | None]


class VerifiedSession(Model):
    """A browser that proved it reads ``email``: found by the hash of its cookie's secret."""

    __tablename__ = "privacy_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    email: Mapped[str] = mapped_column(sa.String(254))  # normalised
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class Profile(Model):
    """What a person tells the studio about their wishes (Art. 16: they edit it themselves)."""

    __tablename__ = "privacy_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)  # normalised
    preferences: Mapped[str] = mapped_column(sa.Text, default="")
    interests: Mapped[str] = mapped_column(sa.Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProfilePhoto(Model):
    """A sample photo someone uploaded: re-encoded without metadata, kept in the instance folder."""

    __tablename__ = "privacy_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)  # normalised
    content_type: Mapped[str] = mapped_column(sa.String(20))
    width: Mapped[int]
    height: Mapped[int]
    size: Mapped[int]  # bytes, as stored
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def extension(self) -> str:
        return self.content_type.rpartition("/")[2].replace("jpeg", "jpg")

    @property
    def file_name(self) -> str:
        """The stored file's name: made by us, never by the uploader."""
        return f"{self.public_id}.{self.extension}"


class RemovalRequest(Model):
    """Work for staff after a withdrawal: take down published photos, or tell partners."""

    __tablename__ = "privacy_removal"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)  # normalised
    purpose: Mapped[ConsentPurpose]
    consent_event_id: Mapped[int] = mapped_column(sa.ForeignKey("consent_event.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("staff_member.id", ondelete="SET NULL")
    )

    consent_event: Mapped[ConsentEvent] = relationship()
