"""The webhook dispatcher (docs/mollie.md §5): format, retries, schedule and the switches."""

from __future__ import annotations

import itertools
import socket
import time

import pytest
from mollie.api.client import Client
from mollie.api.objects.payment import Payment

from tests.mollie_sandbox.conftest import CreatePayment
from tests.mollie_sandbox.receiver import WebhookReceiver
from website.mollie_sandbox.dispatcher import RETRY_WAITS_MINUTES
from website.mollie_sandbox.testing import MollieSandbox, SandboxControlError

SCHEDULE_MINUTES = [0, 1, 3, 7, 15, 31, 60, 120, 240, 1560]  # "since change", 26 h in all


@pytest.fixture
def hooked(create_payment: CreatePayment, receiver: WebhookReceiver) -> Payment:
    """An open iDEAL payment whose webhook goes to ``receiver``."""
    return create_payment(method="ideal", webhookUrl=receiver.url)


def test_a_webhook_is_a_form_post_of_the_payment_id(
    hooked: Payment, receiver: WebhookReceiver, mollie_sandbox: MollieSandbox
) -> None:
    mollie_sandbox.pay(hooked.id)

    [call] = receiver.wait_for(1)
    assert call.method == "POST"
    assert call.path == "/webhook"
    assert call.content_type == "application/x-www-form-urlencoded"
    assert call.user_agent == "Mollie HTTP client/1.0"
    assert call.form == {"id": hooked.id}
    assert call.body == f"id={hooked.id}".encode()
    [attempt] = mollie_sandbox.wait_for_webhooks(1)
    assert attempt["payment_id"] == hooked.id
    assert attempt["url"] == receiver.url
    assert (attempt["attempt"], attempt["copy"], attempt["status"]) == (1, 0, 200)
    assert attempt["outcome"] == "delivered" and attempt["error"] is None
    assert attempt["schedule_offset_seconds"] == 0
    assert attempt["at"].endswith("+00:00")


@pytest.mark.parametrize("status", ["paid", "failed", "canceled", "expired", "authorized"])
def test_webhook_statuses_call_the_webhook(
    hooked: Payment, receiver: WebhookReceiver, mollie_sandbox: MollieSandbox, status: str
) -> None:
    mollie_sandbox.set_status(hooked.id, status)

    assert [call.form["id"] for call in receiver.wait_for(1)] == [hooked.id]


def test_open_and_pending_call_no_webhook(
    hooked: Payment, receiver: WebhookReceiver, mollie_sandbox: MollieSandbox
) -> None:
    mollie_sandbox.pay(hooked.id, "open")  # back from the checkout without paying
    mollie_sandbox.set_status(hooked.id, "pending")

    assert mollie_sandbox.flush_webhooks() == []
    assert mollie_sandbox.webhook_attempts() == []
    assert receiver.received == []


def test_payments_without_webhook_url_call_nothing(
    create_payment: CreatePayment, mollie_sandbox: MollieSandbox
) -> None:
    payment = create_payment()
    mollie_sandbox.set_status(payment.id, "paid")

    assert mollie_sandbox.flush_webhooks() == []


def test_expiry_calls_the_webhook(
    hooked: Payment, receiver: WebhookReceiver, mollie_sandbox: MollieSandbox
) -> None:
    mollie_sandbox.advance(15 * 60)

    assert [call.form["id"] for call in receiver.wait_for(1)] == [hooked.id]


def test_cancel_through_the_api_calls_the_webhook(
    mollie: Client, create_payment: CreatePayment, receiver: WebhookReceiver
) -> None:
    payment = create_payment(method="banktransfer", webhookUrl=receiver.url)
    mollie.payments.delete(payment.id)

    assert [call.form["id"] for call in receiver.wait_for(1)] == [payment.id]


def test_refund_steps_and_chargebacks_call_the_payments_webhook(
    hooked: Payment, receiver: WebhookReceiver, mollie_sandbox: MollieSandbox
) -> None:
    mollie_sandbox.set_status(hooked.id, "paid")
    receiver.wait_for(1)
    refund = hooked.refunds.create({"amount": {"currency": "EUR", "value": "5.00"}})
    assert mollie_sandbox.flush_webhooks() == []  # a new (pending) refund calls nothing

    mollie_sandbox.progress_refund(refund.id, "processing")
    mollie_sandbox.progress_refund(refund.id, "refunded")
    canceled = hooked.refunds.create({"amount": {"currency": "EUR", "value": "6.00"}})
    hooked.refunds.delete(canceled.id)
    mollie_sandbox.chargeback(hooked.id, "10.00")

    calls = receiver.wait_for(5)
    assert [call.form["id"] for call in calls] == [hooked.id] * 5


def test_failed_calls_are_retried_until_a_200(
    hooked: Payment, receiver: WebhookReceiver, mollie_sandbox: MollieSandbox
) -> None:
    receiver.answers = [503, 500, 404]

    mollie_sandbox.set_status(hooked.id, "paid")

    calls = receiver.wait_for(4)
    assert len(calls) == 4
    attempts = mollie_sandbox.wait_for_webhooks(4)
    assert [(a["attempt"], a["status"], a["outcome"]) for a in attempts] == [
        (1, 503, "failed"),
        (2, 500, "failed"),
        (3, 404, "failed"),
        (4, 200, "delivered"),
    ]
    # 1, 2 and 4 Mollie minutes apart; at 1200x, a minute is 0.05 s.
    gaps = [later.at - earlier.at for earlier, later in itertools.pairwise(calls)]
    assert all(gap > wait for gap, wait in zip(gaps, [0.05, 0.1, 0.2], strict=True)), gaps
    assert mollie_sandbox.flush_webhooks() == []  # nothing left after the 200


def test_ten_attempts_on_mollies_schedule_then_none(
    hooked: Payment, receiver: WebhookReceiver, mollie_sandbox: MollieSandbox
) -> None:
    receiver.status = 503
    mollie_sandbox.configure_webhooks(paused=True)
    mollie_sandbox.set_status(hooked.id, "paid")

    attempts = []
    for _ in range(len(RETRY_WAITS_MINUTES)):
        [attempt] = mollie_sandbox.flush_webhooks()
        attempts.append(attempt)

    assert mollie_sandbox.flush_webhooks() == []
    assert [a["attempt"] for a in attempts] == list(range(1, 11))
    assert [a["schedule_offset_seconds"] for a in attempts] == [m * 60 for m in SCHEDULE_MINUTES]
    assert {a["outcome"] for a in attempts} == {"failed"}
    assert len(receiver.received) == 10


def test_an_answer_after_the_timeout_counts_as_failed(
    hooked: Payment, receiver: WebhookReceiver, mollie_sandbox: MollieSandbox
) -> None:
    mollie_sandbox.configure_webhooks(paused=True, timeout_seconds=0.2)
    receiver.delay = 0.5
    mollie_sandbox.set_status(hooked.id, "paid")

    [late] = mollie_sandbox.flush_webhooks()
    receiver.delay = 0
    mollie_sandbox.configure_webhooks(timeout_seconds=10)  # a busy machine answers in time
    [retry] = mollie_sandbox.flush_webhooks()

    assert (late["status"], late["error"], late["outcome"]) == (None, "timeout", "failed")
    assert (retry["attempt"], retry["status"], retry["outcome"]) == (2, 200, "delivered")


def test_an_unreachable_webhook_is_a_failed_attempt(
    create_payment: CreatePayment, mollie_sandbox: MollieSandbox
) -> None:
    with socket.socket() as probe:  # a port nobody listens on once closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    payment = create_payment(webhookUrl=f"http://127.0.0.1:{port}/webhook")
    mollie_sandbox.configure_webhooks(paused=True)
    mollie_sandbox.set_status(payment.id, "paid")

    [attempt] = mollie_sandbox.flush_webhooks()

    assert attempt["status"] is None and attempt["outcome"] == "failed"
    assert attempt["error"].startswith("ConnectionError")


def test_pause_holds_webhooks_until_released(
    hooked: Payment, receiver: WebhookReceiver, mollie_sandbox: MollieSandbox
) -> None:
    mollie_sandbox.configure_webhooks(paused=True)
    mollie_sandbox.set_status(hooked.id, "paid")

    assert mollie_sandbox.control("GET", "webhooks")["queued"] == 1
    assert receiver.received == []

    mollie_sandbox.configure_webhooks(paused=False)
    assert [call.form["id"] for call in receiver.wait_for(1)] == [hooked.id]


def test_duplicates_send_extra_copies(
    hooked: Payment, receiver: WebhookReceiver, mollie_sandbox: MollieSandbox
) -> None:
    mollie_sandbox.configure_webhooks(duplicates=2)
    mollie_sandbox.set_status(hooked.id, "paid")

    assert [call.form["id"] for call in receiver.wait_for(3)] == [hooked.id] * 3
    attempts = mollie_sandbox.wait_for_webhooks(3)
    assert sorted(a["copy"] for a in attempts) == [0, 1, 2]


def test_a_delay_holds_the_first_attempt(
    hooked: Payment, receiver: WebhookReceiver, mollie_sandbox: MollieSandbox
) -> None:
    mollie_sandbox.configure_webhooks(delay_seconds=1)
    changed = time.monotonic()
    mollie_sandbox.set_status(hooked.id, "paid")
    assert receiver.received == []

    [call] = receiver.wait_for(1)
    assert call.at - changed >= 1
    # The sandbox logs the attempt once the answer is back, a moment after the call arrived.
    [attempt] = mollie_sandbox.wait_for_webhooks(1)
    assert attempt["outcome"] == "delivered"
    assert call.form["id"] == hooked.id


@pytest.mark.parametrize("reorder", [False, True])
def test_reorder_sends_waiting_webhooks_newest_first(
    create_payment: CreatePayment,
    receiver: WebhookReceiver,
    mollie_sandbox: MollieSandbox,
    reorder: bool,
) -> None:
    first = create_payment(webhookUrl=receiver.url)
    second = create_payment(webhookUrl=receiver.url)
    mollie_sandbox.configure_webhooks(paused=True, reorder=reorder)
    mollie_sandbox.set_status(first.id, "paid")
    mollie_sandbox.set_status(second.id, "failed")

    sent = [attempt["payment_id"] for attempt in mollie_sandbox.flush_webhooks()]

    expected = [second.id, first.id] if reorder else [first.id, second.id]
    assert sent == expected
    assert [call.form["id"] for call in receiver.received] == expected


def test_drop_loses_webhooks_for_good(
    hooked: Payment, receiver: WebhookReceiver, mollie_sandbox: MollieSandbox
) -> None:
    mollie_sandbox.configure_webhooks(paused=True, drop=True)
    mollie_sandbox.set_status(hooked.id, "paid")

    [attempt] = mollie_sandbox.flush_webhooks()

    assert (attempt["outcome"], attempt["status"]) == ("dropped", None)
    assert mollie_sandbox.flush_webhooks() == []
    assert receiver.received == []


def test_reset_forgets_queue_log_and_switches(
    hooked: Payment, receiver: WebhookReceiver, mollie_sandbox: MollieSandbox
) -> None:
    mollie_sandbox.set_status(hooked.id, "paid")
    mollie_sandbox.wait_for_webhooks(1)
    mollie_sandbox.configure_webhooks(paused=True, duplicates=3)

    mollie_sandbox.reset()

    state = mollie_sandbox.control("GET", "webhooks")
    assert state["attempts"] == [] and state["queued"] == 0
    assert state["config"]["paused"] is False and state["config"]["duplicates"] == 0


@pytest.mark.parametrize(
    "switches",
    [
        {"paused": "yes"},
        {"duplicates": -1},
        {"time_scale": 0},
        {"timeout_seconds": "15"},
        {"fail_first": 2},
    ],
)
def test_switches_are_checked(mollie_sandbox: MollieSandbox, switches: dict) -> None:
    with pytest.raises(SandboxControlError, match="422"):
        mollie_sandbox.control("POST", "webhooks/config", **switches)
