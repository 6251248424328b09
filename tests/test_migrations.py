"""The migrations build exactly the models' schema, and go down and up again."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import downgrade, upgrade

from tests.conftest import make_config
from tests.databases import scratch_database
from website import PROJECT_ROOT, create_app
from website.addresses import email_hash
from website.extensions import db
from website.mail.models import FORGOTTEN_BODY


@pytest.fixture
def empty_app(tmp_path: Path) -> Iterator[Flask]:
    with scratch_database("migrations", tmp_path) as url:
        app = create_app(make_config(url))
        with app.app_context():
            yield app
            db.engine.dispose()


def table_names() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def revisions_oldest_first() -> list[str]:
    scripts = ScriptDirectory(str(Path(PROJECT_ROOT) / "migrations"))
    return [script.revision for script in reversed(list(scripts.walk_revisions()))]


@pytest.mark.usefixtures("empty_app")
def test_upgraded_schema_matches_the_models() -> None:
    upgrade()
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []
    assert table_names() == {*db.metadata.tables, "alembic_version"}


@pytest.mark.usefixtures("empty_app")
def test_every_revision_upgrades_and_downgrades_in_turn() -> None:
    revisions = revisions_oldest_first()
    assert revisions, "there are migrations"
    for revision in revisions:
        upgrade(revision=revision)
    for _ in revisions:
        downgrade(revision="-1")
    assert table_names() <= {"alembic_version"}
    upgrade()
    assert table_names() == {*db.metadata.tables, "alembic_version"}


@pytest.mark.usefixtures("empty_app")
def test_existing_messages_get_a_client_each() -> None:
    """The migration that added clients fills them from the messages already there."""
    upgrade(revision="cfb0aef49f9b")
    rows = [
        ("C-AAAA-0001", "Anna", "anna@example.nl", "nl", "2026-01-01 10:00:00+00"),
        ("C-AAAA-0002", "Anna de Vries", "anna@example.nl", "en", "2026-02-01 10:00:00+00"),
        ("C-BBBB-0001", "Bas", "bas@example.nl", "nl", "2026-01-15 10:00:00+00"),
    ]
    with db.engine.begin() as connection:
        for reference, name, email, language, received in rows:
            connection.execute(
                sa.text(
                    "INSERT INTO contact_message (reference, name, email, email_normalised, "
                    "production_kind, body, language, newsletter, received_at) VALUES (:reference, "
                    ":name, :email, :email, 'photo', 'Hi', :language, false, :received)"
                ),
                {"reference": reference, "name": name, "email": email, "language": language,
                 "received": received},
            )  # fmt: skip
    upgrade(revision="10fb7864a795")
    with db.engine.connect() as connection:
        clients = connection.execute(
            sa.text("SELECT email, name, language FROM client ORDER BY email")
        ).all()
        links = connection.execute(
            sa.text(
                "SELECT m.reference, c.email FROM contact_message m "
                "JOIN client c ON c.id = m.client_id ORDER BY m.reference"
            )
        ).all()
    assert [tuple(row) for row in clients] == [
        ("anna@example.nl", "Anna de Vries", "en"),
        ("bas@example.nl", "Bas", "nl"),
    ]
    assert [tuple(row) for row in links] == [
        ("C-AAAA-0001", "anna@example.nl"),
        ("C-AAAA-0002", "anna@example.nl"),
        ("C-BBBB-0001", "bas@example.nl"),
    ]


@pytest.mark.usefixtures("empty_app")
def test_issued_invoices_get_their_clients_details() -> None:
    """The migration that keeps the billed details on invoices fills them for issued ones."""
    upgrade(revision="fade7f1a5b9e")
    with db.engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO client (id, email, name, language, address, company_name, vat_id, "
                "created_at) VALUES (1, 'anna@example.nl', 'Anna', 'nl', 'Kerkstraat 1', "
                "'Studio A', 'NL123456789B01', '2026-01-01 10:00:00+00')"
            )
        )
        for number, issued in (("2026-0001", date(2026, 2, 1)), (None, None)):
            connection.execute(
                sa.text(
                    "INSERT INTO invoice (client_id, status, number, issued_on, created_at) "
                    "VALUES (1, :status, :number, :issued, '2026-01-01 10:00:00+00')"
                ),
                {"status": "issued" if number else "draft", "number": number, "issued": issued},
            )
    upgrade(revision="dca24b4890de")
    with db.engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT number, client_name, client_address, client_company, client_vat_id "
                "FROM invoice ORDER BY id"
            )
        ).all()
    assert [tuple(row) for row in rows] == [
        ("2026-0001", "Anna", "Kerkstraat 1", "Studio A", "NL123456789B01"),
        (None, None, None, None, None),
    ]


@pytest.mark.usefixtures("empty_app")
def test_existing_consent_events_get_their_address_hash() -> None:
    """The migration that indexed consent events by address hash fills in the old ones."""
    upgrade(revision="4a4c6e3b2c97")
    with db.engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO consent_event (email, purpose, action, channel, actor, created_at) "
                "VALUES ('anna@example.nl', 'NEWSLETTER', 'GIVEN', 'CONTACT_FORM', 'subject', "
                "'2026-01-01 10:00:00+00')"
            )
        )
    upgrade(revision="3cadfd15804a")
    with db.engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT email_hash FROM consent_event")).scalar_one()
    assert stored == email_hash("anna@example.nl")


@pytest.mark.usefixtures("empty_app")
def test_sent_pay_link_and_code_mails_lose_their_bodies() -> None:
    """The migration that marks secret-holding mail also clears what was already sent."""
    upgrade(revision="e64334290d59")
    rows = [
        ("invoices/invoice", "sent", "Pay here: /pay/secret"),
        ("privacy/code", "queued", "Your code: 12345678"),
        ("contact/acknowledgement", "sent", "Thanks."),
    ]
    with db.engine.begin() as connection:
        for number, (kind, status, body) in enumerate(rows):
            connection.execute(
                sa.text(
                    "INSERT INTO mail_outbox (kind, recipient, language, subject, text_body, "
                    "html_body, message_id, marketing, auto_reply, status, attempts, "
                    "next_attempt_at, created_at) VALUES (:kind, 'anna@example.nl', 'nl', 'S', "
                    ":body, :body, :message_id, false, false, :status, 0, "
                    "'2026-01-01 10:00:00+00', '2026-01-01 10:00:00+00')"
                ),
                {"kind": kind, "status": status, "body": body, "message_id": f"<{number}@x>"},
            )
    upgrade(revision="ab63b46fe9fd")
    with db.engine.connect() as connection:
        stored = connection.execute(
            sa.text("SELECT kind, holds_secret, text_body, html_body FROM mail_outbox ORDER BY id")
        ).all()
    assert [tuple(row) for row in stored] == [
        ("invoices/invoice", True, FORGOTTEN_BODY, None),
        ("privacy/code", True, "Your code: 12345678", "Your code: 12345678"),
        ("contact/acknowledgement", False, "Thanks.", "Thanks."),
    ]


@pytest.mark.usefixtures("empty_app")
def test_webhook_secrets_already_at_mollie_keep_working_as_hashes() -> None:
    """Mollie has the old secret in its webhook URL: only its hash is kept, and matches."""
    upgrade(revision="a1bd5c47b1bc")
    with db.engine.begin() as connection:
        for statement in (
            "INSERT INTO client (id, email, name, language, created_at) "
            "VALUES (1, 'anna@example.nl', 'Anna', 'nl', '2026-01-01 10:00:00+00')",
            "INSERT INTO invoice (id, client_id, status, number, created_at, updated_at) "
            "VALUES (1, 1, 'issued', '2026-0001', '2026-01-01 10:00:00+00', "
            "'2026-01-01 10:00:00+00')",
            "INSERT INTO invoice_installment (id, invoice_id, position, kind, amount) "
            "VALUES (1, 1, 1, 'single', 10000)",
            "INSERT INTO payment_attempt (installment_id, number, amount, currency, locale, "
            "idempotency_key, webhook_secret, status, created_at) VALUES (1, 1, 10000, 'EUR', "
            "'nl_NL', 'inv-1-1-1', 'the-old-plain-secret', 'open', '2026-01-01 10:00:00+00')",
        ):
            connection.execute(sa.text(statement))
    upgrade(revision="f69fe91bdb71")
    with db.engine.connect() as connection:
        columns = {
            column["name"] for column in sa.inspect(connection).get_columns("payment_attempt")
        }
        stored = connection.execute(sa.text("SELECT webhook_secret_hash FROM payment_attempt"))
        [(digest,)] = stored.all()
    assert "webhook_secret" not in columns
    assert digest == hashlib.sha256(b"the-old-plain-secret").hexdigest()


@pytest.mark.usefixtures("empty_app")
def test_payments_noted_as_paid_twice_become_problems_to_resolve() -> None:
    """The dashboard found them by their note; now they are rows, one per attempt."""
    upgrade(revision="fdbbc2bb8ef1")
    note = "paid twice: refund or credit the extra payment"
    with db.engine.begin() as connection:
        for statement in (
            "INSERT INTO client (id, email, name, language, created_at) "
            "VALUES (1, 'anna@example.nl', 'Anna', 'nl', '2026-01-01 10:00:00+00')",
            "INSERT INTO invoice (id, client_id, status, number, created_at, updated_at) "
            "VALUES (1, 1, 'paid', '2026-0001', '2026-01-01 10:00:00+00', "
            "'2026-01-01 10:00:00+00')",
            "INSERT INTO invoice_installment (id, invoice_id, position, kind, amount) "
            "VALUES (1, 1, 1, 'single', 10000)",
        ):
            connection.execute(sa.text(statement))
        for attempt, mollie_id in ((1, "tr_first"), (2, "tr_again")):
            connection.execute(
                sa.text(
                    "INSERT INTO payment_attempt (id, installment_id, number, amount, currency, "
                    "locale, idempotency_key, webhook_secret_hash, mollie_id, status, "
                    "created_at) VALUES (:id, 1, :id, 10000, 'EUR', 'nl_NL', :key, :key, "
                    ":mollie_id, 'paid', '2026-01-01 10:00:00+00')"
                ),
                {"id": attempt, "key": f"k{attempt}", "mollie_id": mollie_id},
            )
        for attempt, event_note in ((1, None), (2, note), (2, note)):  # a retried webhook
            connection.execute(
                sa.text(
                    "INSERT INTO payment_event (attempt_id, source, old_status, new_status, "
                    "note, created_at) VALUES (:attempt, 'webhook', 'open', 'paid', :note, "
                    "'2026-01-02 10:00:00+00')"
                ),
                {"attempt": attempt, "note": event_note},
            )
    upgrade(revision="15df6dd75e5f")
    with db.engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT key, kind, attempt_id, mollie_id, amount, resolved_at FROM payment_problem"
            )
        ).all()
    assert [tuple(row) for row in rows] == [
        ("paid_twice:2", "paid_twice", 2, "tr_again", 10000, None)
    ]
