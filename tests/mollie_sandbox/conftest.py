"""Fixtures for the sandbox's contract tests: a mollie-api-python client and a receiver."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from mollie.api.client import Client
from mollie.api.objects.payment import Payment

from tests.mollie_sandbox.receiver import WebhookReceiver
from website.mollie_sandbox.testing import MollieSandbox

CreatePayment = Callable[..., Payment]


def client_for(url: str, api_key: str, timeout: float = 5) -> Client:
    client = Client(api_endpoint=url, timeout=(2, timeout))
    client.set_api_key(api_key)
    return client


@pytest.fixture
def mollie(mollie_sandbox: MollieSandbox) -> Client:
    """The real client, as the site builds it, pointed at the sandbox."""
    return client_for(mollie_sandbox.url, mollie_sandbox.api_key)


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver().start()
    yield receiver
    receiver.stop()


def payment_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "amount": {"currency": "EUR", "value": "125.00"},
        "description": "Invoice 2025-0042, deposit",
        "redirectUrl": "https://studio.example/i/tok3n/return?x=1",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def create_payment(mollie: Client) -> CreatePayment:
    """``create_payment(method="ideal", ...)``: a payment through the API."""

    def create(**overrides: Any) -> Payment:
        return mollie.payments.create(payment_data(**overrides))

    return create


@pytest.fixture
def paid_payment(create_payment: CreatePayment, mollie_sandbox: MollieSandbox) -> Payment:
    payment = create_payment(method="ideal")
    mollie_sandbox.set_status(payment.id, "paid")
    return payment
