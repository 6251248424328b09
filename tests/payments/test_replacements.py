"""A checkout that Mollie carries on under a new payment id is paid, not dropped.

Some method switches make Mollie create a new payment for the same checkout; its webhook
comes to the first payment's address with the new id. The site accepts that id only after
fetching the payment from Mollie with its own key and finding the first attempt's
metadata, amount, currency and mode; anything else is ignored, as before.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from mollie.api.client import Client

from tests.payments.test_payments import app_config as app_config  # the sandbox's settings
from tests.payments.test_payments import deliver_webhook, start_paying
from tests.payments.test_payments import token as token
from website.extensions import db
from website.mail.models import OutboxMessage
from website.mollie_sandbox.testing import MollieSandbox
from website.payments.models import PaymentAttempt, PaymentStatus


def attempts(app: Flask) -> list[tuple[int, str | None, int | None, PaymentStatus]]:
    with app.app_context():
        return [
            (row.number, row.mollie_id, row.replaces_attempt_id, row.status)
            for row in db.session.scalars(sa.select(PaymentAttempt).order_by(PaymentAttempt.id))
        ]


def test_a_payment_carrying_the_checkout_on_is_recorded_once(
    app: Flask, client: FlaskClient, token: str, mollie_sandbox: MollieSandbox
) -> None:
    first = start_paying(app, client, token)
    replacement = mollie_sandbox.replace_payment(first.mollie_id, method="ideal")["id"]
    mollie_sandbox.set_status(replacement, "paid")

    for _ in range(2):  # Mollie may call twice; one attempt is kept
        assert deliver_webhook(client, first, payment_id=replacement).status_code == 200

    assert attempts(app) == [
        (1, first.mollie_id, None, PaymentStatus.OPEN),
        (2, replacement, first.id, PaymentStatus.PAID),
    ]
    with app.app_context():
        paid = db.session.scalars(
            sa.select(PaymentAttempt).where(PaymentAttempt.mollie_id == replacement)
        ).one()
        assert paid.installment.is_paid
        receipts = db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.kind == "payments/receipt")
        ).all()
        assert len(receipts) == 1


def mollie_client(sandbox: MollieSandbox) -> Client:
    mollie = Client(api_endpoint=sandbox.url)
    mollie.set_api_key(sandbox.api_key)
    return mollie


def test_a_payment_that_is_not_the_attempts_is_ignored(
    app: Flask, client: FlaskClient, token: str, mollie_sandbox: MollieSandbox
) -> None:
    first = start_paying(app, client, token)
    ours = mollie_sandbox.payment(first.mollie_id)
    mollie = mollie_client(mollie_sandbox)

    def made(**changes: Any) -> str:
        data = {
            "amount": ours["amount"],
            "description": ours["description"],
            "redirectUrl": "https://elsewhere.example/",
            "metadata": ours["metadata"],
            **changes,
        }
        payment = mollie.payments.create(data)
        mollie_sandbox.set_status(payment.id, "paid")
        return str(payment.id)

    strangers = [
        made(metadata={**ours["metadata"], "attempt": first.id + 1}),
        made(metadata={**ours["metadata"], "invoice": "2026-9999"}),
        made(amount={"currency": "EUR", "value": "0.01"}),
        "tr_NotKnownAtMollie123",
    ]
    for stranger in strangers:
        assert deliver_webhook(client, first, payment_id=stranger).status_code == 200

    assert attempts(app) == [(1, first.mollie_id, None, PaymentStatus.OPEN)]


def test_reconcile_finds_a_payment_carrying_the_checkout_on_whose_webhook_was_lost(
    app: Flask, client: FlaskClient, token: str, mollie_sandbox: MollieSandbox
) -> None:
    first = start_paying(app, client, token)
    replacement = mollie_sandbox.replace_payment(first.mollie_id, method="ideal")["id"]
    mollie_sandbox.set_status(replacement, "paid")  # the tests deliver no webhook: lost
    ours = mollie_sandbox.payment(first.mollie_id)
    stranger = mollie_client(mollie_sandbox).payments.create(
        {
            "amount": {"currency": "EUR", "value": "1.00"},
            "description": ours["description"],
            "redirectUrl": "https://elsewhere.example/",
            "metadata": ours["metadata"],  # claims our attempt, for another amount
        }
    )

    runner = app.test_cli_runner()
    result = runner.invoke(args=["payments", "reconcile"])

    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "Payments under a new id: 1 found."
    assert attempts(app) == [
        (1, first.mollie_id, None, PaymentStatus.OPEN),
        (2, replacement, first.id, PaymentStatus.PAID),
    ]
    assert stranger.id not in {mollie_id for _, mollie_id, _, _ in attempts(app)}
    again = runner.invoke(args=["payments", "reconcile"])
    assert again.output.splitlines()[-1] == "Payments under a new id: 0 found."
