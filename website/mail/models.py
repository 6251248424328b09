"""The outbox: every email the site sends, queued in the database until delivered."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from website.clock import utcnow
from website.extensions import Model
from website.labels import Labelled, set_labels


class OutboxStatus(Labelled):
    QUEUED = "queued"
    SENDING = "sending"  # a worker has it (since ``sending_since``): no other will send it
    SENT = "sent"
    DEAD = "dead"  # gave up: the last retry failed, or the server refused for good
    SUPPRESSED = "suppressed"  # marketing mail to someone who objected: never sent
    RESTRICTED = "restricted"  # held: the recipient restricted processing (Art. 18): never sent


set_labels(
    {
        OutboxStatus.QUEUED: _l("waiting to be sent"),
        OutboxStatus.SENDING: _l("being sent"),
        OutboxStatus.SENT: _l("sent"),
        OutboxStatus.DEAD: _l("not delivered"),
        OutboxStatus.SUPPRESSED: _l("not sent"),
        OutboxStatus.RESTRICTED: _l("not sent: processing restricted"),
    }
)


FORGOTTEN_BODY = "[Removed after delivery: this email held a one-time link or code.]"
INTERRUPTED = (
    "The worker stopped while sending it: it may have arrived. Retry only if the recipient "
    "did not get it (a retry has the same Message-ID)."
)


class OutboxMessage(Model):
    """One rendered email and its delivery state; bodies are deleted with the row."""

    __tablename__ = "mail_outbox"
    __table_args__ = (sa.Index("ix_mail_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(60))
    recipient: Mapped[str] = mapped_column(sa.String(254))
    reply_to: Mapped[str | None] = mapped_column(sa.String(254))
    language: Mapped[str] = mapped_column(sa.String(2))
    subject: Mapped[str] = mapped_column(sa.String(255))
    text_body: Mapped[str] = mapped_column(sa.Text)
    html_body: Mapped[str | None] = mapped_column(sa.Text)
    message_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    # The public reference of the record the mail is about, e.g. a contact message's.
    reference: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    marketing: Mapped[bool] = mapped_column(default=False)
    auto_reply: Mapped[bool] = mapped_column(default=False)
    # The body carries a one-time secret (a pay link, a privacy-centre code): it is dropped
    # once delivered, so the outbox is no way into an invoice or the privacy centre.
    holds_secret: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # About the recipient's own rights (a privacy-centre code, news of a privacy request): sent
    # also while they restricted processing, which holds every other mail.
    despite_restriction: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    status: Mapped[OutboxStatus] = mapped_column(default=OutboxStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sending_since: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]

    def record_failure(
        self, error: str, *, permanent: bool, now: datetime, max_attempts: int, retry_seconds: int
    ) -> None:
        """Count a failed attempt: retry later with exponential backoff, or give up."""
        self.attempts += 1
        self.last_error = error[:255]
        if permanent or self.attempts >= max_attempts:
            self.status = OutboxStatus.DEAD
            return
        self.status = OutboxStatus.QUEUED
        self.next_attempt_at = now + timedelta(seconds=retry_seconds * 2 ** (self.attempts - 1))

    def mark_sent(self, now: datetime) -> None:
        self.attempts += 1
        self.status = OutboxStatus.SENT
        self.sent_at = now
        self.last_error = None
        if self.holds_secret:
            self.text_body, self.html_body = FORGOTTEN_BODY, None

    def suppress(self) -> None:
        """Never send it; if it carries a secret, keep neither the secret nor the address."""
        self.status = OutboxStatus.SUPPRESSED
        if self.holds_secret:
            self.text_body, self.html_body = FORGOTTEN_BODY, None
            self.recipient = ""


class Suppression(Model):
    """An address that must get no marketing mail (Art. 21(3) GDPR): kept as a hash only."""

    __tablename__ = "mail_suppression"

    id: Mapped[int] = mapped_column(primary_key=True)
    email_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    reason: Mapped[str] = mapped_column(sa.String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
