"""Paying an installment through Mollie (the sandbox, over real HTTP): clicks, webhooks, returns."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from mollie.api.client import Client
from werkzeug.test import TestResponse

from tests.factories import make_issued_invoice
from website.audit.models import AuditEvent
from website.extensions import db
from website.invoices.models import Installment, Invoice, InvoiceStatus
from website.invoices.services import revoke_pay_links
from website.mail.models import OutboxMessage
from website.mollie_sandbox.testing import MollieSandbox
from website.payments.models import PaymentAttempt, PaymentEvent, PaymentSource, PaymentStatus
from website.payments.services import (
    apply_status,
    payment_mismatch,
    payments_received,
    record_bank_transfer,
    return_key,
    webhook_secret,
)

BASE = "http://localhost"


@pytest.fixture
def app_config(mollie_sandbox: MollieSandbox) -> dict[str, Any]:
    mollie_sandbox.configure_webhooks(paused=True)  # these tests deliver webhooks themselves
    return {
        "MOLLIE_API_ENDPOINT": mollie_sandbox.url,
        "MOLLIE_API_KEY": mollie_sandbox.api_key,
        "MOLLIE_TIMEOUT": 10,  # generous: a busy test machine must not look like a slow Mollie
        "PUBLIC_BASE_URL": BASE,
    }


@pytest.fixture
def token(app: Flask) -> str:
    with app.app_context():
        return make_issued_invoice(lines=(("Wedding film", "1", "1000.00", "21"),))[1]


def press_pay_button(client: FlaskClient, page_url: str, language: str) -> TestResponse:
    """Send the pay (or "Try again") form of ``page_url`` as the page shows it."""
    page = client.get(page_url, headers={"Accept-Language": language})
    form_token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text)
    position = re.search(r'name="installment" value="(\d+)"', page.text)
    assert form_token and position, "the page has a pay button"
    return client.post(
        page_url,
        data={"csrf_token": form_token[1], "installment": position[1]},
        headers={"Accept-Language": language},
    )


def click_pay(client: FlaskClient, token: str, language: str = "nl") -> TestResponse:
    return press_pay_button(client, f"/pay/{token}", language)


def retry(client: FlaskClient, return_page: str) -> TestResponse:
    """Press "Try again" on a return page."""
    return press_pay_button(client, return_page, "en")


def wait_for(condition: Callable[[], object], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def start_paying(app: Flask, client: FlaskClient, token: str) -> PaymentAttempt:
    """Click the pay button; the attempt it made (the only one)."""
    assert click_pay(client, token).status_code == 303
    return the_attempt(app)


def the_attempt(app: Flask) -> PaymentAttempt:
    with app.app_context():
        attempt = db.session.scalars(sa.select(PaymentAttempt)).one()
        db.session.expunge(attempt)
        return attempt


def return_path(app: Flask, attempt: PaymentAttempt) -> str:
    with app.app_context():
        return f"/pay/return/{attempt.id}/{return_key(attempt)}"


def webhook_path(app: Flask, attempt: PaymentAttempt) -> str:
    with app.app_context():
        return f"/webhooks/mollie/{webhook_secret(attempt)}"


def deliver_webhook(client: FlaskClient, attempt: PaymentAttempt, payment_id: str | None = None):
    return client.post(
        webhook_path(client.application, attempt), data={"id": payment_id or attempt.mollie_id}
    )


def paid_events(app: Flask) -> list[PaymentEvent]:
    with app.app_context():
        return db.session.scalars(
            sa.select(PaymentEvent).where(PaymentEvent.new_status == PaymentStatus.PAID)
        ).all()


def receipts(app: Flask) -> list[str]:
    with app.app_context():
        return db.session.scalars(
            sa.select(OutboxMessage.recipient).where(OutboxMessage.kind == "payments/receipt")
        ).all()


class TestThePayButton:
    def test_creates_one_mollie_payment_and_sends_the_client_to_its_checkout(
        self, app: Flask, client: FlaskClient, token: str, mollie_sandbox: MollieSandbox
    ) -> None:
        response = click_pay(client, token, language="en")

        assert response.status_code == 303
        [payment] = mollie_sandbox.payments()
        assert response.headers["Location"] == payment["_links"]["checkout"]["href"]
        attempt = the_attempt(app)
        with app.app_context():
            invoice = db.session.scalars(sa.select(Invoice)).one()
            number, invoice_id = invoice.number, invoice.id
        assert payment["amount"] == {"currency": "EUR", "value": "605.00"}  # half of 1,210.00
        assert payment["metadata"] == {"invoice": number, "installment": 1, "attempt": attempt.id}
        assert payment["locale"] == "en_US"
        assert payment["redirectUrl"] == BASE + return_path(app, attempt)
        assert token not in payment["redirectUrl"]
        assert payment["webhookUrl"] == BASE + webhook_path(app, attempt)
        assert len(webhook_path(app, attempt).rpartition("/")[2]) >= 43
        assert attempt.webhook_secret_hash not in payment["webhookUrl"], "only a hash is stored"
        assert attempt.mollie_id == payment["id"]
        assert attempt.status is PaymentStatus.OPEN
        assert attempt.idempotency_key.startswith(f"inv-{invoice_id}-1-1-")

    def test_a_second_click_reuses_the_open_payment(
        self, app: Flask, client: FlaskClient, token: str, mollie_sandbox: MollieSandbox
    ) -> None:
        first = click_pay(client, token)
        second = click_pay(client, token)
        assert first.headers["Location"] == second.headers["Location"]
        assert len(mollie_sandbox.payments()) == 1

    def test_a_failed_payment_makes_way_for_a_new_one(
        self, app: Flask, client: FlaskClient, token: str, mollie_sandbox: MollieSandbox
    ) -> None:
        click_pay(client, token)
        first = the_attempt(app)
        mollie_sandbox.set_status(first.mollie_id, "failed")
        assert deliver_webhook(client, first).status_code == 200
        retry = click_pay(client, token)
        assert retry.status_code == 303
        payments = mollie_sandbox.payments()
        assert len(payments) == 2
        assert retry.headers["Location"] == payments[-1]["_links"]["checkout"]["href"]
        with app.app_context():
            numbers = db.session.scalars(
                sa.select(PaymentAttempt.number).order_by(PaymentAttempt.number)
            ).all()
        assert numbers == [1, 2]

    @pytest.mark.parametrize(
        "fault",
        [
            {"kind": "status", "status": 500},
            {"kind": "status", "status": 503},
            {"kind": "status", "status": 422},
            {"kind": "slow", "seconds": 4},
            {"kind": "drop"},
        ],
    )
    def test_mollie_failures_ask_the_client_to_try_again_and_retrying_is_safe(
        self,
        app: Flask,
        client: FlaskClient,
        token: str,
        mollie_sandbox: MollieSandbox,
        fault: dict[str, Any],
    ) -> None:
        if fault["kind"] == "slow":
            app.config["MOLLIE_TIMEOUT"] = 1  # Mollie answers after 4 s: we stop waiting at 1 s
        mollie_sandbox.inject_fault(**fault, count=1, method="POST", path_prefix="/v2/payments")

        failed = click_pay(client, token, language="en")

        assert failed.status_code == 503
        assert "Please try again" in failed.text and "Nothing was charged" in failed.text
        assert paid_events(app) == []
        if fault["kind"] == "slow":
            # A retry while Mollie still works on the first request is answered 409: try again.
            assert click_pay(client, token, language="en").status_code == 503
            wait_for(lambda: mollie_sandbox.payments())
        retried = click_pay(client, token, language="en")
        assert retried.status_code == 303
        # The slow request did reach Mollie: the retry's idempotency key gets that payment back.
        [payment] = mollie_sandbox.payments()
        assert retried.headers["Location"] == payment["_links"]["checkout"]["href"]
        with app.app_context():
            attempts = db.session.scalars(
                sa.select(PaymentAttempt).order_by(PaymentAttempt.number)
            ).all()
            if fault.get("status") == 422:
                # Mollie refused the request itself: that attempt (and its key) is given up.
                assert [a.status for a in attempts] == [PaymentStatus.FAILED, PaymentStatus.OPEN]
                assert attempts[0].events[0].note.startswith("refused by Mollie")
                assert attempts[0].idempotency_key != attempts[1].idempotency_key
            else:
                assert [a.mollie_id for a in attempts] == [payment["id"]]

    def test_mollie_unreachable(
        self, app: Flask, client: FlaskClient, token: str, mollie_sandbox: MollieSandbox
    ) -> None:
        app.config["MOLLIE_API_ENDPOINT"] = "http://127.0.0.1:9"  # discard: nothing listens
        response = click_pay(client, token, language="en")
        assert response.status_code == 503
        assert "Please try again" in response.text
        assert paid_events(app) == []
        assert mollie_sandbox.payments() == []

        app.config["MOLLIE_API_ENDPOINT"] = mollie_sandbox.url  # Mollie is back
        assert click_pay(client, token, language="en").status_code == 303
        assert len(mollie_sandbox.payments()) == 1
        assert paid_events(app) == []

    def test_a_stale_page_cannot_pay_a_part_already_paid(
        self, app: Flask, client: FlaskClient, token: str, mollie_sandbox: MollieSandbox
    ) -> None:
        page = client.get(f"/pay/{token}").text
        form_token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
        with app.app_context():
            record_bank_transfer(db.session.scalars(sa.select(Installment)).first(), None)
        response = client.post(f"/pay/{token}", data={"csrf_token": form_token, "installment": "1"})
        assert response.status_code == 303
        assert urlsplit(response.headers["Location"]).path == f"/pay/{token}"
        assert mollie_sandbox.payments() == []


class TestTheWebhook:
    def test_paid_settles_the_installment_once_with_one_receipt(
        self, app: Flask, client: FlaskClient, token: str, mollie_sandbox: MollieSandbox
    ) -> None:
        attempt = start_paying(app, client, token)
        mollie_sandbox.set_status(attempt.mollie_id, "paid")

        for _ in range(3):  # Mollie may deliver more than once
            assert deliver_webhook(client, attempt).status_code == 200

        [event] = paid_events(app)
        assert (event.source, event.old_status, event.mollie_status) == (
            PaymentSource.WEBHOOK,
            PaymentStatus.OPEN,
            "paid",
        )
        assert receipts(app) == ["anna@example.nl"]
        with app.app_context():
            invoice = db.session.scalars(sa.select(Invoice)).one()
            deposit, balance = invoice.installments
            assert deposit.is_paid and not balance.is_paid
            assert invoice.status is InvoiceStatus.ISSUED
            assert invoice.next_installment.id == balance.id
            receipt = db.session.scalars(
                sa.select(OutboxMessage).where(OutboxMessage.kind == "payments/receipt")
            ).one()
            assert "€\xa0605,00" in receipt.text_body and invoice.number in receipt.subject

    def test_paying_the_balance_pays_the_invoice(
        self, app: Flask, client: FlaskClient, token: str, mollie_sandbox: MollieSandbox
    ) -> None:
        for _ in range(2):
            click_pay(client, token)
            with app.app_context():
                attempt = db.session.scalars(
                    sa.select(PaymentAttempt).order_by(PaymentAttempt.id.desc())
                ).first()
                db.session.expunge(attempt)
            mollie_sandbox.set_status(attempt.mollie_id, "paid")
            deliver_webhook(client, attempt)
        with app.app_context():
            invoice = db.session.scalars(sa.select(Invoice)).one()
            assert invoice.status is InvoiceStatus.PAID and invoice.paid_at is not None
            assert [part.amount for part in invoice.installments] == [
                Decimal("605.00"),
                Decimal("605.00"),
            ]
        assert len(receipts(app)) == 2
        page = client.get(f"/pay/{token}", headers={"Accept-Language": "en"}).text
        assert "paid in full" in page and "Pay now" not in page

    def test_unknown_secrets_and_ids_get_200_and_change_nothing(
        self, app: Flask, client: FlaskClient, token: str, mollie_sandbox: MollieSandbox
    ) -> None:
        attempt = start_paying(app, client, token)
        mollie_sandbox.set_status(attempt.mollie_id, "paid")
        assert (
            client.post("/webhooks/mollie/not-a-secret", data={"id": attempt.mollie_id}).status_code
            == 200
        )
        assert deliver_webhook(client, attempt, payment_id="tr_unknown123").status_code == 200
        assert client.post(webhook_path(app, attempt)).status_code == 200
        assert paid_events(app) == []
        assert the_attempt(app).status is PaymentStatus.OPEN

    def test_another_invoices_payment_id_changes_nothing(
        self, app: Flask, client: FlaskClient, token: str, mollie_sandbox: MollieSandbox
    ) -> None:
        with app.app_context():
            other_token = make_issued_invoice(email="bob@example.nl")[1]
        click_pay(client, token)
        click_pay(client, other_token)
        with app.app_context():
            mine, theirs = db.session.scalars(
                sa.select(PaymentAttempt).order_by(PaymentAttempt.id)
            ).all()
            db.session.expunge_all()
        mollie_sandbox.set_status(theirs.mollie_id, "paid")
        # My webhook URL with their paid payment's id: ignored.
        assert deliver_webhook(client, mine, payment_id=theirs.mollie_id).status_code == 200
        assert paid_events(app) == []

    def test_a_payment_that_does_not_match_the_attempt_changes_nothing(
        self, app: Flask, client: FlaskClient, token: str, mollie_sandbox: MollieSandbox
    ) -> None:
        attempt = start_paying(app, client, token)
        mollie_sandbox.set_status(attempt.mollie_id, "paid")
        with app.app_context():  # as if the attempt had been for another amount
            stored = db.session.get(PaymentAttempt, attempt.id)
            stored.amount = Decimal("1.00")
            db.session.commit()
        assert deliver_webhook(client, attempt).status_code == 200
        assert paid_events(app) == [] and receipts(app) == []

    def test_mollie_down_answers_503_so_mollie_retries(
        self, app: Flask, client: FlaskClient, token: str, mollie_sandbox: MollieSandbox
    ) -> None:
        attempt = start_paying(app, client, token)
        mollie_sandbox.set_status(attempt.mollie_id, "paid")
        mollie_sandbox.inject_fault(kind="status", status=502, count=1, method="GET")
        assert deliver_webhook(client, attempt).status_code == 503
        assert paid_events(app) == []
        assert deliver_webhook(client, attempt).status_code == 200
        assert len(paid_events(app)) == 1


class TestMoneyInFlightAndBack:
    def test_a_payment_in_progress_stops_a_second_one(
        self, app: Flask, client: FlaskClient, token: str, mollie_sandbox: MollieSandbox
    ) -> None:
        attempt = start_paying(app, client, token)
        mollie_sandbox.set_status(attempt.mollie_id, "pending")  # our copy still says open

        second = click_pay(client, token, language="en")

        assert second.status_code == 409
        assert "A payment is being processed" in second.text
        assert len(mollie_sandbox.payments()) == 1
        assert the_attempt(app).status is PaymentStatus.PENDING
        page = client.get(f"/pay/{token}", headers={"Accept-Language": "en"}).text
        assert "please do not pay it again" in page and 'name="installment"' not in page

    def test_a_chargeback_reopens_the_installment(
        self, app: Flask, client: FlaskClient, token: str, mollie_sandbox: MollieSandbox
    ) -> None:
        attempt = start_paying(app, client, token)
        mollie_sandbox.set_status(attempt.mollie_id, "paid")
        deliver_webhook(client, attempt)
        mollie_sandbox.chargeback(attempt.mollie_id)

        assert deliver_webhook(client, attempt).status_code == 200
        assert deliver_webhook(client, attempt).status_code == 200  # recorded once

        with app.app_context():
            stored = db.session.get(PaymentAttempt, attempt.id)
            assert stored.status is PaymentStatus.PAID
            assert stored.amount_charged_back == Decimal("605.00")
            assert [e.note for e in stored.events][-1] == (
                "charged back 605.00 in all: payment reopened"
            )
            deposit = stored.installment
            assert not deposit.is_paid and deposit.invoice.next_installment.id == deposit.id
            actions = db.session.scalars(sa.select(AuditEvent.action)).all()
            assert actions.count("payment.charged_back") == 1
            received = payments_received(10)
            assert [(e.old_status, e.note) for e in received] == [(PaymentStatus.OPEN, None)]
        page = client.get(f"/pay/{token}", headers={"Accept-Language": "en"}).text
        assert "Pay €605.00 online" in page

    def test_a_refund_is_recorded_and_the_part_stays_paid(
        self, app: Flask, client: FlaskClient, token: str, mollie_sandbox: MollieSandbox
    ) -> None:
        attempt = start_paying(app, client, token)
        mollie_sandbox.set_status(attempt.mollie_id, "paid")
        deliver_webhook(client, attempt)
        mollie = Client(api_endpoint=mollie_sandbox.url)
        mollie.set_api_key(mollie_sandbox.api_key)
        mollie.payments.get(attempt.mollie_id).refunds.create(
            {"amount": {"currency": "EUR", "value": "100.00"}}
        )

        assert deliver_webhook(client, attempt).status_code == 200

        with app.app_context():
            stored = db.session.get(PaymentAttempt, attempt.id)
            assert stored.amount_refunded == Decimal("100.00")
            assert stored.events[-1].note == "refunded 100.00 in all"
            assert stored.installment.is_paid
            assert "payment.refunded" in db.session.scalars(sa.select(AuditEvent.action)).all()
            assert len(payments_received(10)) == 1, "the refund is no payment received"

    def test_odd_webhook_ids_are_ignored(
        self, app: Flask, client: FlaskClient, token: str, mollie_sandbox: MollieSandbox
    ) -> None:
        attempt = start_paying(app, client, token)
        for odd in ("tr_é", "x" * 5000, ""):
            assert deliver_webhook(client, attempt, payment_id=odd).status_code == 200
        assert the_attempt(app).status is PaymentStatus.OPEN


class TestTheReturnPage:
    def test_asks_mollie_itself_and_shows_paid(
        self, app: Flask, client: FlaskClient, token: str, mollie_sandbox: MollieSandbox
    ) -> None:
        attempt = start_paying(app, client, token)
        mollie_sandbox.set_status(attempt.mollie_id, "paid")  # the webhook has not come yet
        page = client.get(return_path(app, attempt), headers={"Accept-Language": "en"})
        assert page.status_code == 200
        assert "your payment is in" in page.text
        [event] = paid_events(app)
        assert event.source is PaymentSource.RETURN
        assert deliver_webhook(client, attempt).status_code == 200
        assert len(paid_events(app)) == 1 and len(receipts(app)) == 1

    def test_returned_without_paying_offers_another_try(
        self, app: Flask, client: FlaskClient, token: str, mollie_sandbox: MollieSandbox
    ) -> None:
        attempt = start_paying(app, client, token)
        page = client.get(return_path(app, attempt), headers={"Accept-Language": "en"})
        assert "was not completed" in page.text and "Try again" in page.text
        assert "hx-trigger" not in page.text

    def test_an_old_return_pages_try_again_does_not_pay_the_next_part(
        self, app: Flask, client: FlaskClient, token: str, mollie_sandbox: MollieSandbox
    ) -> None:
        first = start_paying(app, client, token)
        mollie_sandbox.set_status(first.mollie_id, "canceled")
        old_page = return_path(app, first)
        assert "Try again" in client.get(old_page, headers={"Accept-Language": "en"}).text
        assert click_pay(client, token).status_code == 303  # paid after all, another way
        with app.app_context():
            second = db.session.scalars(
                sa.select(PaymentAttempt).order_by(PaymentAttempt.id.desc())
            ).first()
            db.session.expunge(second)
        mollie_sandbox.set_status(second.mollie_id, "paid")
        assert deliver_webhook(client, second).status_code == 200

        again = retry(client, old_page)  # Back to the old page, "Try again"

        assert again.status_code == 303 and again.headers["Location"] == old_page
        assert len(mollie_sandbox.payments()) == 2, "no payment for the balance"
        page = client.get(old_page, headers={"Accept-Language": "en"}).text
        assert "This part of the invoice is already paid." in page

    def test_try_again_stops_when_staff_revoked_the_links(
        self, app: Flask, client: FlaskClient, token: str, mollie_sandbox: MollieSandbox
    ) -> None:
        attempt = start_paying(app, client, token)
        mollie_sandbox.set_status(attempt.mollie_id, "canceled")
        with app.app_context():
            revoke_pay_links(db.session.scalars(sa.select(Invoice)).one())
            db.session.commit()
        refused = retry(client, return_path(app, attempt))
        assert refused.status_code == 404 and "info@ivisualproductions.nl" in refused.text
        assert len(mollie_sandbox.payments()) == 1

    def test_processing_polls_with_htmx_and_has_a_plain_link(
        self, app: Flask, client: FlaskClient, token: str, mollie_sandbox: MollieSandbox
    ) -> None:
        attempt = start_paying(app, client, token)
        mollie_sandbox.inject_fault(kind="status", status=503, count=1, method="GET")
        here = return_path(app, attempt)
        page = client.get(here, headers={"Accept-Language": "en"})
        assert "being processed" in page.text
        assert f'hx-get="{here}?poll=1"' in page.text and 'hx-trigger="every 2s"' in page.text
        assert f'<a href="{here}">Check again</a>' in page.text
        mollie_sandbox.set_status(attempt.mollie_id, "paid")
        fragment = client.get(here, headers={"HX-Request": "true", "Accept-Language": "en"})
        assert fragment.text.lstrip().startswith('<div id="payment-status"')
        assert "your payment is in" in fragment.text and "hx-trigger" not in fragment.text

    def test_another_invoices_attempt_is_not_shown(
        self, app: Flask, client: FlaskClient, token: str, mollie_sandbox: MollieSandbox
    ) -> None:
        with app.app_context():
            other_token = make_issued_invoice(email="bob@example.nl")[1]
        click_pay(client, other_token)
        attempt = the_attempt(app)
        path = return_path(app, attempt)
        assert client.get(path[:-1] + ("A" if path[-1] != "A" else "B")).status_code == 404
        assert (
            client.get(f"/pay/return/{attempt.id + 1}/{path.rsplit('/', 1)[1]}").status_code == 404
        )
        assert client.get(f"/pay/return/{10**30}/x").status_code == 404
        assert client.get(f"/pay/{token}/payments/{attempt.id}").status_code == 404

    def test_polling_stops_after_a_few_minutes(
        self, app: Flask, client: FlaskClient, token: str, mollie_sandbox: MollieSandbox
    ) -> None:
        attempt = start_paying(app, client, token)
        mollie_sandbox.set_status(attempt.mollie_id, "pending")
        here = return_path(app, attempt)
        assert 'hx-trigger="every 2s"' in client.get(f"{here}?poll=89").text
        last = client.get(f"{here}?poll=90", headers={"Accept-Language": "en"}).text
        assert "being processed" in last and "hx-trigger" not in last
        assert f'<a href="{here}">Check again</a>' in last

    def test_the_way_back_to_the_invoice_needs_this_browser(
        self, app: Flask, client: FlaskClient, token: str, mollie_sandbox: MollieSandbox
    ) -> None:
        click_pay(client, token)
        here = return_path(app, the_attempt(app))
        assert f'href="/pay/{token}"' in client.get(here).text
        elsewhere = app.test_client().get(here, headers={"Accept-Language": "en"}).text
        assert f"/pay/{token}" not in elsewhere and "the link in our email" in elsewhere

    def test_a_bank_transfer_chosen_at_mollie_is_waited_for(
        self, app: Flask, client: FlaskClient, token: str, mollie_sandbox: MollieSandbox
    ) -> None:
        attempt = start_paying(app, client, token)
        mollie_sandbox.pay(attempt.mollie_id, status="open", method="banktransfer")
        page = client.get(return_path(app, attempt), headers={"Accept-Language": "en"}).text
        assert "Waiting for your bank transfer" in page and "do not pay a second time" in page
        assert "Nothing was charged" not in page and "Try again" not in page
        # The details again: Mollie's status page for the transfer, not the checkout.
        details = re.search(r'<a href="([^"]+)">Show the transfer details again</a>', page)
        assert details and details[1] != attempt.checkout_url
        assert "/checkout/bank-transfer/" in details[1]
        shown = requests.get(details[1], timeout=10).text
        reference = mollie_sandbox.payment(attempt.mollie_id)["details"]["transferReference"]
        assert reference in shown and "Status of your payment" not in shown
        # Paying again goes back to the same Mollie payment, with its transfer details.
        again = click_pay(client, token)
        assert again.headers["Location"] == attempt.checkout_url
        assert len(mollie_sandbox.payments()) == 1


@pytest.mark.parametrize(
    ("old", "mollie_status", "new"),
    [
        (PaymentStatus.PAID, "expired", PaymentStatus.PAID),
        (PaymentStatus.PAID, "failed", PaymentStatus.PAID),
        (PaymentStatus.PAID, "open", PaymentStatus.PAID),
        (PaymentStatus.PAID, "pending", PaymentStatus.PAID),
        (PaymentStatus.PAID, "canceled", PaymentStatus.PAID),
        (PaymentStatus.FAILED, "open", PaymentStatus.FAILED),
        (PaymentStatus.PENDING, "open", PaymentStatus.PENDING),
        (PaymentStatus.CANCELED, "expired", PaymentStatus.CANCELED),
        (PaymentStatus.OPEN, "pending", PaymentStatus.PENDING),
        (PaymentStatus.EXPIRED, "paid", PaymentStatus.PAID),  # a late payment still counts
    ],
)
def test_statuses_only_move_forward(
    app: Flask, token: str, old: PaymentStatus, mollie_status: str, new: PaymentStatus
) -> None:
    with app.app_context():
        installment = db.session.scalars(sa.select(Installment)).first()
        attempt = PaymentAttempt(
            installment=installment,
            number=1,
            amount=installment.amount,
            locale="nl_NL",
            idempotency_key="k",
            webhook_secret_hash="s",
            status=old,
        )
        db.session.add(attempt)
        db.session.flush()
        apply_status(attempt, {"status": mollie_status}, PaymentSource.WEBHOOK)
        assert attempt.status is new
        changed = old is not new
        assert [event.mollie_status for event in attempt.events] == [mollie_status] * changed
        if changed and old.is_final:
            assert attempt.events[0].note == f"late payment, after the attempt was {old.value}"


def test_the_checkout_offers_only_the_configured_methods(
    app: Flask, client: FlaskClient, token: str, mollie_sandbox: MollieSandbox
) -> None:
    """No method that leaves a payment authorised, waiting for a capture (README)."""
    app.config["MOLLIE_METHODS"] = ("ideal", "banktransfer")
    click_pay(client, token)
    checkout = requests.get(the_attempt(app).checkout_url, timeout=10).text
    assert "iDEAL" in checkout and "Bank transfer" in checkout
    assert "Card" not in checkout and "PayPal" not in checkout


def test_reconcile_catches_up_on_a_lost_webhook(
    app: Flask, client: FlaskClient, token: str, mollie_sandbox: MollieSandbox
) -> None:
    click_pay(client, token)
    attempt = the_attempt(app)
    mollie_sandbox.set_status(attempt.mollie_id, "paid")  # its webhook never arrives

    result = app.test_cli_runner().invoke(args=["payments", "reconcile"])

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Checked 1 payments: 1 changed, 0 not reachable.",
        "Refunds and chargebacks: 0 payments brought up to date.",
        "Payments under a new id: 0 found.",
    ]
    [event] = paid_events(app)
    assert event.source is PaymentSource.RECONCILE
    again = app.test_cli_runner().invoke(args=["payments", "reconcile"])
    assert again.output.splitlines()[0] == "Checked 0 payments: 0 changed, 0 not reachable."


@pytest.mark.parametrize(
    ("field", "key", "value"),
    [
        ("id", "id", "tr_someoneelse"),
        ("invoice", "metadata.invoice", "2026-9999"),
        ("installment", "metadata.installment", 2),
        ("attempt", "metadata.attempt", 99),
        ("amount", "amount.value", "605.01"),
        ("currency", "amount.currency", "USD"),
        ("mode", "mode", "live"),
    ],
)
def test_every_field_of_a_payment_must_match_its_attempt(
    app: Flask, token: str, field: str, key: str, value: object
) -> None:
    with app.app_context():
        installment = db.session.scalars(sa.select(Installment)).first()
        attempt = PaymentAttempt(
            installment=installment,
            number=1,
            amount=Decimal("605.00"),
            currency="EUR",
            locale="nl_NL",
            idempotency_key="k",
            webhook_secret_hash="s",
            mollie_id="tr_mine",
            status=PaymentStatus.OPEN,
        )
        db.session.add(attempt)
        db.session.flush()
        payment: dict[str, Any] = {
            "id": "tr_mine",
            "mode": "test",
            "amount": {"currency": "EUR", "value": "605.00"},
            "metadata": {
                "invoice": installment.invoice.number,
                "installment": 1,
                "attempt": attempt.id,
            },
        }
        assert payment_mismatch(attempt, payment) is None
        *parents, name = key.split(".")
        target = payment
        for parent in parents:
            target = target[parent]
        target[name] = value
        assert payment_mismatch(attempt, payment) == f"{field} do not match"


def test_the_session_cookie_holds_no_readable_pay_token(
    app: Flask, client: FlaskClient, token: str
) -> None:
    attempt = start_paying(app, client, token)
    with client.session_transaction() as session:
        assert token not in repr(dict(session)), "encrypted, not just signed"
    page = client.get(return_path(app, attempt), headers={"Accept-Language": "en"})
    assert f'href="/pay/{token}"' in page.text, "the way back to the invoice still works"


def test_the_payers_bank_details_from_mollie_are_kept_nowhere(
    app: Flask, client: FlaskClient, token: str, mollie_sandbox: MollieSandbox
) -> None:
    """Mollie sends the paying account and its holder with an iDEAL payment; the policy says
    the site keeps no account number, so nothing of them may end up in any table."""
    attempt = start_paying(app, client, token)
    mollie_sandbox.pay(attempt.mollie_id, method="ideal")
    deliver_webhook(client, attempt)
    details = mollie_sandbox.payment(attempt.mollie_id)["details"]
    assert details["consumerAccount"] and details["consumerName"]
    with app.app_context():
        assert db.session.get(PaymentAttempt, attempt.id).status is PaymentStatus.PAID
        stored = " ".join(
            str(row)
            for table in db.metadata.sorted_tables
            for row in db.session.execute(sa.select(table))
        )
    assert details["consumerAccount"] not in stored
    assert details["consumerName"] not in stored
