"""Retention: every rule runs from one command; contact messages and mail in detail."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from website import retention
from website.admin.sessions import delete_expired as delete_expired_sessions
from website.clients.models import Client
from website.clock import utcnow
from website.contact.models import ContactMessage, ProductionKind
from website.contact.services import (
    Submission,
    delete_expired_messages,
    months_before,
    submit_message,
)
from website.extensions import db
from website.invoices.services import LineInput, create_draft, delete_expired_invoices
from website.mail.models import OutboxMessage, OutboxStatus
from website.mail.services import delete_old_mail
from website.privacy.announcements import delete_orphaned_announcements
from website.privacy.email_change import delete_old_changes
from website.privacy.profile import delete_expired_profiles
from website.privacy.requests import delete_old_requests
from website.privacy.services import delete_expired_consents
from website.privacy.verification import delete_spent_verification

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
QUEUED = OutboxStatus.QUEUED
_serial = itertools.count(1)


def add_message(
    email: str, received_at: datetime, notification: OutboxStatus = OutboxStatus.SENT
) -> str:
    """Receive a contact message as the form does, dated ``received_at``; return its reference.

    It is stored by ``submit_message`` (so the row is complete whatever the model requires),
    then backdated with its two mails: the notification to the studio gets the status
    ``notification``, the acknowledgement stays queued.
    """
    number = next(_serial)
    message = submit_message(
        Submission(
            name=f"Visitor {number}",
            email=email,
            phone=None,
            production_kind=ProductionKind.PHOTO,
            preferred_date=None,
            message=f"Message {number}",
            newsletter=False,
            language="nl",
        )
    )
    message.received_at = received_at
    mails = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.reference == message.reference)
    ).all()
    assert sorted(mail.kind for mail in mails) == [
        "contact/acknowledgement",
        "contact/notification",
    ]
    for mail in mails:
        mail.created_at = mail.next_attempt_at = received_at
        if mail.kind == "contact/notification":
            mail.status = notification
    db.session.commit()
    return message.reference


def add_mail(
    *,
    created_at: datetime,
    status: OutboxStatus = OutboxStatus.QUEUED,
    reference: str | None = None,
    recipient: str = "info@ivisualproductions.nl",
) -> int:
    number = next(_serial)
    mail = OutboxMessage(
        kind="test/mail",
        recipient=recipient,
        language="nl",
        subject=f"Mail {number}",
        text_body="Hello",
        message_id=f"<{number}.retention@test>",
        reference=reference,
        status=status,
        created_at=created_at,
        next_attempt_at=created_at,
    )
    db.session.add(mail)
    db.session.commit()
    return mail.id


def references() -> set[str]:
    return set(db.session.scalars(sa.select(ContactMessage.reference)))


def mail_references() -> list[str | None]:
    return sorted(
        db.session.scalars(sa.select(OutboxMessage.reference)), key=lambda value: value or ""
    )


def mail_ids() -> set[int]:
    return set(db.session.scalars(sa.select(OutboxMessage.id)))


# months_before ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "months", "expected"),
    [
        (datetime(2026, 3, 31), 1, datetime(2026, 2, 28)),
        (datetime(2024, 3, 31), 1, datetime(2024, 2, 29)),
        (datetime(2024, 2, 29), 12, datetime(2023, 2, 28)),
        (datetime(2026, 5, 31), 1, datetime(2026, 4, 30)),
        (datetime(2026, 3, 30), 1, datetime(2026, 2, 28)),
        (datetime(2026, 3, 15), 1, datetime(2026, 2, 15)),
        (datetime(2026, 1, 15), 1, datetime(2025, 12, 15)),
        (datetime(2026, 1, 31), 2, datetime(2025, 11, 30)),
        (datetime(2026, 2, 10), 14, datetime(2024, 12, 10)),
        (datetime(2026, 6, 15), 12, datetime(2025, 6, 15)),
        (datetime(2026, 12, 31), 12, datetime(2025, 12, 31)),
        (datetime(2026, 12, 31), 0, datetime(2026, 12, 31)),
        (datetime(2026, 1, 1), 25, datetime(2023, 12, 1)),
    ],
)
def test_months_before_counts_calendar_months(
    moment: datetime, months: int, expected: datetime
) -> None:
    assert months_before(moment, months) == expected


def test_months_before_keeps_the_time_of_day_and_the_timezone() -> None:
    moment = datetime(2026, 3, 31, 23, 59, 58, 123456, tzinfo=UTC)
    result = months_before(moment, 1)
    assert result == datetime(2026, 2, 28, 23, 59, 58, 123456, tzinfo=UTC)
    assert result.tzinfo is UTC
    amsterdam = ZoneInfo("Europe/Amsterdam")
    assert months_before(datetime(2026, 1, 5, 8, 30, tzinfo=amsterdam), 1) == datetime(
        2025, 12, 5, 8, 30, tzinfo=amsterdam
    )


# The contact rule ---------------------------------------------------------------------


@pytest.mark.usefixtures("app_context")
def test_a_person_whose_last_message_expired_loses_all_messages_and_their_mail() -> None:
    gone = {
        add_message("old@example.nl", NOW - timedelta(days=400)),
        add_message("old@example.nl", NOW - timedelta(days=800)),
    }
    kept = add_message("recent@example.nl", NOW - timedelta(days=10))
    unrelated = add_mail(created_at=NOW - timedelta(days=400), reference="X-OTHER")
    unreferenced = add_mail(created_at=NOW - timedelta(days=400))

    assert delete_expired_messages(NOW) == 2

    assert references() == {kept}
    assert mail_references() == [None, kept, kept, "X-OTHER"]
    assert {unrelated, unreferenced} <= mail_ids()
    assert not gone & set(db.session.scalars(sa.select(OutboxMessage.reference)))


@pytest.mark.usefixtures("app_context")
def test_clients_without_messages_go_but_clients_with_an_invoice_keep_everything() -> None:
    add_message("lead@example.nl", NOW - timedelta(days=400))
    invoiced = add_message("client@example.nl", NOW - timedelta(days=400))
    client = db.session.scalar(sa.select(Client).where(Client.email == "client@example.nl"))
    create_draft(client, [LineInput("Shoot", Decimal("1"), Decimal("100"), Decimal("21"))])

    assert delete_expired_messages(NOW) == 1

    assert references() == {invoiced}
    assert set(db.session.scalars(sa.select(Client.email))) == {"client@example.nl"}


@pytest.mark.usefixtures("app_context")
def test_one_recent_message_keeps_the_older_ones_of_the_same_person() -> None:
    old = add_message("anna@example.nl", NOW - timedelta(days=700))
    recent = add_message("anna@example.nl", NOW - timedelta(days=20))

    assert delete_expired_messages(NOW) == 0

    assert references() == {old, recent}
    assert mail_references() == sorted([old, old, recent, recent])


@pytest.mark.usefixtures("app_context")
def test_people_are_matched_on_the_normalised_address() -> None:
    old = add_message("Anna.de.Vries@Example.NL", NOW - timedelta(days=700))
    recent = add_message("  anna.de.vries@example.nl ", NOW - timedelta(days=20))
    other = add_message("anna.de.vries@example.com", NOW - timedelta(days=700))
    stored = {
        message.reference: message.email_normalised
        for message in db.session.scalars(sa.select(ContactMessage))
    }
    assert stored[old] == stored[recent] == "anna.de.vries@example.nl"

    assert delete_expired_messages(NOW) == 1

    assert references() == {old, recent}
    assert other not in mail_references()


@pytest.mark.usefixtures("app_context")
def test_the_retention_period_ends_exactly_twelve_calendar_months_after_the_last_message() -> None:
    now = datetime(2026, 3, 31, 9, 0, tzinfo=UTC)  # twelve months back: 2025-03-31 09:00
    on_the_day = add_message("edge@example.nl", datetime(2025, 3, 31, 9, 0, tzinfo=UTC))
    just_before = add_message("past@example.nl", datetime(2025, 3, 31, 8, 59, 59, tzinfo=UTC))
    a_month_later = add_message("later@example.nl", datetime(2025, 4, 30, 9, 0, tzinfo=UTC))

    assert delete_expired_messages(now) == 1

    assert references() == {on_the_day, a_month_later}
    assert just_before not in mail_references()


@pytest.mark.usefixtures("app_context")
def test_the_contact_rule_follows_the_configured_period(app: Flask) -> None:
    app.config["CONTACT_RETENTION_MONTHS"] = 6
    seven_months = add_message("seven@example.nl", datetime(2025, 11, 15, tzinfo=UTC))
    five_months = add_message("five@example.nl", datetime(2026, 1, 15, tzinfo=UTC))

    assert delete_expired_messages(NOW) == 1

    assert references() == {five_months}
    assert seven_months not in mail_references()


@pytest.mark.usefixtures("app_context")
def test_the_contact_rule_with_nothing_to_delete() -> None:
    assert delete_expired_messages(NOW) == 0
    kept = add_message("new@example.nl", NOW - timedelta(days=1))
    assert delete_expired_messages(NOW) == 0
    assert references() == {kept}


@pytest.mark.usefixtures("app_context")
def test_timestamps_come_back_as_aware_utc() -> None:
    reference = add_message("tz@example.nl", datetime(2026, 1, 1, 13, 0, tzinfo=UTC))
    db.session.expunge_all()
    message = db.session.scalars(
        sa.select(ContactMessage).where(ContactMessage.reference == reference)
    ).one()
    assert message.received_at == datetime(2026, 1, 1, 13, 0, tzinfo=UTC)
    assert message.received_at.utcoffset() == timedelta(0)


# The mail rule ------------------------------------------------------------------------


@pytest.mark.usefixtures("app_context")
def test_old_sent_dead_and_suppressed_mail_is_deleted_but_queued_mail_never() -> None:
    old = NOW - timedelta(days=31)
    young = NOW - timedelta(days=29)
    deleted = {
        add_mail(created_at=old, status=OutboxStatus.SENT),
        add_mail(created_at=old, status=OutboxStatus.DEAD),
        add_mail(created_at=old, status=OutboxStatus.SUPPRESSED),
    }
    kept = {
        add_mail(created_at=NOW - timedelta(days=3650), status=OutboxStatus.QUEUED),
        add_mail(created_at=old, status=OutboxStatus.QUEUED),
        add_mail(created_at=young, status=OutboxStatus.SENT),
        add_mail(created_at=young, status=OutboxStatus.DEAD),
        add_mail(created_at=young, status=OutboxStatus.SUPPRESSED),
        add_mail(created_at=NOW - timedelta(days=30), status=OutboxStatus.SENT),  # exactly 30
    }

    assert delete_old_mail(NOW) == 3

    assert mail_ids() == kept
    assert not deleted & mail_ids()


@pytest.mark.usefixtures("app_context")
def test_the_mail_rule_follows_the_configured_period(app: Flask) -> None:
    app.config["MAIL_KEEP_SENT_DAYS"] = 7
    gone = add_mail(created_at=NOW - timedelta(days=8), status=OutboxStatus.SENT)
    kept = add_mail(created_at=NOW - timedelta(days=6), status=OutboxStatus.SENT)

    assert delete_old_mail(NOW) == 1

    assert mail_ids() == {kept}
    assert gone not in mail_ids()


# All rules, and the command -----------------------------------------------------------


def test_the_rules_are_registered_under_their_names(app: Flask) -> None:
    registered = dict(retention.RULES)
    assert registered == {
        "contact messages": delete_expired_messages,
        "delivered mail": delete_old_mail,
        "email address changes": delete_old_changes,
        "invoices": delete_expired_invoices,
        "privacy centre codes and sessions": delete_spent_verification,
        "privacy profiles and sample photos": delete_expired_profiles,
        "consent history and take-downs": delete_expired_consents,
        "policy announcements": delete_orphaned_announcements,
        "privacy requests": delete_old_requests,
        "staff sessions": delete_expired_sessions,
    }


@pytest.mark.usefixtures("app_context")
def test_run_rules_applies_every_rule_at_the_given_moment() -> None:
    # The expired person's mail is queued, so only the contact rule can delete it and the
    # counts do not depend on the order in which the rules run.
    expired = add_message("gone@example.nl", NOW - timedelta(days=500), notification=QUEUED)
    current = add_message("here@example.nl", NOW - timedelta(days=5))
    old_sent = add_mail(created_at=NOW - timedelta(days=60), status=OutboxStatus.SENT)
    queued = add_mail(created_at=NOW - timedelta(days=60), status=OutboxStatus.QUEUED)

    assert retention.run_rules(NOW) == {
        "contact messages": 1,
        "delivered mail": 1,
        "email address changes": 0,
        "invoices": 0,
        "privacy centre codes and sessions": 0,
        "privacy profiles and sample photos": 0,
        "consent history and take-downs": 0,
        "policy announcements": 0,
        "privacy requests": 0,
        "staff sessions": 0,
    }

    assert references() == {current}
    remaining = db.session.execute(
        sa.select(OutboxMessage.id, OutboxMessage.reference, OutboxMessage.status)
    ).all()
    assert expired not in {reference for _, reference, _ in remaining}
    assert old_sent not in {id_ for id_, _, _ in remaining}
    assert queued in {id_ for id_, _, _ in remaining}
    assert sorted(status for _, reference, status in remaining if reference == current) == [
        OutboxStatus.QUEUED,
        OutboxStatus.SENT,
    ]
    assert retention.run_rules(NOW) == {
        "contact messages": 0,
        "delivered mail": 0,
        "email address changes": 0,
        "invoices": 0,
        "privacy centre codes and sessions": 0,
        "privacy profiles and sample photos": 0,
        "consent history and take-downs": 0,
        "policy announcements": 0,
        "privacy requests": 0,
        "staff sessions": 0,
    }


@pytest.mark.usefixtures("app_context")
def test_run_rules_without_a_moment_uses_now() -> None:
    expired = add_message("gone@example.nl", utcnow() - timedelta(days=800), notification=QUEUED)
    current = add_message("here@example.nl", utcnow() - timedelta(days=1))

    assert retention.run_rules() == {
        "contact messages": 1,
        "delivered mail": 0,
        "email address changes": 0,
        "invoices": 0,
        "privacy centre codes and sessions": 0,
        "privacy profiles and sample photos": 0,
        "consent history and take-downs": 0,
        "policy announcements": 0,
        "privacy requests": 0,
        "staff sessions": 0,
    }

    assert references() == {current}
    assert expired not in mail_references()


def test_the_command_prints_one_line_per_rule(app: Flask, runner: FlaskCliRunner) -> None:
    now = utcnow()  # the command has no --now: rows are dated relative to today
    with app.app_context():
        expired = {
            add_message("gone@example.nl", now - timedelta(days=800), notification=QUEUED),
            add_message("gone@example.nl", now - timedelta(days=500), notification=QUEUED),
        }
        current = add_message("here@example.nl", now - timedelta(days=3))
        add_mail(created_at=now - timedelta(days=90), status=OutboxStatus.DEAD)
        kept_mail = add_mail(created_at=now - timedelta(days=90), status=OutboxStatus.QUEUED)

    result = runner.invoke(args=["retention", "run"])

    assert result.exit_code == 0, result.output
    assert result.output.endswith("\n")
    lines = result.output.splitlines()
    assert len(lines) == len(retention.RULES) == 10
    assert sorted(lines) == [
        "consent history and take-downs: 0 deleted",
        "contact messages: 2 deleted",
        "delivered mail: 1 deleted",
        "email address changes: 0 deleted",
        "invoices: 0 deleted",
        "policy announcements: 0 deleted",
        "privacy centre codes and sessions: 0 deleted",
        "privacy profiles and sample photos: 0 deleted",
        "privacy requests: 0 deleted",
        "staff sessions: 0 deleted",
    ]
    with app.app_context():
        assert references() == {current}
        assert kept_mail in mail_ids()
        assert not expired & set(db.session.scalars(sa.select(OutboxMessage.reference)))

    again = runner.invoke(args=["retention", "run"])
    assert again.exit_code == 0, again.output
    assert sorted(again.output.splitlines()) == [
        "consent history and take-downs: 0 deleted",
        "contact messages: 0 deleted",
        "delivered mail: 0 deleted",
        "email address changes: 0 deleted",
        "invoices: 0 deleted",
        "policy announcements: 0 deleted",
        "privacy centre codes and sessions: 0 deleted",
        "privacy profiles and sample photos: 0 deleted",
        "privacy requests: 0 deleted",
        "staff sessions: 0 deleted",
    ]
