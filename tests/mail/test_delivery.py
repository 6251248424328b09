"""The outbox against a real SMTP server: delivery, outages, refusals, retries, dead letters."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.contact.helpers import VALID, send
from tests.smtp import SmtpServer
from website.addresses import email_hash
from website.clock import utcnow
from website.consents.models import ConsentAction, ConsentChannel, ConsentEvent, ConsentPurpose
from website.extensions import db
from website.mail import services as mail_services
from website.mail.models import FORGOTTEN_BODY, OutboxMessage, OutboxStatus, Suppression
from website.mail.services import deliver_due, queue_mail, retry_dead

STUDIO = "info@ivisualproductions.nl"
VISITOR = "Anna@Example.nl"


@pytest.fixture
def app_config(smtp_server: SmtpServer) -> dict:
    return {**smtp_server.config, "MAIL_TIMEOUT": 1, "MAIL_MAX_ATTEMPTS": 3}


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield


def outbox() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def queue_one(to: str = VISITOR, **options) -> OutboxMessage:
    message = queue_mail(
        "contact/acknowledgement",
        to=to,
        subject="Test subject",
        language="en",
        contact_reference="C-TEST-0001",
        **options,
    )
    db.session.commit()
    return message


@pytest.mark.parametrize(
    ("language", "subject"),
    [("en", "We received your message"), ("nl", "We hebben uw bericht ontvangen")],
)
def test_notification_and_acknowledgement_arrive(
    app: Flask, client: FlaskClient, smtp_server: SmtpServer, language: str, subject: str
) -> None:
    assert send(client, language=language).status_code == 303
    with app.app_context():
        report = deliver_due()
        assert report.sent == 2
        rows = outbox()
    inbox = smtp_server.inbox
    [notification] = inbox.to(STUDIO)
    [acknowledgement] = inbox.to(VISITOR)
    reference = rows[0].reference
    assert notification["From"] == "iVisual Productions <info@ivisualproductions.nl>"
    assert notification["Reply-To"] == VISITOR
    assert notification["Subject"] == f"Nieuw bericht via het contactformulier ({reference})"
    assert notification["Content-Language"] == "nl"
    assert VALID["message"] in notification.get_body(("plain",)).get_content()
    assert VALID["message"] in notification.get_body(("html",)).get_content()
    assert acknowledgement["From"] == "iVisual Productions <info@ivisualproductions.nl>"
    assert acknowledgement["Reply-To"] is None
    assert acknowledgement["Subject"] == f"{subject} ({reference})"
    assert acknowledgement["Auto-Submitted"] == "auto-replied"
    assert acknowledgement["Content-Language"] == language
    for part in ("plain", "html"):
        body = acknowledgement.get_body((part,)).get_content()
        assert reference in body
        assert "Anna" not in body and "dunes" not in body, "never echo what the visitor typed"
        assert "http://127.0.0.1:5000/privacy-policy" in body
    assert {m["Message-ID"] for m in inbox.messages} == {row.message_id for row in rows}
    assert all(row.status is OutboxStatus.SENT and row.attempts == 1 for row in rows)


def test_the_html_part_escapes_what_the_visitor_typed(
    app: Flask, client: FlaskClient, smtp_server: SmtpServer
) -> None:
    send(client, name="<b>Anna</b>", message='<script>alert("x")</script>')
    with app.app_context():
        deliver_due()
    [notification] = smtp_server.inbox.to(STUDIO)
    html = notification.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b>Anna</b>" not in html


def test_submission_survives_a_mail_outage(
    app: Flask, client: FlaskClient, smtp_server: SmtpServer
) -> None:
    smtp_server.stop()
    assert send(client).status_code == 303
    with app.app_context():
        first = deliver_due()
        assert (first.sent, first.retrying) == (0, 1), "the server is down: stop this round"
        waiting = outbox()
        assert [m.status for m in waiting] == [OutboxStatus.QUEUED] * 2
        assert [m.attempts for m in waiting] == [1, 0]
        assert waiting[0].last_error == "ConnectionRefusedError"
        assert waiting[0].next_attempt_at > utcnow() + timedelta(seconds=50)
        assert deliver_due().retrying == 1, "the next round tries the other one"
        assert deliver_due().handled == 0, "nothing is due before the backoff has passed"
        smtp_server.start()
        later = deliver_due(now=utcnow() + timedelta(minutes=2))
        assert later.sent == 2
        assert deliver_due(now=utcnow() + timedelta(hours=1)).handled == 0
    assert len(smtp_server.inbox.to(STUDIO)) == 1
    assert len(smtp_server.inbox.to(VISITOR)) == 1


@pytest.mark.usefixtures("ctx")
def test_retries_back_off_then_give_up(smtp_server: SmtpServer) -> None:
    smtp_server.stop()
    message = queue_one()
    now = utcnow()
    waits = []
    for _ in range(3):
        deliver_due(now=now)
        [row] = outbox()
        waits.append(row.next_attempt_at - now)
        now = row.next_attempt_at
    [row] = outbox()
    assert row.id == message.id
    assert row.status is OutboxStatus.DEAD and row.attempts == 3
    assert waits[0] < waits[1], "each wait is longer than the one before"
    assert deliver_due(now=now + timedelta(days=1)).handled == 0, "the dead stay dead"


@pytest.mark.usefixtures("ctx")
def test_a_permanent_refusal_is_a_dead_letter_at_once(smtp_server: SmtpServer) -> None:
    smtp_server.inbox.rcpt_answer = "550 5.1.1 No such user"
    queue_one()
    report = deliver_due()
    assert report.dead == 1
    [row] = outbox()
    assert (row.status, row.attempts, row.last_error) == (
        OutboxStatus.DEAD,
        1,
        "recipient refused [550]",
    )


@pytest.mark.usefixtures("ctx")
def test_a_temporary_refusal_is_retried(smtp_server: SmtpServer) -> None:
    smtp_server.inbox.rcpt_answer = "451 4.7.1 Try again later"
    queue_one()
    assert deliver_due().retrying == 1
    smtp_server.inbox.rcpt_answer = None
    assert deliver_due(now=utcnow() + timedelta(minutes=5)).sent == 1
    assert len(smtp_server.inbox.messages) == 1


@pytest.mark.usefixtures("ctx")
def test_a_slow_server_times_out_and_is_retried(smtp_server: SmtpServer) -> None:
    smtp_server.inbox.data_delay = 3  # longer than MAIL_TIMEOUT
    queue_one()
    report = deliver_due()
    assert report.retrying == 1
    [row] = outbox()
    assert row.status is OutboxStatus.QUEUED and row.last_error in (
        "TimeoutError",
        "SMTPServerDisconnected",
    )


@pytest.mark.usefixtures("ctx")
def test_staff_can_retry_a_dead_letter(smtp_server: SmtpServer) -> None:
    smtp_server.inbox.rcpt_answer = "550 No"
    message = queue_one()
    deliver_due()
    smtp_server.inbox.rcpt_answer = None
    assert retry_dead(message.id) is not None
    assert deliver_due().sent == 1
    assert retry_dead(message.id) is None, "only dead letters can be retried"


@pytest.mark.usefixtures("ctx")
def test_a_body_holding_a_secret_is_dropped_once_delivered(smtp_server: SmtpServer) -> None:
    smtp_server.inbox.rcpt_answer = "451 4.7.1 Try again later"
    secret = queue_one(holds_secret=True)
    plain = queue_one(to="bram@example.nl")
    deliver_due()
    body = outbox()[0].text_body
    assert "C-TEST-0001" in body, "kept while it may still have to be sent"

    smtp_server.inbox.rcpt_answer = None
    assert deliver_due(now=utcnow() + timedelta(minutes=5)).sent == 2
    [delivered] = smtp_server.inbox.to(VISITOR)
    assert (
        delivered.get_body(("plain",)).get_content().replace("\r\n", "\n").strip() == body.strip()
    )
    assert "C-TEST-0001" in delivered.get_body(("html",)).get_content()
    stored = {row.id: row for row in outbox()}
    assert (stored[secret.id].text_body, stored[secret.id].html_body) == (FORGOTTEN_BODY, None)
    assert stored[secret.id].subject == "Test subject", "the record of the mail stays"
    assert "C-TEST-0001" in stored[plain.id].text_body and stored[plain.id].html_body


@pytest.mark.usefixtures("ctx")
def test_header_values_lose_their_line_breaks(smtp_server: SmtpServer) -> None:
    queue_mail(
        "contact/acknowledgement",
        to="anna@example.nl\r\nBcc: victim@example.org",
        reply_to="x@example.nl\nBcc: other@example.org",
        subject="Hello\r\nBcc: third@example.org",
        language="en",
        contact_reference="C-TEST-0001",
    )
    db.session.commit()
    deliver_due()
    [(_, recipients)] = smtp_server.inbox.envelopes
    assert not any("victim" in r or "other" in r or "third" in r for r in recipients)
    [message] = smtp_server.inbox.messages
    assert message["Bcc"] is None
    assert "\n" not in message["Subject"]


@pytest.mark.usefixtures("ctx")
def test_marketing_mail_respects_the_suppression_list(smtp_server: SmtpServer) -> None:
    db.session.add(Suppression(email_hash=email_hash("Objector@Example.nl"), reason="objection"))
    db.session.commit()
    refused = queue_one(to="objector@example.nl", marketing=True)
    assert refused.status is OutboxStatus.SUPPRESSED
    later = queue_one(to="late@example.nl", marketing=True)
    db.session.add(Suppression(email_hash=email_hash("late@example.nl"), reason="objection"))
    for address in ("objector@example.nl", "late@example.nl"):  # subscribers, then objectors
        db.session.add(
            ConsentEvent(
                email=address,
                purpose=ConsentPurpose.NEWSLETTER,
                action=ConsentAction.GIVEN,
                channel=ConsentChannel.CONTACT_FORM,
                actor="subject",
            )
        )
    db.session.commit()
    transactional = queue_one(to="objector@example.nl")
    report = deliver_due()
    assert (report.sent, report.suppressed) == (1, 1)
    assert [m["To"] for m in smtp_server.inbox.messages] == ["objector@example.nl"]
    statuses = {row.id: row.status for row in outbox()}
    assert statuses[later.id] is OutboxStatus.SUPPRESSED
    assert statuses[transactional.id] is OutboxStatus.SENT


def test_the_deliver_command(app: Flask, smtp_server: SmtpServer) -> None:
    with app.app_context():
        queue_one()
    result = app.test_cli_runner().invoke(args=["mail", "deliver"])
    assert result.exit_code == 0, result.output
    assert "Mail: 1 sent, 0 to retry, 0 dead, 0 suppressed." in result.output
    assert len(smtp_server.inbox.messages) == 1


class WorkerKilled(BaseException):
    """What the worker's process sees of a SIGKILL: nothing after this line runs."""


@pytest.mark.usefixtures("ctx")
def test_a_worker_killed_after_the_server_accepted_never_sends_it_again(
    smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    queue_one()

    def die(self: OutboxMessage, now: object) -> None:
        raise WorkerKilled

    with monkeypatch.context() as patched:
        patched.setattr(OutboxMessage, "mark_sent", die)
        with pytest.raises(WorkerKilled):
            deliver_due()
    db.session.rollback()  # what the database does when the connection drops
    [accepted] = smtp_server.inbox.messages
    assert [message.status for message in outbox()] == [OutboxStatus.SENDING]

    assert deliver_due().handled == 0, "another worker leaves it alone"
    report = deliver_due(now=utcnow() + timedelta(minutes=11))
    assert report.interrupted == 1
    [message] = outbox()
    assert message.status is OutboxStatus.DEAD and "may have arrived" in message.last_error
    assert len(smtp_server.inbox.messages) == 1, "at most once"

    retry_dead(message.id)  # staff decide it did not arrive
    deliver_due()
    resent = smtp_server.inbox.messages[-1]
    assert resent["Message-ID"] == accepted["Message-ID"], "a duplicate can be recognised"


@pytest.mark.usefixtures("ctx")
def test_a_message_being_sent_is_marked_so_before_the_server_is_asked(
    smtp_server: SmtpServer, app: Flask
) -> None:
    queue_one()
    seen: list[OutboxStatus] = []

    def look() -> None:
        with app.app_context():  # another connection, as another worker would look
            seen.append(db.session.scalars(sa.select(OutboxMessage.status)).one())

    smtp_server.inbox.on_data = look
    deliver_due()
    assert seen == [OutboxStatus.SENDING]
    assert [message.status for message in outbox()] == [OutboxStatus.SENT]


@pytest.mark.usefixtures("ctx")
def test_a_message_that_cannot_be_built_is_a_dead_letter_not_stuck_sending(
    smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    queue_one()
    queue_one(to="bas@example.nl")

    def broken(message: OutboxMessage) -> None:
        if message.recipient == VISITOR:
            raise UnicodeEncodeError("ascii", "é", 0, 1, "no")
        return real(message)

    real = mail_services._as_mime
    monkeypatch.setattr(mail_services, "_as_mime", broken)
    report = deliver_due()
    assert (report.dead, report.sent) == (1, 1), "the others still go"
    statuses = {message.recipient: message.status for message in outbox()}
    assert statuses == {VISITOR: OutboxStatus.DEAD, "bas@example.nl": OutboxStatus.SENT}
