"""Money that goes back after payment follows Mollie both ways.

Refunds and chargebacks are kept as rows with the status Mollie last gave them, read from
the lists embedded in the payment. A refund that fails or is canceled, and a chargeback the
bank reverses, give the money back: the totals go down again, in the back office and in the
client's own data, and a reversed chargeback settles the part again.
"""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from mollie.api.client import Client

from tests.factories import make_issued_invoice
from tests.payments.test_payments import app_config as app_config  # the sandbox's settings
from tests.payments.test_payments import deliver_webhook, start_paying
from tests.payments.test_payments import token as token
from website.audit.models import AuditEvent
from website.extensions import db
from website.invoices.models import InvoiceStatus
from website.mollie_sandbox.testing import MollieSandbox
from website.payments.models import PaymentAttempt, PaymentChargeback, PaymentRefund
from website.privacy.subject import RECORDS


def paid(app: Flask, client: FlaskClient, token: str, sandbox: MollieSandbox) -> PaymentAttempt:
    attempt = start_paying(app, client, token)
    sandbox.set_status(attempt.mollie_id, "paid")
    assert deliver_webhook(client, attempt).status_code == 200
    return attempt


def refund(sandbox: MollieSandbox, payment_id: str, value: str) -> str:
    mollie = Client(api_endpoint=sandbox.url)
    mollie.set_api_key(sandbox.api_key)
    made = mollie.payments.get(payment_id).refunds.create(
        {"amount": {"currency": "EUR", "value": value}}
    )
    return str(made.id)


def stored(app: Flask, attempt: PaymentAttempt) -> tuple[Decimal, Decimal, list[str]]:
    with app.app_context():
        row = db.session.get(PaymentAttempt, attempt.id)
        return row.amount_refunded, row.amount_charged_back, [e.note or "" for e in row.events]


def test_a_refund_that_fails_gives_its_amount_back(
    app: Flask, client: FlaskClient, token: str, mollie_sandbox: MollieSandbox
) -> None:
    attempt = paid(app, client, token, mollie_sandbox)
    refund_id = refund(mollie_sandbox, attempt.mollie_id, "100.00")
    deliver_webhook(client, attempt)
    assert stored(app, attempt)[0] == Decimal("100.00")

    mollie_sandbox.progress_refund(refund_id, "failed")
    assert deliver_webhook(client, attempt).status_code == 200

    refunded, _, notes = stored(app, attempt)
    assert refunded == Decimal("0.00")
    assert notes[-2:] == [f"refund {refund_id}: pending -> failed", "refunded 0.00 in all"]
    with app.app_context():
        [row] = db.session.scalars(sa.select(PaymentRefund)).all()
        assert (row.mollie_id, row.amount, row.status) == (refund_id, Decimal("100.00"), "failed")
        # The client's own data says the same (Art. 15: accurate).
        [record] = list(RECORDS["invoices"]("anna@example.nl"))
        assert record["payments"][0].refunded == Decimal("0.00")


def test_a_canceled_refund_gives_its_amount_back_and_the_rest_still_counts(
    app: Flask, client: FlaskClient, token: str, mollie_sandbox: MollieSandbox
) -> None:
    attempt = paid(app, client, token, mollie_sandbox)
    first = refund(mollie_sandbox, attempt.mollie_id, "100.00")
    refund(mollie_sandbox, attempt.mollie_id, "50.00")
    deliver_webhook(client, attempt)
    assert stored(app, attempt)[0] == Decimal("150.00")

    mollie = Client(api_endpoint=mollie_sandbox.url)
    mollie.set_api_key(mollie_sandbox.api_key)
    mollie.payments.get(attempt.mollie_id).refunds.delete(first)
    deliver_webhook(client, attempt)
    deliver_webhook(client, attempt)  # told twice, counted once

    refunded, _, notes = stored(app, attempt)
    assert refunded == Decimal("50.00")
    assert notes.count(f"refund {first}: pending -> canceled") == 1


def test_a_reversed_chargeback_settles_the_part_again(
    app: Flask, client: FlaskClient, token: str, mollie_sandbox: MollieSandbox
) -> None:
    attempt = paid(app, client, token, mollie_sandbox)
    chargeback = mollie_sandbox.chargeback(attempt.mollie_id)
    deliver_webhook(client, attempt)
    with app.app_context():
        part = db.session.get(PaymentAttempt, attempt.id).installment
        assert not part.is_paid, "the chargeback reopened it"

    mollie_sandbox.reverse_chargeback(chargeback["id"])
    assert deliver_webhook(client, attempt).status_code == 200

    _, charged_back, notes = stored(app, attempt)
    assert charged_back == Decimal("0.00")
    assert notes[-1] == "chargeback reversed: charged back 0.00 in all"
    with app.app_context():
        row = db.session.get(PaymentAttempt, attempt.id)
        assert row.installment.is_paid, "the studio has the money again"
        assert row.installment.invoice.next_installment.position == 2, "the balance is next"
        [kept] = db.session.scalars(sa.select(PaymentChargeback)).all()
        assert kept.mollie_id == chargeback["id"] and kept.reversed_at is not None
        actions = db.session.scalars(sa.select(AuditEvent.action)).all()
        assert actions.count("payment.chargeback_reversed") == 1


def test_a_reversal_on_a_single_payment_invoice_marks_it_paid_again(
    app: Flask, client: FlaskClient, mollie_sandbox: MollieSandbox
) -> None:
    with app.app_context():
        single = make_issued_invoice(deposit_percent=100)[1]
    attempt = paid(app, client, single, mollie_sandbox)
    chargeback = mollie_sandbox.chargeback(attempt.mollie_id)
    deliver_webhook(client, attempt)
    mollie_sandbox.reverse_chargeback(chargeback["id"])
    deliver_webhook(client, attempt)
    with app.app_context():
        invoice = db.session.get(PaymentAttempt, attempt.id).installment.invoice
        assert invoice.status is InvoiceStatus.PAID and invoice.paid_at is not None


def reconcile(app: Flask) -> list[str]:
    result = app.test_cli_runner().invoke(args=["payments", "reconcile"])
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


def test_reconcile_catches_up_on_a_lost_refund_webhook(
    app: Flask, client: FlaskClient, token: str, mollie_sandbox: MollieSandbox
) -> None:
    """The tests deliver webhooks themselves: one never delivered is one Mollie lost."""
    attempt = paid(app, client, token, mollie_sandbox)
    refund_id = refund(mollie_sandbox, attempt.mollie_id, "100.00")
    deliver_webhook(client, attempt)
    mollie_sandbox.progress_refund(refund_id, "failed")  # its webhook is lost

    assert reconcile(app)[1] == "Refunds and chargebacks: 1 payments brought up to date."
    assert stored(app, attempt)[0] == Decimal("0.00")
    # What is in step is not asked about again.
    assert reconcile(app)[1] == "Refunds and chargebacks: 0 payments brought up to date."


def test_reconcile_catches_up_on_a_lost_chargeback_and_its_reversal(
    app: Flask, client: FlaskClient, token: str, mollie_sandbox: MollieSandbox
) -> None:
    attempt = paid(app, client, token, mollie_sandbox)
    chargeback = mollie_sandbox.chargeback(attempt.mollie_id)  # webhook lost

    assert reconcile(app)[1] == "Refunds and chargebacks: 1 payments brought up to date."
    assert stored(app, attempt)[1] == Decimal("605.00")
    mollie_sandbox.reverse_chargeback(chargeback["id"])  # lost too
    assert reconcile(app)[1] == "Refunds and chargebacks: 1 payments brought up to date."
    assert stored(app, attempt)[1] == Decimal("0.00")
    with app.app_context():
        assert db.session.get(PaymentAttempt, attempt.id).installment.is_paid


def test_reconcile_says_when_the_lists_cannot_be_read(
    app: Flask, mollie_sandbox: MollieSandbox
) -> None:
    mollie_sandbox.inject_fault(status=503, method="GET", path_prefix="/v2/refunds")

    result = app.test_cli_runner().invoke(args=["payments", "reconcile"])

    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "Checked 0 payments: 0 changed, 0 not reachable.",
        "Refunds and chargebacks: Mollie could not be reached.",
    ]
