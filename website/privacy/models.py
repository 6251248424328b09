"""The privacy centre's own records: emailed codes, verified sessions, profiles, sample photos,
the take-downs that withdrawn consents leave for staff, requests under the GDPR, and which
addresses were told of a new policy version."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from website.clock import utcnow
from website.consents.models import ConsentEvent, ConsentPurpose
from website.extensions import Model
from website.labels import Labelled, set_labels


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


class RequestKind(Labelled):
    """What a person asks of the studio under the GDPR, or a complaint."""

    ACCESS = (
        "access"  # logged by staff: asked by mail, phone or letter (the centre is self-service)
    )
    CORRECTION = "correction"  # Art. 16
    ERASURE = "erasure"  # Art. 17
    RESTRICTION = "restriction"  # Art. 18
    OBJECTION = "objection"  # Art. 21(1)
    COMPLAINT = "complaint"
    NOT_ME = "not_me"  # "this was not me": an email change the old address did not ask for


class RequestChannel(Labelled):
    PRIVACY_CENTRE = "privacy_centre"
    EMAIL = "email"
    PHONE = "phone"
    LETTER = "letter"


class RequestStatus(Labelled):
    OPEN = "open"
    COMPLETED = "completed"
    REFUSED = "refused"


set_labels(
    {
        RequestKind.ACCESS: _l("Access to your data"),
        RequestKind.CORRECTION: _l("Correction"),
        RequestKind.ERASURE: _l("Erasure"),
        RequestKind.RESTRICTION: _l("Restriction of processing"),
        RequestKind.OBJECTION: _l("Objection to processing"),
        RequestKind.COMPLAINT: _l("Complaint"),
        RequestKind.NOT_ME: _l("Email change you did not make"),
        RequestChannel.PRIVACY_CENTRE: _l("privacy centre"),
        RequestChannel.EMAIL: _l("email"),
        RequestChannel.PHONE: _l("phone"),
        RequestChannel.LETTER: _l("letter"),
        RequestStatus.OPEN: _l("Open"),
        RequestStatus.COMPLETED: _l("Answered"),
        RequestStatus.REFUSED: _l("Refused"),
    }
)


class ErasureRecord(Model):
    """What an executed erasure deleted or changed, as table names and row ids only, so that
    it can be applied again to a database restored from a backup."""

    __tablename__ = "privacy_erasure"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("privacy_request.id", ondelete="CASCADE"), index=True
    )
    staff_member_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("staff_member.id", ondelete="SET NULL")
    )
    executed_at: Mapped[datetime] = mapped_column(default=utcnow)
    steps: Mapped[str] = mapped_column(sa.Text)  # JSON: [[table, id, action], ...]


class PrivacyRequest(Model):
    """A request under the GDPR (or a complaint), with the dates the law counts.

    Answered within one calendar month of receipt (``due_on``), which staff may extend once,
    within that month and with a reason, by up to two further months (Art. 12(3)).
    ``fingerprint`` makes a double submit one request: two open requests of one person with
    the same kind and text cannot exist side by side.
    """

    __tablename__ = "privacy_request"
    __table_args__ = (
        sa.Index(
            "uq_privacy_request_open_fingerprint",
            "fingerprint",
            unique=True,
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(12), unique=True)  # P-XXXX-XXXX
    email: Mapped[str] = mapped_column(sa.String(254), index=True)  # normalised
    language: Mapped[str] = mapped_column(sa.String(2))
    kind: Mapped[RequestKind]
    channel: Mapped[RequestChannel]
    details: Mapped[str] = mapped_column(sa.Text, default="")  # in the person's words
    # How staff checked who asked, for a request that came by mail, phone or letter.
    identity_check: Mapped[str | None] = mapped_column(sa.Text)
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[RequestStatus] = mapped_column(default=RequestStatus.OPEN)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    received_on: Mapped[date]  # the studio's date: the month is counted from it
    due_on: Mapped[date] = mapped_column(index=True)
    extended_to: Mapped[date | None]
    extension_reason: Mapped[str | None] = mapped_column(sa.Text)
    outcome: Mapped[str | None] = mapped_column(sa.Text)  # what was done, or why refused
    answered_at: Mapped[datetime | None] = mapped_column(index=True)
    logged_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("staff_member.id", ondelete="SET NULL")
    )
    answered_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("staff_member.id", ondelete="SET NULL")
    )

    @property
    def due(self) -> date:
        """The day it must be answered by: the extended date, if staff extended it."""
        return self.extended_to or self.due_on

    @property
    def is_open(self) -> bool:
        return self.status is RequestStatus.OPEN


class EmailChange(Model):
    """A verified person moving everything held about them to another address.

    The new address gets a code (only its HMAC is kept); once it is typed, in the browser
    that asked, everything moves and the old address is told, with a link to say "this was
    not me". ``moved_at`` is set when it moved; ``closed_at`` when the code no longer works.
    """

    __tablename__ = "privacy_email_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    browser_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    old_email: Mapped[str] = mapped_column(sa.String(254), index=True)  # normalised
    new_email: Mapped[str] = mapped_column(sa.String(254))  # normalised
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    moved_at: Mapped[datetime | None]


class PolicyAnnouncement(Model):
    """The mail about the policy version of ``published_on`` was queued to an address.

    Only the address's hash is kept (``website.addresses.email_hash``). One row per version
    date and address: the unique constraint is what makes two runs at once mail it once.
    """

    __tablename__ = "privacy_policy_announcement"
    __table_args__ = (sa.UniqueConstraint("published_on", "email_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    published_on: Mapped[date]  # the version's date: it is published in every language at once
    email_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
