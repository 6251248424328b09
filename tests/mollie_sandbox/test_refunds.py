"""Refunds (docs/mollie.md §9) and chargebacks (§10) through mollie-api-python 4.0.0."""

from __future__ import annotations

import re
from typing import Any

import pytest
from mollie.api.client import Client
from mollie.api.error import ConflictError, NotFoundError, UnprocessableEntityError
from mollie.api.objects.payment import Payment

from tests.mollie_sandbox.conftest import CreatePayment, client_for, payment_data
from website.mollie_sandbox.testing import TEST_LIVE_KEY, MollieSandbox, SandboxControlError


def eur(value: str) -> dict[str, str]:
    return {"currency": "EUR", "value": value}


def test_a_refund_has_mollies_fields(
    mollie: Client, mollie_sandbox: MollieSandbox, paid_payment: Payment
) -> None:
    refund = paid_payment.refunds.create(
        {"amount": eur("25.00"), "description": "Album cancelled", "metadata": {"credit": 7}}
    )

    assert refund["resource"] == "refund"
    assert re.fullmatch(r"re_[A-Za-z0-9]{10,22}", refund.id)
    assert refund.amount == eur("25.00")
    assert refund.settlement_amount == eur("-25.00")
    assert refund.status == "pending"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", refund.created_at)
    assert refund.description == "Album cancelled"
    assert refund.metadata == {"credit": 7}
    assert refund.payment_id == paid_payment.id
    links = refund["_links"]
    base = f"{mollie_sandbox.url}/v2/payments/{paid_payment.id}"
    assert links["self"] == {"href": f"{base}/refunds/{refund.id}", "type": "application/hal+json"}
    assert links["payment"]["href"] == base
    assert links["documentation"]["type"] == "text/html"


def test_a_refund_updates_the_payments_amounts_and_links(
    mollie: Client, mollie_sandbox: MollieSandbox, paid_payment: Payment
) -> None:
    assert not mollie.payments.get(paid_payment.id).has_refunds()

    paid_payment.refunds.create({"amount": eur("25.00")})
    paid_payment.refunds.create({"amount": eur("0.50")})

    payment = mollie.payments.get(paid_payment.id)
    assert payment.amount_refunded == eur("25.50")
    assert payment.amount_remaining == eur("99.50")
    assert payment.has_refunds()
    assert payment["_links"]["refunds"]["href"] == (
        f"{mollie_sandbox.url}/v2/payments/{payment.id}/refunds"
    )
    assert payment.is_paid() and payment.status == "paid"  # refunds never change the status


def test_refunds_can_be_fetched_and_listed(mollie: Client, paid_payment: Payment) -> None:
    first = paid_payment.refunds.create({"amount": eur("10.00")})
    second = paid_payment.refunds.create({"amount": eur("20.00")})

    assert dict(paid_payment.refunds.get(first.id)) == dict(first)
    listed = paid_payment.refunds.list()
    assert listed.count == 2
    assert [r.id for r in listed] == [second.id, first.id]
    assert [r.id for r in mollie.refunds.list()] == [second.id, first.id]
    assert [r.id for r in paid_payment.refunds.list(limit=1).get_next()] == [first.id]


def test_refunds_of_other_payments_or_modes_are_not_found(
    mollie: Client,
    mollie_sandbox: MollieSandbox,
    create_payment: CreatePayment,
    paid_payment: Payment,
) -> None:
    refund = paid_payment.refunds.create({"amount": eur("10.00")})
    other = create_payment()

    with pytest.raises(NotFoundError, match=f"No refund exists with token {refund.id}"):
        other.refunds.get(refund.id)
    live = client_for(mollie_sandbox.url, TEST_LIVE_KEY)
    assert live.refunds.list().count == 0


def test_the_whole_remaining_amount_can_be_refunded_but_no_more(
    mollie: Client, paid_payment: Payment
) -> None:
    paid_payment.refunds.create({"amount": eur("100.00")})

    with pytest.raises(UnprocessableEntityError) as raised:
        paid_payment.refunds.create({"amount": eur("25.01")})
    assert raised.value.field == "amount.value"

    paid_payment.refunds.create({"amount": eur("25.00")})
    assert mollie.payments.get(paid_payment.id).amount_remaining == eur("0.00")


def test_the_same_amount_twice_within_an_hour_is_a_duplicate(
    mollie_sandbox: MollieSandbox, paid_payment: Payment
) -> None:
    paid_payment.refunds.create({"amount": eur("10.00")})

    # Mollie's create-payment-refund reference: 409 Conflict, not 422.
    with pytest.raises(ConflictError) as raised:
        paid_payment.refunds.create({"amount": eur("10.00")})
    assert raised.value.status == 409
    assert str(raised.value) == "A duplicate refund has been detected"

    paid_payment.refunds.create({"amount": eur("10.01")})  # another amount is fine
    mollie_sandbox.advance(3600)
    paid_payment.refunds.create({"amount": eur("10.00")})  # and so is the next hour
    assert paid_payment.refunds.list().count == 3


def test_a_canceled_refund_is_no_duplicate(paid_payment: Payment) -> None:
    refund = paid_payment.refunds.create({"amount": eur("10.00")})
    paid_payment.refunds.delete(refund.id)

    assert paid_payment.refunds.create({"amount": eur("10.00")}).status == "pending"


@pytest.mark.parametrize("status", ["open", "failed", "canceled", "expired"])
def test_only_paid_payments_can_be_refunded(
    create_payment: CreatePayment, mollie_sandbox: MollieSandbox, status: str
) -> None:
    payment = create_payment(method="banktransfer")
    if status != "open":
        mollie_sandbox.set_status(payment.id, status)

    with pytest.raises(UnprocessableEntityError, match="cannot be refunded"):
        payment.refunds.create({"amount": eur("1.00")})


@pytest.mark.parametrize(
    ("amount", "field"),
    [
        ({"currency": "USD", "value": "1.00"}, "amount.currency"),
        ({"currency": "EUR", "value": "1"}, "amount.value"),
        ({"currency": "EUR", "value": 1.0}, "amount.value"),
        ({"currency": "EUR", "value": "0.00"}, "amount"),
        (None, "amount"),
    ],
)
def test_refund_amounts_are_validated(
    paid_payment: Payment, amount: dict[str, Any] | None, field: str
) -> None:
    with pytest.raises(UnprocessableEntityError) as raised:
        paid_payment.refunds.create({"amount": amount} if amount else {})

    assert raised.value.field == field


def test_refund_descriptions_are_cut_at_140(paid_payment: Payment) -> None:
    refund = paid_payment.refunds.create({"amount": eur("1.00"), "description": "y" * 200})
    assert refund.description == "y" * 140


def test_pending_refunds_can_be_canceled_with_204(mollie: Client, paid_payment: Payment) -> None:
    refund = paid_payment.refunds.create({"amount": eur("40.00")})

    assert paid_payment.refunds.delete(refund.id) == {}

    assert paid_payment.refunds.get(refund.id).status == "canceled"
    payment = mollie.payments.get(paid_payment.id)
    assert payment.amount_refunded == eur("0.00")
    assert payment.amount_remaining == eur("125.00")


@pytest.mark.parametrize("progress", [["processing"], ["processing", "refunded"], ["failed"]])
def test_refunds_under_way_cannot_be_canceled(
    mollie_sandbox: MollieSandbox, paid_payment: Payment, progress: list[str]
) -> None:
    refund = paid_payment.refunds.create({"amount": eur("40.00")})
    for status in progress:
        mollie_sandbox.progress_refund(refund.id, status)

    with pytest.raises(UnprocessableEntityError, match="cannot be canceled"):
        paid_payment.refunds.delete(refund.id)


def test_refunds_progress_to_refunded_or_failed(
    mollie: Client, mollie_sandbox: MollieSandbox, paid_payment: Payment
) -> None:
    done = paid_payment.refunds.create({"amount": eur("30.00")})
    lost = paid_payment.refunds.create({"amount": eur("20.00")})

    assert mollie_sandbox.progress_refund(done.id, "processing")["status"] == "processing"
    assert mollie_sandbox.progress_refund(done.id, "refunded")["status"] == "refunded"
    mollie_sandbox.progress_refund(lost.id, "processing")
    mollie_sandbox.progress_refund(lost.id, "failed")

    assert paid_payment.refunds.get(done.id).status == "refunded"
    assert paid_payment.refunds.get(lost.id).status == "failed"
    payment = mollie.payments.get(paid_payment.id)
    assert payment.amount_refunded == eur("30.00")  # the failed refund's money came back
    assert payment.amount_remaining == eur("95.00")


@pytest.mark.parametrize(
    ("steps", "bad"),
    [([], "queued"), (["processing"], "pending"), (["processing", "refunded"], "failed")],
)
def test_refunds_move_forward_only(
    mollie_sandbox: MollieSandbox, paid_payment: Payment, steps: list[str], bad: str
) -> None:
    refund = paid_payment.refunds.create({"amount": eur("5.00")})
    for status in steps:
        mollie_sandbox.progress_refund(refund.id, status)

    with pytest.raises(SandboxControlError, match="409"):
        mollie_sandbox.progress_refund(refund.id, bad)
    assert paid_payment.refunds.get(refund.id).status == (steps or ["pending"])[-1]


def test_unknown_refund_statuses_are_422(
    mollie_sandbox: MollieSandbox, paid_payment: Payment
) -> None:
    refund = paid_payment.refunds.create({"amount": eur("5.00")})

    with pytest.raises(SandboxControlError, match="422"):
        mollie_sandbox.progress_refund(refund.id, "done")


# Chargebacks ----------------------------------------------------------------------------


def test_a_chargeback_shows_on_the_payment(
    mollie: Client, mollie_sandbox: MollieSandbox, paid_payment: Payment
) -> None:
    assert "amountChargedBack" not in mollie.payments.get(paid_payment.id)

    created = mollie_sandbox.chargeback(paid_payment.id, "25.00")

    payment = mollie.payments.get(paid_payment.id)
    assert payment.amount_chargedback == eur("25.00")
    assert payment.has_chargebacks()
    assert payment["_links"]["chargebacks"]["href"] == (
        f"{mollie_sandbox.url}/v2/payments/{payment.id}/chargebacks"
    )
    assert payment.amount_remaining == eur("100.00")
    assert payment.status == "paid" and payment.is_paid()
    assert re.fullmatch(r"chb_[A-Za-z0-9]{10,22}", created["id"])


def test_chargebacks_can_be_fetched_and_listed(
    mollie: Client, mollie_sandbox: MollieSandbox, paid_payment: Payment
) -> None:
    created = mollie_sandbox.chargeback(paid_payment.id)

    chargeback = paid_payment.chargebacks.get(created["id"])
    assert chargeback["resource"] == "chargeback"
    assert chargeback.amount == eur("125.00")
    assert chargeback.settlement_amount == eur("-125.00")
    assert chargeback.reason == {"code": "AC01", "description": "Account identifier incorrect"}
    assert chargeback.reversed_at is None
    assert chargeback.payment_id == paid_payment.id
    assert chargeback["_links"]["payment"]["href"].endswith(f"/v2/payments/{paid_payment.id}")
    assert [c.id for c in paid_payment.chargebacks.list()] == [created["id"]]
    assert [c.id for c in mollie.chargebacks.list()] == [created["id"]]
    with pytest.raises(NotFoundError, match="No chargeback exists with token chb_none"):
        paid_payment.chargebacks.get("chb_none")


def test_a_reversed_chargeback_gives_the_money_back(
    mollie: Client, mollie_sandbox: MollieSandbox, paid_payment: Payment
) -> None:
    created = mollie_sandbox.chargeback(paid_payment.id, "25.00")

    reversed_ = mollie_sandbox.reverse_chargeback(created["id"])

    assert reversed_["reversedAt"] is not None
    assert paid_payment.chargebacks.get(created["id"]).reversed_at == reversed_["reversedAt"]
    payment = mollie.payments.get(paid_payment.id)
    assert "amountChargedBack" not in payment  # nothing kept by the bank any more
    assert payment.amount_remaining == eur("125.00")
    with pytest.raises(SandboxControlError, match="409"):
        mollie_sandbox.reverse_chargeback(created["id"])
    with pytest.raises(SandboxControlError, match="404"):
        mollie_sandbox.reverse_chargeback("chb_none")


def test_nothing_charged_back_cannot_be_refunded(
    mollie_sandbox: MollieSandbox, paid_payment: Payment
) -> None:
    mollie_sandbox.chargeback(paid_payment.id)

    with pytest.raises(UnprocessableEntityError):
        paid_payment.refunds.create({"amount": eur("0.01")})


@pytest.mark.parametrize("value", ["125.01", "0.00"])
def test_chargebacks_are_at_most_what_is_left(
    mollie_sandbox: MollieSandbox, paid_payment: Payment, value: str
) -> None:
    with pytest.raises(SandboxControlError, match="422"):
        mollie_sandbox.chargeback(paid_payment.id, value)


def test_only_paid_payments_are_charged_back(mollie: Client, mollie_sandbox: MollieSandbox) -> None:
    payment = mollie.payments.create(payment_data())

    with pytest.raises(SandboxControlError, match="409"):
        mollie_sandbox.chargeback(payment.id)
