"""Injected API faults: error statuses, slow answers and dropped connections."""

from __future__ import annotations

import time

import pytest
import requests
from mollie.api.client import Client
from mollie.api.error import RequestError, ResponseError

from tests.mollie_sandbox.conftest import CreatePayment, client_for, payment_data
from website.mollie_sandbox.testing import MollieSandbox, SandboxControlError


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429])
def test_a_status_fault_answers_a_mollie_error_once(
    mollie: Client, mollie_sandbox: MollieSandbox, status: int
) -> None:
    mollie_sandbox.inject_fault("status", status=status)

    with pytest.raises(ResponseError) as raised:
        mollie.payments.create(payment_data())
    assert raised.value.status == status
    assert "injected fault" in str(raised.value)
    assert mollie_sandbox.payments() == []

    assert mollie.payments.create(payment_data()).is_open()  # count=1: used up


def test_429_says_when_to_retry(mollie_sandbox: MollieSandbox) -> None:
    mollie_sandbox.inject_fault("status", status=429)

    response = requests.get(
        f"{mollie_sandbox.url}/v2/payments",
        headers={"Authorization": f"Bearer {mollie_sandbox.api_key}"},
        timeout=5,
    )

    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"
    assert response.headers["Content-Type"] == "application/hal+json"
    assert response.json()["title"] == "Too Many Requests"


def test_faults_match_count_method_and_path(
    mollie: Client, mollie_sandbox: MollieSandbox, create_payment: CreatePayment
) -> None:
    payment = create_payment()
    mollie_sandbox.inject_fault("status", status=502, count=2, method="GET", path_prefix="/v2/pay")

    assert create_payment().is_open()  # a POST: not matched
    assert mollie.refunds.list().count == 0  # another path: not matched
    for _ in range(2):
        with pytest.raises(ResponseError):
            mollie.payments.get(payment.id)
    assert mollie.payments.get(payment.id).id == payment.id
    assert mollie_sandbox.faults()["pending"] == []


def test_a_slow_answer_times_the_client_out_but_the_request_goes_through(
    mollie_sandbox: MollieSandbox,
) -> None:
    mollie_sandbox.inject_fault("slow", seconds=0.6, method="POST")
    impatient = client_for(mollie_sandbox.url, mollie_sandbox.api_key, timeout=0.2)

    with pytest.raises(RequestError, match="Unable to communicate with Mollie"):
        impatient.payments.create(payment_data())

    deadline = time.monotonic() + 5
    while not mollie_sandbox.payments() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(mollie_sandbox.payments()) == 1  # "never auto-retry after a timeout"


def test_a_dropped_connection_gets_no_answer_and_changes_nothing(
    mollie: Client, mollie_sandbox: MollieSandbox
) -> None:
    mollie_sandbox.inject_fault("drop", method="POST")

    with pytest.raises(RequestError, match="Unable to communicate with Mollie"):
        mollie.payments.create(payment_data())

    assert mollie_sandbox.payments() == []
    assert mollie.payments.create(payment_data()).is_open()


def test_the_checkout_can_fail_too(
    create_payment: CreatePayment, mollie_sandbox: MollieSandbox
) -> None:
    payment = create_payment()
    mollie_sandbox.inject_fault("status", status=500, path_prefix="/checkout/")

    assert requests.get(payment.checkout_url, timeout=5).status_code == 500
    assert requests.get(payment.checkout_url, timeout=5).status_code == 200


def test_control_endpoints_are_never_faulted(mollie_sandbox: MollieSandbox) -> None:
    mollie_sandbox.inject_fault("status", status=500, path_prefix="/_sim/")

    assert mollie_sandbox.payments() == []
    assert len(mollie_sandbox.faults()["pending"]) == 1


def test_reset_and_clear_forget_faults(mollie: Client, mollie_sandbox: MollieSandbox) -> None:
    mollie_sandbox.inject_fault("status", count=5)
    mollie_sandbox.clear_faults()
    mollie_sandbox.inject_fault("drop", count=5)
    mollie_sandbox.reset()

    assert mollie_sandbox.faults() == {"pending": [], "holding": 0}
    assert mollie.payments.list().count == 0


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "explode"},
        {"kind": "status", "status": 200},
        {"kind": "status", "count": 0},
        {"kind": "slow", "seconds": -1},
        {"kind": "slow", "seconds": "long"},
    ],
)
def test_faults_are_checked(mollie_sandbox: MollieSandbox, fault: dict) -> None:
    with pytest.raises(SandboxControlError, match="422"):
        mollie_sandbox.control("POST", "faults", **fault)
