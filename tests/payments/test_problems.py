"""Payments staff must resolve are rows on the dashboard, until someone says they are done.

A part paid twice (money to give back) and a paid payment that is not the one asked for
(another amount, invoice or mode: money to look into) are each one row, however often Mollie
reports them, and leave the dashboard when staff mark them resolved.
"""

from __future__ import annotations

import re
from decimal import Decimal

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.admin.conftest import STAFF_EMAIL, STAFF_PASSWORD, csrf_token, sign_in
from tests.payments.test_payments import app_config as app_config  # the sandbox's settings
from tests.payments.test_payments import deliver_webhook, start_paying
from tests.payments.test_payments import token as token
from website.admin.services import create_staff
from website.audit.models import AuditEvent
from website.extensions import db
from website.invoices.models import InvoiceStatus
from website.invoices.services import new_pay_link, revoke_pay_links
from website.mollie_sandbox.testing import MollieSandbox
from website.payments.models import (
    PaymentAttempt,
    PaymentProblem,
    PaymentProblemKind,
    PaymentStatus,
)

EN = {"Accept-Language": "en"}


def problems(app: Flask) -> list[tuple[PaymentProblemKind, str | None, Decimal | None, bool]]:
    with app.app_context():
        return [
            (row.kind, row.detail, row.amount, row.resolved_at is not None)
            for row in db.session.scalars(sa.select(PaymentProblem).order_by(PaymentProblem.id))
        ]


def attention(staff: FlaskClient) -> str:
    page = staff.get("/admin/", headers=EN).text
    return page.split('id="attention-title"', 1)[1].split("</section>", 1)[0]


def test_a_paid_payment_that_is_not_the_one_asked_for_waits_for_staff(
    app: Flask, client: FlaskClient, token: str, mollie_sandbox: MollieSandbox
) -> None:
    attempt = start_paying(app, client, token)
    with app.app_context():
        # Our record says 600.00; Mollie was asked for, and took, 605.00.
        db.session.get(PaymentAttempt, attempt.id).amount = Decimal("600.00")
        db.session.commit()
    mollie_sandbox.pay(attempt.mollie_id)

    for _ in range(2):  # a retried webhook is the same problem
        assert deliver_webhook(client, attempt).status_code == 200
    assert problems(app) == [
        (PaymentProblemKind.MISMATCH, "amount do not match", Decimal("605.00"), False)
    ]
    with app.app_context():
        assert db.session.get(PaymentAttempt, attempt.id).installment.invoice.status is (
            InvoiceStatus.ISSUED
        ), "nothing is booked from a payment that does not match"
        create_staff(STAFF_EMAIL, STAFF_PASSWORD)
    staff = app.test_client()
    assert sign_in(staff).status_code == 303
    shown = attention(staff)
    assert "Paid, but not as asked" in shown and "(amount do not match)" in shown
    assert "€605.00" in shown and attempt.mollie_id in shown

    action = re.search(r'action="(/admin/payment-problems/\d+/resolved)"', shown)
    assert action
    assert staff.post(action[1], headers=EN).status_code == 400  # no form token
    done = staff.post(action[1], data={"csrf_token": csrf_token(staff, "/admin/")}, headers=EN)
    assert done.status_code == 303
    assert "Paid, but not as asked" not in attention(staff)
    assert problems(app)[0][3] is True
    again = staff.post(action[1], data={"csrf_token": csrf_token(staff, "/admin/")}, headers=EN)
    assert again.status_code == 303  # resolving twice changes nothing
    with app.app_context():
        resolved = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "payment.problem_resolved")
        ).all()
    assert len(resolved) == 1


def staff_browser(app: Flask) -> FlaskClient:
    with app.app_context():
        create_staff(STAFF_EMAIL, STAFF_PASSWORD)
    staff = app.test_client()
    assert sign_in(staff).status_code == 303
    return staff


def revoke_links(app: Flask, staff: FlaskClient) -> str:
    """Press "Revoke pay links" on the invoice's page; the page staff land on."""
    with app.app_context():
        invoice_id = db.session.scalars(sa.select(PaymentAttempt)).first().installment.invoice_id
    page = f"/admin/invoices/{invoice_id}"
    response = staff.post(
        f"{page}/revoke-links",
        data={"csrf_token": csrf_token(staff, page)},
        headers=EN,
        follow_redirects=True,
    )
    assert response.status_code == 200
    return response.text


def test_revoking_the_links_cancels_a_bank_transfer_under_way(
    app: Flask, client: FlaskClient, token: str, mollie_sandbox: MollieSandbox
) -> None:
    attempt = start_paying(app, client, token)
    mollie_sandbox.pay(attempt.mollie_id, status="open", method="banktransfer")

    page = revoke_links(app, staff_browser(app))

    assert "1 payment begun at Mollie was canceled." in page
    assert mollie_sandbox.payment(attempt.mollie_id)["status"] == "canceled"
    with app.app_context():
        assert db.session.get(PaymentAttempt, attempt.id).status is PaymentStatus.CANCELED


def test_a_checkout_mollie_will_not_cancel_that_is_paid_after_all_is_to_refund(
    app: Flask, client: FlaskClient, token: str, mollie_sandbox: MollieSandbox
) -> None:
    attempt = start_paying(app, client, token)  # an iDEAL checkout cannot be canceled

    staff = staff_browser(app)
    page = revoke_links(app, staff)
    assert "1 payment begun at Mollie could not be canceled" in page

    mollie_sandbox.pay(attempt.mollie_id)
    assert deliver_webhook(client, attempt).status_code == 200

    with app.app_context():
        paid = db.session.get(PaymentAttempt, attempt.id)
        assert paid.status is PaymentStatus.PAID and paid.installment.is_paid, "recorded"
    assert [kind for kind, *_ in problems(app)] == [PaymentProblemKind.PAID_AFTER_REVOKE]
    assert "Paid after the invoice's pay links were revoked" in attention(staff)


def test_a_payment_after_a_new_link_was_sent_is_no_problem(
    app: Flask, client: FlaskClient, token: str, mollie_sandbox: MollieSandbox
) -> None:
    attempt = start_paying(app, client, token)
    with app.app_context():
        invoice = db.session.get(PaymentAttempt, attempt.id).installment.invoice
        revoke_pay_links(invoice)
        new_pay_link(invoice)
        db.session.commit()
    mollie_sandbox.pay(attempt.mollie_id)
    deliver_webhook(client, attempt)
    assert problems(app) == []
