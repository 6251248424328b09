"""Fifty copies of one webhook at once (PostgreSQL, row locks): one paid transition, one receipt."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.conftest import postgres_app_for
from tests.factories import make_issued_invoice
from tests.payments.test_payments import click_pay, paid_events, receipts
from website import queries
from website.extensions import db
from website.invoices.models import Installment
from website.mollie_sandbox.testing import MollieSandbox
from website.payments.models import PaymentAttempt, PaymentEvent, PaymentSource
from website.payments.services import PAID_TWICE_NOTE, sync_payment, webhook_secret

DELIVERIES = 50


@pytest.fixture
def postgres_app(tmp_path: Path, mollie_sandbox: MollieSandbox) -> Iterator[Flask]:
    with postgres_app_for(
        "payments",
        tmp_path,
        MAILDIR=str(tmp_path / "mailbox"),
        MOLLIE_API_ENDPOINT=mollie_sandbox.url,
        MOLLIE_API_KEY=mollie_sandbox.api_key,
        PUBLIC_BASE_URL="http://localhost",
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 10, "max_overflow": 50},
    ) as app:
        yield app


def deliver_at_once(app: Flask, sandbox: MollieSandbox, deliveries: int) -> list[int]:
    """Pay an attempt at Mollie, then send its webhook ``deliveries`` times at once."""
    sandbox.configure_webhooks(paused=True)
    with app.app_context():
        token = make_issued_invoice()[1]
    assert click_pay(app.test_client(), token).status_code == 303
    with app.app_context():
        attempt = db.session.scalars(sa.select(PaymentAttempt)).one()
        url, payment_id = f"/webhooks/mollie/{webhook_secret(attempt)}", attempt.mollie_id
    sandbox.set_status(payment_id, "paid")
    start = threading.Barrier(deliveries)
    answers: list[int] = []

    def deliver() -> None:
        client = app.test_client()
        start.wait()
        answers.append(client.post(url, data={"id": payment_id}).status_code)

    threads = [threading.Thread(target=deliver) for _ in range(deliveries)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_fifty_concurrent_deliveries_pay_once(
    postgres_app: Flask, mollie_sandbox: MollieSandbox
) -> None:
    answers = deliver_at_once(postgres_app, mollie_sandbox, DELIVERIES)

    assert answers == [200] * DELIVERIES
    assert len(paid_events(postgres_app)) == 1
    assert receipts(postgres_app) == ["anna@example.nl"]


@pytest.fixture
def app_config(mollie_sandbox: MollieSandbox) -> dict[str, object]:
    return {
        "MOLLIE_API_ENDPOINT": mollie_sandbox.url,
        "MOLLIE_API_KEY": mollie_sandbox.api_key,
        "PUBLIC_BASE_URL": "http://localhost",
    }


def test_concurrent_deliveries_pay_once_on_the_suites_database(
    app: Flask, mollie_sandbox: MollieSandbox
) -> None:
    """The same on SQLite (``make test``), which has no row locks: its write lock serialises."""
    answers = deliver_at_once(app, mollie_sandbox, 10)

    assert answers == [200] * 10
    assert len(paid_events(app)) == 1
    assert receipts(app) == ["anna@example.nl"]


def test_a_lock_not_had_in_time_answers_503_so_mollie_retries(
    postgres_app: Flask, mollie_sandbox: MollieSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queries, "LOCK_TIMEOUT_MS", 200)
    mollie_sandbox.configure_webhooks(paused=True)
    with postgres_app.app_context():
        token = make_issued_invoice()[1]
    client = postgres_app.test_client()
    assert click_pay(client, token).status_code == 303
    with postgres_app.app_context():
        attempt = db.session.scalars(sa.select(PaymentAttempt)).one()
        url, payment_id = f"/webhooks/mollie/{webhook_secret(attempt)}", attempt.mollie_id
        installment_id = attempt.installment_id
        engine = db.engine
    mollie_sandbox.set_status(payment_id, "paid")

    with engine.connect() as other:  # someone else holds the installment's row
        other.execute(
            sa.select(Installment.id).where(Installment.id == installment_id).with_for_update()
        )
        assert client.post(url, data={"id": payment_id}).status_code == 503
        assert paid_events(postgres_app) == []
        other.rollback()

    assert client.post(url, data={"id": payment_id}).status_code == 200
    assert len(paid_events(postgres_app)) == 1
    assert receipts(postgres_app) == ["anna@example.nl"]


def test_a_second_payment_synced_after_another_request_settled_the_part_is_flagged(
    postgres_app: Flask, mollie_sandbox: MollieSandbox
) -> None:
    """The return page had read the installment as unpaid before the webhook settled it."""
    mollie_sandbox.configure_webhooks(paused=True)
    with postgres_app.app_context():
        token = make_issued_invoice()[1]
    client = postgres_app.test_client()
    assert click_pay(client, token).status_code == 303
    with postgres_app.app_context():  # so that the next click is not for the same amount
        first = db.session.scalars(sa.select(PaymentAttempt)).one()
        first_id, amount, first.amount = first.id, first.amount, Decimal("1.00")
        db.session.commit()
    assert click_pay(client, token).status_code == 303
    with postgres_app.app_context():
        first, second = db.session.scalars(sa.select(PaymentAttempt).order_by(PaymentAttempt.id))
        first.amount = amount
        db.session.commit()
        payment_ids, second_id = (first.mollie_id, second.mollie_id), second.id
    for payment_id in payment_ids:
        mollie_sandbox.set_status(payment_id, "paid")  # the client paid twice

    with postgres_app.app_context():
        returning = db.session.get(PaymentAttempt, second_id)
        page_shows = returning.installment.invoice.installments  # the page holds the schedule
        assert not page_shows[0].is_paid
        with postgres_app.app_context():  # meanwhile, the webhook of the first payment
            sync_payment(db.session.get(PaymentAttempt, first_id), PaymentSource.WEBHOOK)
        sync_payment(returning, PaymentSource.RETURN)

    assert receipts(postgres_app) == ["anna@example.nl"]
    with postgres_app.app_context():
        notes = db.session.scalars(
            sa.select(PaymentEvent.note).where(PaymentEvent.attempt_id == second_id)
        ).all()
        assert PAID_TWICE_NOTE in notes
