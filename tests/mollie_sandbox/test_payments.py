"""Payments through mollie-api-python 4.0.0: fields, lists, updates, cancels, validation."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import requests
from mollie.api.client import Client
from mollie.api.error import (
    BadRequestError,
    NotFoundError,
    RequestSetupError,
    UnauthorizedError,
    UnprocessableEntityError,
)

from tests.mollie_sandbox.conftest import CreatePayment, client_for, payment_data
from website.mollie_sandbox.testing import TEST_LIVE_KEY, MollieSandbox, SandboxControlError

ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00")
PAYMENT_ID = re.compile(r"tr_[A-Za-z0-9]{10,22}")
TIMESTAMPS = ("authorizedAt", "paidAt", "canceledAt", "expiredAt", "failedAt")


def at(value: str) -> datetime:
    assert ISO.fullmatch(value), value
    return datetime.fromisoformat(value)


def test_a_new_payment_has_mollies_fields(
    mollie: Client, mollie_sandbox: MollieSandbox, create_payment: CreatePayment
) -> None:
    payment = create_payment(
        method="ideal",
        metadata={"invoice": 42, "installment": "deposit"},
        webhookUrl="http://127.0.0.1:9/webhooks/mollie/s3cret",
        cancelUrl="https://studio.example/i/tok3n/cancel",
        locale="nl_NL",
    )

    assert payment["resource"] == "payment"
    assert PAYMENT_ID.fullmatch(payment.id)
    assert payment.mode == "test"
    assert payment.amount == {"currency": "EUR", "value": "125.00"}
    assert payment.description == "Invoice 2025-0042, deposit"
    assert payment.method == "ideal"
    assert payment.metadata == {"invoice": 42, "installment": "deposit"}
    assert payment.status == "open" and payment.is_open()
    assert payment.is_cancelable is False
    assert at(payment.expires_at) - at(payment.created_at) == timedelta(minutes=15)
    assert not any(name in payment for name in TIMESTAMPS)
    assert not payment.is_paid()
    assert "amountRefunded" not in payment and "amountRemaining" not in payment
    assert not payment.can_be_refunded()
    assert payment.profile_id.startswith("pfl_")
    assert payment.sequence_type == "oneoff"
    assert payment.redirect_url == "https://studio.example/i/tok3n/return?x=1"
    assert payment.cancel_url == "https://studio.example/i/tok3n/cancel"
    assert payment.webhook_url == "http://127.0.0.1:9/webhooks/mollie/s3cret"
    assert payment.locale == "nl_NL"
    links = payment["_links"]
    assert links["self"] == {
        "href": f"{mollie_sandbox.url}/v2/payments/{payment.id}",
        "type": "application/hal+json",
    }
    assert links["checkout"]["type"] == "text/html"
    assert payment.checkout_url.startswith(f"{mollie_sandbox.url}/checkout/")
    assert links["dashboard"]["type"] == links["documentation"]["type"] == "text/html"
    assert links["documentation"]["href"].startswith("https://docs.mollie.com/")
    assert set(links) == {"self", "checkout", "dashboard", "documentation"}
    assert not payment.has_refunds() and not payment.has_chargebacks()


def test_optional_fields_are_null_or_left_out(create_payment: CreatePayment) -> None:
    payment = create_payment()

    assert payment["metadata"] is None
    assert payment["method"] is None
    for absent in ("webhookUrl", "cancelUrl", "locale", "details", "amountChargedBack"):
        assert absent not in payment


def test_get_returns_the_stored_payment(mollie: Client, create_payment: CreatePayment) -> None:
    created = create_payment(metadata="plain string")

    fetched = mollie.payments.get(created.id)

    assert dict(fetched) == dict(created)


@pytest.mark.parametrize(
    ("method", "lifetime"),
    [
        ("ideal", timedelta(minutes=15)),
        ("creditcard", timedelta(minutes=30)),
        ("bancontact", timedelta(hours=1)),
        ("paypal", timedelta(hours=72)),
        (None, timedelta(minutes=15)),
        (["ideal", "creditcard"], timedelta(minutes=15)),
    ],
)
def test_expiry_depends_on_the_method(
    create_payment: CreatePayment, method: Any, lifetime: timedelta
) -> None:
    payment = create_payment(method=method)

    assert at(payment.expires_at) - at(payment.created_at) == lifetime


def test_a_list_of_methods_leaves_the_choice_to_the_customer(
    create_payment: CreatePayment,
) -> None:
    assert create_payment(method=["ideal", "banktransfer"]).method is None
    assert create_payment(method=["creditcard"]).method == "creditcard"


def is_valid_creditor_reference(reference: str) -> bool:
    """ISO 11649: move "RFkk" to the end, letters to numbers, mod 97 must be 1."""
    compact = reference.replace("-", "")
    rearranged = compact[4:] + compact[:4]
    digits = "".join(str(int(char, 36)) for char in rearranged)
    return int(digits) % 97 == 1


def test_bank_transfer_gives_account_and_reference_at_once(
    create_payment: CreatePayment, mollie_sandbox: MollieSandbox
) -> None:
    payment = create_payment(method="banktransfer")

    details = payment.details
    assert set(details) == {"bankName", "bankAccount", "bankBic", "transferReference"}
    assert re.fullmatch(r"NL\d\d[A-Z]{4}\d{10}", details["bankAccount"])
    assert re.fullmatch(r"[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?", details["bankBic"])
    assert is_valid_creditor_reference(details["transferReference"])
    assert payment.is_cancelable is True
    expected = at(payment.created_at) + timedelta(days=12)
    if expected.weekday() >= 5:
        expected += timedelta(days=2)
    assert at(payment.expires_at) == expected
    assert {"status", "payOnline", "checkout"} <= set(payment["_links"])
    status_page = requests.get(payment["_links"]["status"]["href"], timeout=5)
    assert status_page.status_code == 200
    assert details["transferReference"] in status_page.text
    assert "<form" not in status_page.text  # the details, not the choice of outcome
    card = create_payment(method="creditcard")
    token = card.id.removeprefix("tr_")
    assert (
        requests.get(f"{mollie_sandbox.url}/checkout/bank-transfer/{token}", timeout=5).status_code
        == 404
    )
    # Two payments, two references.
    other = create_payment(method="banktransfer")
    assert other.details["transferReference"] != details["transferReference"]


def test_a_due_date_sets_the_bank_transfer_expiry(
    mollie: Client, create_payment: CreatePayment, mollie_sandbox: MollieSandbox
) -> None:
    today = at(mollie_sandbox.now()).date()
    due = today + timedelta(days=20)
    payment = create_payment(method="banktransfer", dueDate=due.isoformat())
    assert at(payment.expires_at) == datetime.combine(
        due + timedelta(days=1), datetime.min.time(), tzinfo=UTC
    )

    later = today + timedelta(days=40)
    updated = mollie.payments.update(payment.id, {"dueDate": later.isoformat()})

    assert at(updated.expires_at).date() == later + timedelta(days=1)
    assert mollie.payments.get(payment.id).expires_at == updated.expires_at


@pytest.mark.parametrize("days", [0, -1, 101])
def test_a_due_date_must_lie_between_tomorrow_and_100_days(
    create_payment: CreatePayment, mollie_sandbox: MollieSandbox, days: int
) -> None:
    due = at(mollie_sandbox.now()).date() + timedelta(days=days)
    with pytest.raises(UnprocessableEntityError) as raised:
        create_payment(method="banktransfer", dueDate=due.isoformat())
    assert raised.value.field == "dueDate"


@pytest.mark.parametrize("due", ["2025-13-01", "01-01-2030", "tomorrow", 20300101])
def test_a_due_date_must_be_a_date(create_payment: CreatePayment, due: Any) -> None:
    with pytest.raises(UnprocessableEntityError) as raised:
        create_payment(method="banktransfer", dueDate=due)
    assert raised.value.field == "dueDate"


def test_a_due_date_is_only_for_bank_transfers(
    mollie: Client, create_payment: CreatePayment
) -> None:
    payment = create_payment(method="ideal")
    tomorrow = (date.today() + timedelta(days=2)).isoformat()

    with pytest.raises(UnprocessableEntityError) as raised:
        mollie.payments.update(payment.id, {"dueDate": tomorrow})

    assert raised.value.field == "dueDate"


def test_unknown_payments_are_404_with_mollies_wording(mollie: Client) -> None:
    with pytest.raises(NotFoundError) as raised:
        mollie.payments.get("tr_doesNotExist1")

    assert raised.value.status == 404
    assert str(raised.value) == "No payment exists with token tr_doesNotExist1."


def test_test_and_live_keys_see_only_their_own_payments(
    mollie: Client, mollie_sandbox: MollieSandbox, create_payment: CreatePayment
) -> None:
    test_payment = create_payment()
    live = client_for(mollie_sandbox.url, TEST_LIVE_KEY)
    live_payment = live.payments.create(payment_data())

    assert live_payment.mode == "live"
    with pytest.raises(NotFoundError):
        live.payments.get(test_payment.id)
    with pytest.raises(NotFoundError):
        mollie.payments.get(live_payment.id)
    assert [p.id for p in live.payments.list()] == [live_payment.id]
    assert [p.id for p in mollie.payments.list()] == [test_payment.id]


def test_lists_page_through_cursors_newest_first(
    mollie: Client, create_payment: CreatePayment, mollie_sandbox: MollieSandbox
) -> None:
    ids = [create_payment(description=f"Payment {n}").id for n in range(5)]
    newest_first = list(reversed(ids))

    first = mollie.payments.list(limit=2)
    assert first.count == 2
    assert [p.id for p in first] == newest_first[:2]
    assert "payments" in first["_embedded"]
    assert first["_links"]["previous"] is None
    assert first["_links"]["self"]["href"].startswith(f"{mollie_sandbox.url}/v2/payments?")
    assert first.has_next()

    second = first.get_next()
    assert [p.id for p in second] == newest_first[2:4]
    assert second.has_previous()
    third = second.get_next()
    assert [p.id for p in third] == newest_first[4:]
    assert third.count == 1
    assert not third.has_next() and third["_links"]["next"] is None

    back = third.get_previous()
    assert [p.id for p in back] == newest_first[2:4]
    assert [p.id for p in mollie.payments.list(**{"from": ids[2], "limit": 10})] == [
        ids[2],
        ids[1],
        ids[0],
    ]


def test_an_empty_list_has_count_zero(mollie: Client) -> None:
    payments = mollie.payments.list()

    assert payments.count == 0
    assert list(payments) == []
    assert not payments.has_next() and not payments.has_previous()


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 251}, {"from": "tr_unknown123"}])
def test_bad_list_parameters_are_400(mollie: Client, params: dict[str, Any]) -> None:
    with pytest.raises(BadRequestError):
        mollie.payments.list(**params)


def test_update_changes_the_allowed_fields(mollie: Client, create_payment: CreatePayment) -> None:
    payment = create_payment(webhookUrl="https://studio.example/webhooks/mollie/a")

    updated = mollie.payments.update(
        payment.id,
        {
            "description": "Invoice 2025-0042, deposit (corrected)",
            "redirectUrl": "https://studio.example/i/other/return",
            "webhookUrl": "https://studio.example/webhooks/mollie/b",
            "metadata": {"invoice": 43},
        },
    )

    assert updated.description == "Invoice 2025-0042, deposit (corrected)"
    assert updated.redirect_url == "https://studio.example/i/other/return"
    assert updated.webhook_url == "https://studio.example/webhooks/mollie/b"
    assert updated.metadata == {"invoice": 43}
    assert dict(mollie.payments.get(payment.id)) == dict(updated)
    assert updated.amount == payment.amount


def test_update_validates_like_create(mollie: Client, create_payment: CreatePayment) -> None:
    payment = create_payment()

    with pytest.raises(UnprocessableEntityError) as raised:
        mollie.payments.update(payment.id, {"redirectUrl": "not a url"})

    assert raised.value.field == "redirectUrl"


def test_a_final_payment_cannot_be_updated(
    mollie: Client, mollie_sandbox: MollieSandbox, create_payment: CreatePayment
) -> None:
    payment = create_payment()
    mollie_sandbox.set_status(payment.id, "paid")

    with pytest.raises(UnprocessableEntityError, match="no longer be updated"):
        mollie.payments.update(payment.id, {"description": "Too late"})


def test_cancel_answers_200_with_the_canceled_payment(
    mollie: Client, create_payment: CreatePayment
) -> None:
    payment = create_payment(method="banktransfer")

    canceled = mollie.payments.delete(payment.id)

    assert canceled.id == payment.id
    assert canceled.is_canceled()
    assert at(canceled.canceled_at) >= at(payment.created_at)
    assert "isCancelable" not in canceled  # final: Mollie leaves it out
    assert "expiresAt" not in canceled and "checkout" not in canceled["_links"]
    assert mollie.payments.get(payment.id).status == "canceled"


@pytest.mark.parametrize("method", ["ideal", "creditcard", None])
def test_only_cancelable_payments_can_be_canceled(
    mollie: Client, create_payment: CreatePayment, method: str | None
) -> None:
    payment = create_payment(method=method)
    assert payment.is_cancelable is False

    with pytest.raises(UnprocessableEntityError, match="cannot be canceled"):
        mollie.payments.delete(payment.id)

    assert mollie.payments.get(payment.id).is_open()


def test_a_canceled_payment_cannot_be_canceled_again(
    mollie: Client, create_payment: CreatePayment
) -> None:
    payment = create_payment(method="banktransfer")
    mollie.payments.delete(payment.id)

    with pytest.raises(UnprocessableEntityError):
        mollie.payments.delete(payment.id)


def test_an_authorized_payment_can_be_canceled(
    mollie: Client, create_payment: CreatePayment, mollie_sandbox: MollieSandbox
) -> None:
    payment = create_payment(method="creditcard")
    mollie_sandbox.set_status(payment.id, "authorized")
    authorized = mollie.payments.get(payment.id)
    assert authorized.is_authorized() and authorized.is_cancelable is True
    assert "authorizedAt" in authorized and "expiresAt" in authorized

    assert mollie.payments.delete(payment.id).is_canceled()


def test_paid_sets_paid_at_and_the_refund_amounts(
    mollie: Client, create_payment: CreatePayment, mollie_sandbox: MollieSandbox
) -> None:
    payment = create_payment(method="ideal")
    mollie_sandbox.set_status(payment.id, "paid")

    paid = mollie.payments.get(payment.id)

    assert paid.status == "paid" and paid.is_paid()
    assert at(paid.paid_at) >= at(paid.created_at)
    assert paid.amount_refunded == {"value": "0.00", "currency": "EUR"}
    assert paid.amount_remaining == {"value": "125.00", "currency": "EUR"}
    assert paid.can_be_refunded()
    assert "expiresAt" not in paid
    links = paid["_links"]
    assert "checkout" not in links
    assert links["changePaymentState"]["type"] == "text/html"
    assert set(paid.details) == {"consumerName", "consumerAccount", "consumerBic"}


def test_paying_a_payment_without_method_picks_one(
    mollie: Client, create_payment: CreatePayment, mollie_sandbox: MollieSandbox
) -> None:
    payment = create_payment(method=["paypal", "ideal"])
    mollie_sandbox.set_status(payment.id, "paid")

    assert mollie.payments.get(payment.id).method == "paypal"


@pytest.mark.parametrize("status", ["failed", "expired", "canceled"])
def test_other_final_statuses_set_their_timestamp_only(
    mollie: Client, create_payment: CreatePayment, mollie_sandbox: MollieSandbox, status: str
) -> None:
    payment = create_payment(method="creditcard")
    mollie_sandbox.set_status(payment.id, status)

    final = mollie.payments.get(payment.id)

    assert final.status == status and not final.is_paid()
    stamp = f"{status}At"
    assert at(final[stamp]) >= at(final.created_at)
    assert [name for name in TIMESTAMPS if name in final] == [stamp]
    assert "amountRemaining" not in final and "checkout" not in final["_links"]
    if status == "failed":
        assert final.details == {"failureReason": "card_declined"}


def test_payments_expire_when_the_clock_passes_expires_at(
    mollie: Client, create_payment: CreatePayment, mollie_sandbox: MollieSandbox
) -> None:
    ideal = create_payment(method="ideal")
    transfer = create_payment(method="banktransfer")

    assert mollie_sandbox.advance(14 * 60) == []
    assert mollie.payments.get(ideal.id).is_open()
    assert mollie_sandbox.advance(60) == [ideal.id]

    expired = mollie.payments.get(ideal.id)
    assert expired.is_expired()
    assert at(expired.expired_at) >= at(ideal.expires_at)
    assert "expiresAt" not in expired and "checkout" not in expired["_links"]
    assert mollie.payments.get(transfer.id).is_open()
    assert mollie_sandbox.advance(14 * 24 * 3600) == [transfer.id]


def test_embed_adds_refunds_and_chargebacks(
    mollie: Client, create_payment: CreatePayment, mollie_sandbox: MollieSandbox
) -> None:
    payment = create_payment(method="ideal")
    mollie_sandbox.set_status(payment.id, "paid")
    refund = payment.refunds.create({"amount": {"currency": "EUR", "value": "5.00"}})
    chargeback = mollie_sandbox.chargeback(payment.id, "20.00")

    embedded = mollie.payments.get(payment.id, embed="refunds,chargebacks")["_embedded"]

    assert [r["id"] for r in embedded["refunds"]] == [refund.id]
    assert [c["id"] for c in embedded["chargebacks"]] == [chargeback["id"]]
    assert "_embedded" not in mollie.payments.get(payment.id)


def test_methods_are_listed_for_an_amount(mollie: Client) -> None:
    every = {method.id for method in mollie.methods.list()}
    large = {m.id for m in mollie.methods.list(amount={"value": "20000.00", "currency": "EUR"})}
    dollars = {m.id for m in mollie.methods.list(amount={"value": "10.00", "currency": "USD"})}

    assert {"ideal", "banktransfer", "creditcard"} <= every
    assert large == {"ideal", "bancontact", "banktransfer"}
    assert dollars == {"creditcard", "paypal"}


# Validation -----------------------------------------------------------------------------


@pytest.mark.parametrize("value", [10, 10.0, "10", "10.0", "10.000", "1e1", "-1.00", "", "1,00"])
def test_amounts_must_be_strings_with_two_decimals(
    create_payment: CreatePayment, value: Any
) -> None:
    with pytest.raises(UnprocessableEntityError) as raised:
        create_payment(amount={"currency": "EUR", "value": value})

    assert raised.value.status == 422
    assert raised.value.field == "amount.value"
    assert str(raised.value) == "The amount contains an invalid value"


@pytest.mark.parametrize(
    ("method", "value", "detail"),
    [
        (None, "0.00", "Amount is lower than the minimum"),
        ("bancontact", "0.01", "Amount is lower than the minimum"),
        ("ideal", "50000.01", "The amount is higher than the maximum"),
        ("creditcard", "10000.01", "The amount is higher than the maximum"),
        (None, "1000000.01", "The amount is higher than the maximum"),
    ],
)
def test_amounts_must_fit_the_methods_limits(
    create_payment: CreatePayment, method: str | None, value: str, detail: str
) -> None:
    with pytest.raises(UnprocessableEntityError) as raised:
        create_payment(method=method, amount={"currency": "EUR", "value": value})

    assert raised.value.field == "amount"
    assert str(raised.value) == detail


def test_limits_are_inclusive(create_payment: CreatePayment) -> None:
    assert create_payment(amount={"currency": "EUR", "value": "0.01"}).amount["value"] == "0.01"
    assert create_payment(method="ideal", amount={"currency": "EUR", "value": "50000.00"})


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount": None}, "amount"),
        ({"amount": "125.00"}, "amount"),
        ({"amount": {"currency": "XYZ", "value": "1.00"}}, "amount.currency"),
        ({"amount": {"currency": "eur", "value": "1.00"}}, "amount.currency"),
        ({"amount": {"currency": "USD", "value": "1.00"}, "method": "ideal"}, "amount.currency"),
        ({"description": None}, "description"),
        ({"description": "   "}, "description"),
        ({"redirectUrl": None}, "redirectUrl"),
        ({"redirectUrl": "/relative/return"}, "redirectUrl"),
        ({"webhookUrl": "not a url"}, "webhookUrl"),
        ({"cancelUrl": "ftp://studio.example/"}, "cancelUrl"),
        ({"method": "bitcoin"}, "method"),
        ({"method": []}, "method"),
        ({"method": ["ideal", "bitcoin"]}, "method"),
        ({"locale": "xx_XX"}, "locale"),
        ({"metadata": {"notes": "x" * 1100}}, "metadata"),
    ],
)
def test_invalid_fields_are_422_with_the_field(
    mollie: Client, overrides: dict[str, Any], field: str
) -> None:
    data = payment_data(**overrides)  # a None override leaves the field out

    with pytest.raises(UnprocessableEntityError) as raised:
        mollie.payments.create(data)

    assert raised.value.field == field
    assert str(raised.value)


def test_long_descriptions_are_cut_not_refused(create_payment: CreatePayment) -> None:
    assert create_payment(description="x" * 300).description == "x" * 255


def test_a_localhost_webhook_is_fine_in_the_sandbox(create_payment: CreatePayment) -> None:
    payment = create_payment(webhookUrl="http://localhost:5000/webhooks/mollie/x")
    assert payment.webhook_url == "http://localhost:5000/webhooks/mollie/x"


# Protocol -------------------------------------------------------------------------------


def assert_mollie_error(response: requests.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/hal+json"
    body = response.json()
    assert body["status"] == status
    assert body["title"] and body["detail"]
    assert body["_links"]["documentation"]["type"] == "text/html"
    assert body["_links"]["documentation"]["href"].startswith("https://docs.mollie.com/")
    return body


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer test_", "Bearer access_abc123", "Basic test_abc", "test_abc123"],
)
def test_requests_need_a_test_or_live_bearer_key(
    mollie_sandbox: MollieSandbox, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = requests.get(f"{mollie_sandbox.url}/v2/payments", headers=headers, timeout=5)

    body = assert_mollie_error(response, 401)
    assert body["detail"] == "Missing authentication, or failed to authenticate"


def test_a_well_formed_key_the_account_lacks_gets_401(mollie_sandbox: MollieSandbox) -> None:
    stranger = client_for(mollie_sandbox.url, "test_someoneElsesKey1234567890abcdef")
    with pytest.raises(UnauthorizedError) as refused:
        stranger.payments.list()
    assert refused.value.status == 401
    client_for(mollie_sandbox.url, mollie_sandbox.api_key).payments.list()  # ours works


def test_a_revoked_key_gets_401_until_restored(mollie_sandbox: MollieSandbox) -> None:
    mollie = client_for(mollie_sandbox.url, mollie_sandbox.api_key)
    mollie.payments.create(payment_data())
    mollie_sandbox.revoke_key()
    for call in (mollie.payments.list, lambda: mollie.payments.create(payment_data())):
        with pytest.raises(UnauthorizedError):
            call()
    client_for(mollie_sandbox.url, TEST_LIVE_KEY).payments.list()  # other keys still work
    mollie_sandbox.restore_key()
    assert len(mollie.payments.list()) == 1


def test_keys_can_be_added_and_bad_control_requests_are_refused(
    mollie_sandbox: MollieSandbox,
) -> None:
    added = "test_addedForThisTest1234567890abcdef"
    assert mollie_sandbox.control("POST", "keys", key=added, state="active") == {
        "key": added,
        "state": "active",
    }
    client_for(mollie_sandbox.url, added).payments.list()
    with pytest.raises(SandboxControlError, match="422"):
        mollie_sandbox.control("POST", "keys", key="access_abc", state="active")
    with pytest.raises(SandboxControlError, match="422"):
        mollie_sandbox.control("POST", "keys", key=added, state="paused")


def test_the_client_itself_refuses_malformed_keys(mollie_sandbox: MollieSandbox) -> None:
    with pytest.raises(RequestSetupError):
        client_for(mollie_sandbox.url, "sandbox_key")


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "/v2/payments/tr_missing12345", None, 404),
        ("POST", "/v2/payments", b"{not json", 400),
        ("POST", "/v2/payments", b"[1, 2]", 400),
        ("POST", "/v2/payments", b"", 422),
        ("PUT", "/v2/payments", b"{}", 405),
        ("GET", "/v2/subscriptions-of-nothing", None, 404),
    ],
)
def test_every_error_has_mollies_body(
    mollie_sandbox: MollieSandbox, method: str, path: str, body: bytes | None, status: int
) -> None:
    response = requests.request(
        method,
        f"{mollie_sandbox.url}{path}",
        data=body,
        headers={
            "Authorization": f"Bearer {mollie_sandbox.api_key}",
            "Content-Type": "application/json",
        },
        timeout=5,
    )

    assert_mollie_error(response, status)


def test_successful_answers_are_hal_json(mollie_sandbox: MollieSandbox) -> None:
    response = requests.get(
        f"{mollie_sandbox.url}/v2/payments",
        headers={"Authorization": f"Bearer {mollie_sandbox.api_key}"},
        timeout=5,
    )

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/hal+json"
