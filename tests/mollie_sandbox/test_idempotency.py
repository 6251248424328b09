"""Idempotency-Key (docs/mollie.md §7): replays within an hour, 400 on reuse, 409 in flight."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import pytest
import requests
from mollie.api.client import Client
from mollie.api.error import BadRequestError, ConflictError, ResponseError
from mollie.api.objects.payment import Payment

from tests.mollie_sandbox.conftest import client_for, payment_data
from website.mollie_sandbox.testing import MollieSandbox


def post(sandbox: MollieSandbox, path: str, body: dict[str, Any], key: str) -> requests.Response:
    return requests.post(
        f"{sandbox.url}/v2/{path}",
        json=body,
        headers={"Authorization": f"Bearer {sandbox.api_key}", "Idempotency-Key": key},
        timeout=5,
    )


def test_the_same_request_again_gets_the_first_answer(
    mollie: Client, mollie_sandbox: MollieSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    first = mollie.payments.create(payment_data(), idempotency_key="inv-42-deposit-1")
    with caplog.at_level(logging.WARNING):
        again = mollie.payments.create(payment_data(), idempotency_key="inv-42-deposit-1")

    assert again.id == first.id
    assert dict(again) == dict(first)
    assert len(mollie_sandbox.payments()) == 1
    assert "Idempotent-Replayed" in caplog.text  # the client only logs a warning


def test_a_replay_carries_the_replayed_header(mollie_sandbox: MollieSandbox) -> None:
    first = post(mollie_sandbox, "payments", payment_data(), "key-1")
    again = post(mollie_sandbox, "payments", payment_data(), "key-1")

    assert first.status_code == again.status_code == 201
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Content-Type"] == "application/hal+json"
    assert again.json() == first.json()


def test_key_order_and_spacing_do_not_make_another_request(
    mollie_sandbox: MollieSandbox,
) -> None:
    first = post(mollie_sandbox, "payments", payment_data(), "key-1")
    reordered = dict(reversed(list(payment_data().items())))
    again = post(mollie_sandbox, "payments", reordered, "key-1")

    assert again.json()["id"] == first.json()["id"]


def test_other_keys_make_other_payments(mollie: Client, mollie_sandbox: MollieSandbox) -> None:
    first = mollie.payments.create(payment_data(), idempotency_key="inv-42-deposit-1")
    second = mollie.payments.create(payment_data(), idempotency_key="inv-42-deposit-2")
    third = mollie.payments.create(payment_data())  # the client's own random key

    assert len({first.id, second.id, third.id}) == 3


def test_keys_belong_to_one_api_key(mollie: Client, mollie_sandbox: MollieSandbox) -> None:
    other_key = "test_anotherKey1234567890"
    mollie_sandbox.control("POST", "keys", key=other_key, state="active")
    other = client_for(mollie_sandbox.url, other_key)

    first = mollie.payments.create(payment_data(), idempotency_key="shared")
    second = other.payments.create(payment_data(), idempotency_key="shared")

    assert first.id != second.id


def test_the_same_key_with_another_body_is_400(mollie: Client) -> None:
    mollie.payments.create(payment_data(), idempotency_key="inv-42-deposit-1")

    with pytest.raises(BadRequestError) as raised:
        mollie.payments.create(
            payment_data(amount={"currency": "EUR", "value": "99.00"}),
            idempotency_key="inv-42-deposit-1",
        )

    assert raised.value.status == 400
    assert raised.value.idempotency_key == "inv-42-deposit-1"


def test_the_same_key_on_another_endpoint_is_400(
    mollie: Client, mollie_sandbox: MollieSandbox, paid_payment: Payment
) -> None:
    refund = {"amount": {"currency": "EUR", "value": "1.00"}}
    paid_payment.refunds.create(refund, idempotency_key="refund-1")

    with pytest.raises(BadRequestError):
        mollie.payments.create(refund, idempotency_key="refund-1")


def test_a_refund_retried_with_its_key_is_refunded_once(
    mollie: Client, paid_payment: Payment
) -> None:
    refund = {"amount": {"currency": "EUR", "value": "10.00"}}
    first = paid_payment.refunds.create(refund, idempotency_key="inv-42-refund-1")
    again = paid_payment.refunds.create(refund, idempotency_key="inv-42-refund-1")

    assert again.id == first.id  # no 409 "duplicate refund": it is the same request
    assert mollie.payments.get(paid_payment.id).amount_refunded["value"] == "10.00"


def test_a_key_is_kept_for_an_hour(mollie: Client, mollie_sandbox: MollieSandbox) -> None:
    mollie_sandbox.freeze()  # no wall-clock second may slip in between
    first = mollie.payments.create(payment_data(), idempotency_key="inv-42-deposit-1")
    mollie_sandbox.advance(3599)
    assert mollie.payments.create(payment_data(), idempotency_key="inv-42-deposit-1").id == (
        first.id
    )

    mollie_sandbox.advance(1)
    later = mollie.payments.create(payment_data(), idempotency_key="inv-42-deposit-1")

    assert later.id != first.id


def test_a_key_in_use_is_409_until_the_first_request_is_answered(
    mollie_sandbox: MollieSandbox,
) -> None:
    mollie_sandbox.inject_fault("slow", seconds=10, method="POST", path_prefix="/v2/payments")
    slow_client = client_for(mollie_sandbox.url, mollie_sandbox.api_key, timeout=15)
    first: list[Payment] = []
    thread = threading.Thread(
        target=lambda: first.append(
            slow_client.payments.create(payment_data(), idempotency_key="inv-42-deposit-1")
        )
    )
    thread.start()
    try:
        deadline = time.monotonic() + 5
        while mollie_sandbox.faults()["holding"] == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        other = client_for(mollie_sandbox.url, mollie_sandbox.api_key)

        with pytest.raises(ConflictError) as raised:
            other.payments.create(payment_data(), idempotency_key="inv-42-deposit-1")
        assert str(raised.value) == (
            "Another request with this Idempotency-Key is already being processed."
        )
    finally:
        mollie_sandbox.clear_faults()  # lets the first request go on at once
        thread.join()

    again = other.payments.create(payment_data(), idempotency_key="inv-42-deposit-1")
    assert [again.id] == [p.id for p in first]


def test_server_errors_are_not_replayed(mollie: Client, mollie_sandbox: MollieSandbox) -> None:
    mollie_sandbox.inject_fault("status", status=503)

    with pytest.raises(ResponseError) as raised:
        mollie.payments.create(payment_data(), idempotency_key="inv-42-deposit-1")
    assert raised.value.status == 503

    retried = mollie.payments.create(payment_data(), idempotency_key="inv-42-deposit-1")
    assert retried.is_open()
    assert [p["id"] for p in mollie_sandbox.payments()] == [retried.id]


def test_validation_errors_are_replayed_too(mollie_sandbox: MollieSandbox) -> None:
    bad = payment_data(amount={"currency": "EUR", "value": "10"})

    first = post(mollie_sandbox, "payments", bad, "key-1")
    again = post(mollie_sandbox, "payments", bad, "key-1")

    assert first.status_code == again.status_code == 422
    assert again.headers["Idempotent-Replayed"] == "true"


def test_keys_on_patch_and_delete_are_ignored(
    mollie: Client, mollie_sandbox: MollieSandbox
) -> None:
    payment = mollie.payments.create(payment_data(method="banktransfer"))

    mollie.payments.update(payment.id, {"description": "One"}, idempotency_key="same")
    mollie.payments.update(payment.id, {"description": "Two"}, idempotency_key="same")
    canceled = mollie.payments.delete(payment.id, idempotency_key="same")

    assert canceled.description == "Two" and canceled.is_canceled()
