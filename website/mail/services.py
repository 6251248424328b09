"""The one way the site sends email: queue it with the change it belongs to, deliver it later.

``queue_mail`` renders a message from fixed templates (``templates/mail/<name>.txt`` and
``.html``) in the recipient's language and adds it to the session; it is stored by the same
commit as the data that caused it, so no mail leaves for a change that was rolled back, and
no change is lost because the mail server was down. ``deliver_due`` (``flask mail deliver``)
sends what is due, retrying with exponential backoff and giving up after the last attempt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import make_msgid
from urllib.parse import urlsplit

import flask_mail
import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from jinja2 import TemplateNotFound

from website import retention
from website.addresses import email_hash
from website.audit.services import record
from website.clock import utcnow
from website.consents.services import has_newsletter_consent
from website.extensions import db
from website.mail.models import INTERRUPTED, OutboxMessage, OutboxStatus, Suppression
from website.mail.transport import DeliveryError, Transport, open_transport
from website.mail.unsubscribe import unsubscribe_token
from website.queries import changed_rows
from website.restrictions.services import is_restricted

# Longer than any send takes (each SMTP step times out after MAIL_TIMEOUT): a message still
# "sending" after this was left by a worker that died.
SENDING_LEASE = timedelta(minutes=10)


def single_line(value: str) -> str:
    """A header value: line breaks (a header-injection vector) become spaces."""
    return " ".join(value.replace("\r", "\n").split("\n")).strip()


def public_url(endpoint: str, **values: object) -> str:
    """An absolute URL from PUBLIC_BASE_URL, never from the request's Host header."""
    base = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme
    )
    return adapter.build(endpoint, values, force_external=True)


def mails_about(reference: str) -> list[OutboxMessage]:
    """Every mail queued about one contact message or invoice, oldest first."""
    return list(
        db.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.reference == reference)
            .order_by(OutboxMessage.id)
        )
    )


def unsubscribe_url(address: str) -> str:
    return public_url("privacy.unsubscribe", token=unsubscribe_token(email_hash(address)))


def is_suppressed(address: str) -> bool:
    return (
        db.session.scalar(
            sa.select(Suppression.id).where(Suppression.email_hash == email_hash(address))
        )
        is not None
    )


def queue_mail(
    template: str,
    *,
    to: str,
    subject: str,
    language: str,
    reference: str | None = None,
    reply_to: str | None = None,
    marketing: bool = False,
    auto_reply: bool = False,
    holds_secret: bool = False,
    despite_restriction: bool = False,
    **context: object,
) -> OutboxMessage:
    """Render ``mail/<template>`` in ``language`` and add it to the outbox (not committed).

    Values in ``context`` reach the templates as escaped variables only; ``subject`` is a
    (lazy) translatable string, rendered in ``language``. A body that ``holds_secret`` (a pay
    link, a code) is dropped once the mail is delivered. Mail to someone who restricted
    processing is held (never sent), here and again at delivery, unless it is
    ``despite_restriction``: about their rights.
    """
    if marketing:
        # Every marketing mail can be stopped in one click, without signing in (Art. 21(3)).
        context["unsubscribe_url"] = unsubscribe_url(to)
    with force_locale(language):
        rendered_subject = str(subject)
        text_body = render_template(f"mail/{template}.txt", public_url=public_url, **context)
        if marketing:
            text_body += render_template("mail/_unsubscribe.txt", **context)
        try:
            html_body = render_template(f"mail/{template}.html", public_url=public_url, **context)
        except TemplateNotFound:
            html_body = None
    sender_domain = current_app.config["MAIL_DEFAULT_SENDER"].rpartition("@")[2].strip(" >")
    message = OutboxMessage(
        kind=template,
        recipient=single_line(to),
        reply_to=single_line(reply_to) if reply_to else None,
        language=language,
        subject=single_line(rendered_subject)[:255],
        text_body=text_body,
        html_body=html_body,
        message_id=make_msgid(domain=sender_domain or None),
        reference=reference,
        marketing=marketing,
        auto_reply=auto_reply,
        holds_secret=holds_secret,
        despite_restriction=despite_restriction,
        status=_first_status(to, marketing=marketing, despite_restriction=despite_restriction),
        next_attempt_at=utcnow(),
    )
    db.session.add(message)
    return message


def _first_status(to: str, *, marketing: bool, despite_restriction: bool) -> OutboxStatus:
    if not despite_restriction and is_restricted(to):
        return OutboxStatus.RESTRICTED
    if marketing and is_suppressed(to):
        return OutboxStatus.SUPPRESSED
    return OutboxStatus.QUEUED


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    dead: int = 0
    suppressed: int = 0
    restricted: int = 0  # held: the recipient restricted processing
    interrupted: int = 0  # found still "sending" after the lease: set aside, not sent again

    @property
    def handled(self) -> int:
        return (
            self.sent
            + self.retrying
            + self.dead
            + self.suppressed
            + self.restricted
            + self.interrupted
        )


def deliver_due(now: datetime | None = None, limit: int = 100) -> DeliveryReport:
    """Send up to ``limit`` due messages, at most once each once a server accepted them.

    Each message is first claimed in a step of its own: locked (``FOR UPDATE SKIP LOCKED``
    on PostgreSQL, so any number of workers can run at once), marked ``SENDING`` and
    committed; then it is sent, and the outcome committed. A worker killed between the
    server's "accepted" and that last commit leaves the message ``SENDING``: no worker sends
    it again. Once ``SENDING_LEASE`` has passed it is set aside as not delivered, with a note
    that it may have arrived, for staff to retry (with the same Message-ID) or not. That
    window, from the server's answer to the commit, is the one SMTP leaves open.
    """
    report = DeliveryReport()
    report.interrupted = _set_aside_interrupted(now or utcnow())
    with open_transport() as transport:
        for _ in range(limit):
            message = _claim_next_due(now or utcnow())
            if message is None:
                break
            connection_lost = _deliver(message, transport, now or utcnow(), report)
            db.session.commit()
            if connection_lost:
                break  # the server is unreachable: the rest waits for the next round
    return report


def retry_dead(message_id: int, staff_id: int | None = None) -> OutboxMessage | None:
    """Queue a dead letter again, from scratch (staff action); it keeps its Message-ID."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None or message.status != OutboxStatus.DEAD:
        return None
    message.status = OutboxStatus.QUEUED
    message.attempts = 0
    message.next_attempt_at = utcnow()
    record(staff_id, "mail.retried", "mail_outbox", message.id)
    db.session.commit()
    return message


def undelivered() -> list[OutboxMessage]:
    """Mail that did not go out: dead letters, and messages still being retried."""
    return list(
        db.session.scalars(
            sa.select(OutboxMessage)
            .where(
                sa.or_(
                    OutboxMessage.status == OutboxStatus.DEAD,
                    sa.and_(
                        OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.attempts > 0
                    ),
                )
            )
            .order_by(OutboxMessage.created_at.desc())
        )
    )


@retention.rule("delivered mail")
def delete_old_mail(now: datetime) -> int:
    """Retention: delete sent, dead and never-sent messages once they are old enough."""
    cutoff = now - timedelta(days=current_app.config["MAIL_KEEP_SENT_DAYS"])
    result = changed_rows(
        sa.delete(OutboxMessage).where(
            OutboxMessage.status.not_in([OutboxStatus.QUEUED, OutboxStatus.SENDING]),
            sa.func.coalesce(OutboxMessage.sent_at, OutboxMessage.created_at) < cutoff,
        )
    )
    db.session.commit()
    return result


def _claim_next_due(now: datetime) -> OutboxMessage | None:
    """The next due message, marked as being sent by this worker, committed."""
    message = db.session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()
    if message is None:
        db.session.rollback()
        return None
    message.status = OutboxStatus.SENDING
    message.sending_since = now
    db.session.commit()
    return message


def _set_aside_interrupted(now: datetime) -> int:
    """Messages a worker claimed but never finished: dead letters now, never sent again."""
    interrupted = changed_rows(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.SENDING,
            OutboxMessage.sending_since <= now - SENDING_LEASE,
        )
        .values(
            status=OutboxStatus.DEAD,
            attempts=OutboxMessage.attempts + 1,
            last_error=INTERRUPTED,
        )
    )
    db.session.commit()
    if interrupted:
        current_app.logger.warning("%s mail(s) interrupted while sending set aside", interrupted)
    return interrupted


def _deliver(
    message: OutboxMessage, transport: Transport, now: datetime, report: DeliveryReport
) -> bool:
    """Send one locked message and record the outcome; True if the connection was lost.

    A restriction of processing placed since the mail was queued holds it (unless it is
    about the recipient's rights); marketing mail is checked again at delivery: an
    objection or a withdrawn newsletter consent since it was queued stops it.
    """
    if not message.despite_restriction and is_restricted(message.recipient):
        message.status = OutboxStatus.RESTRICTED
        report.restricted += 1
        return False
    if message.marketing and (
        is_suppressed(message.recipient) or not has_newsletter_consent(message.recipient)
    ):
        message.status = OutboxStatus.SUPPRESSED
        report.suppressed += 1
        return False
    try:
        transport.send(_as_mime(message))
    except DeliveryError as error:
        config = current_app.config
        message.record_failure(
            error.summary,
            permanent=error.permanent,
            now=now,
            max_attempts=config["MAIL_MAX_ATTEMPTS"],
            retry_seconds=config["MAIL_RETRY_SECONDS"],
        )
        if message.status == OutboxStatus.DEAD:
            report.dead += 1
            current_app.logger.warning(
                "Mail %s is dead after %s attempts", message.id, message.attempts
            )
        else:
            report.retrying += 1
        return error.connection_lost
    except Exception as error:  # a fault of ours (building the message): no retry will help
        current_app.logger.exception("Mail %s could not be sent", message.id)
        message.record_failure(
            f"Not sent: {type(error).__name__}",
            permanent=True,
            now=now,
            max_attempts=1,
            retry_seconds=0,
        )
        report.dead += 1
        return False
    message.mark_sent(now)
    report.sent += 1
    return False


def _as_mime(message: OutboxMessage) -> flask_mail.Message:
    headers = {"Content-Language": message.language}
    if message.auto_reply:
        headers |= {"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"}
    if message.marketing:
        # One-click unsubscribe for mail programs (RFC 8058): they POST to the link.
        headers |= {
            "List-Unsubscribe": f"<{unsubscribe_url(message.recipient)}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    mime = flask_mail.Message(
        subject=message.subject,
        recipients=[message.recipient],
        body=message.text_body,
        html=message.html_body,
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
        reply_to=message.reply_to,
        extra_headers=headers,
    )
    mime.msgId = message.message_id
    return mime
