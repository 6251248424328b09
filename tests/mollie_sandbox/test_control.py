"""The ``/_sim`` control endpoints: status changes, the clock, and the entry point."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from mollie.api.client import Client
from mollie.api.error import UnauthorizedError

from tests.mollie_sandbox.conftest import CreatePayment, client_for, payment_data
from website import PROJECT_ROOT
from website.clock import utcnow
from website.config import settings_from_env
from website.mollie_sandbox.__main__ import parse_args
from website.mollie_sandbox.app import create_sandbox_app
from website.mollie_sandbox.keys import DEVELOPMENT_KEY
from website.mollie_sandbox.store import Clock
from website.mollie_sandbox.testing import TEST_API_KEY, MollieSandbox, SandboxControlError

ALLOWED = [
    ("open", "pending"),
    ("open", "authorized"),
    ("open", "paid"),
    ("open", "canceled"),
    ("open", "expired"),
    ("open", "failed"),
    ("pending", "paid"),
    ("pending", "authorized"),
    ("pending", "failed"),
    ("authorized", "paid"),
    ("authorized", "canceled"),
    ("authorized", "expired"),
]
FORBIDDEN = [
    ("pending", "open"),
    ("pending", "canceled"),
    ("authorized", "failed"),
    ("paid", "failed"),
    ("paid", "canceled"),
    ("paid", "expired"),
    ("failed", "paid"),
    ("canceled", "paid"),
    ("expired", "paid"),
    ("open", "open"),
]


@pytest.mark.parametrize(("start", "status"), ALLOWED)
def test_allowed_transitions(
    mollie: Client,
    mollie_sandbox: MollieSandbox,
    create_payment: CreatePayment,
    start: str,
    status: str,
) -> None:
    payment = create_payment(method="creditcard")
    if start != "open":
        mollie_sandbox.set_status(payment.id, start)

    assert mollie_sandbox.set_status(payment.id, status)["status"] == status
    assert mollie.payments.get(payment.id).status == status


@pytest.mark.parametrize(("start", "status"), FORBIDDEN)
def test_impossible_transitions_are_409(
    mollie: Client,
    mollie_sandbox: MollieSandbox,
    create_payment: CreatePayment,
    start: str,
    status: str,
) -> None:
    payment = create_payment(method="creditcard")
    if start != "open":
        mollie_sandbox.set_status(payment.id, start)

    with pytest.raises(SandboxControlError, match=f"409.*from status {start} to {status}"):
        mollie_sandbox.set_status(payment.id, status)
    assert mollie.payments.get(payment.id).status == start


def test_unknown_statuses_and_payments(
    mollie_sandbox: MollieSandbox, create_payment: CreatePayment
) -> None:
    payment = create_payment()

    with pytest.raises(SandboxControlError, match="422"):
        mollie_sandbox.set_status(payment.id, "refunded")  # a v1 status, gone in v2
    with pytest.raises(SandboxControlError, match="404"):
        mollie_sandbox.set_status("tr_missing", "paid")
    with pytest.raises(SandboxControlError, match="422"):
        mollie_sandbox.control("POST", f"payments/{payment.id}/status")


def test_the_clock_moves_only_forward_on_request(mollie_sandbox: MollieSandbox) -> None:
    before = mollie_sandbox.now()
    mollie_sandbox.advance(86400)
    after = mollie_sandbox.now()

    assert after > before
    with pytest.raises(SandboxControlError, match="422"):
        mollie_sandbox.advance(-1)
    with pytest.raises(SandboxControlError, match="422"):
        mollie_sandbox.control("POST", "clock/advance", seconds="3600")
    mollie_sandbox.reset()
    assert mollie_sandbox.now() < after


def test_a_frozen_clock_moves_only_when_advanced() -> None:
    wall = datetime(2026, 12, 31, 23, 59, 30, tzinfo=UTC)
    clock = Clock(wall=lambda: wall)
    clock.freeze()
    frozen = clock.now()
    wall += timedelta(hours=1)
    assert clock.now() == frozen

    clock.advance(59)
    assert clock.now() == frozen + timedelta(seconds=59)

    clock.reset()
    assert clock.now() == wall
    wall += timedelta(seconds=2)
    assert clock.now() == wall, "a clock that is not frozen follows the wall clock"


def test_freezing_over_http(mollie_sandbox: MollieSandbox) -> None:
    frozen = mollie_sandbox.freeze()
    assert mollie_sandbox.now() == frozen
    mollie_sandbox.advance(86400)
    moved = datetime.fromisoformat(mollie_sandbox.now()) - datetime.fromisoformat(frozen)
    assert moved == timedelta(days=1)

    mollie_sandbox.reset()
    running = datetime.fromisoformat(mollie_sandbox.now())
    assert abs(running - utcnow()) < timedelta(minutes=1), "running on real time again"


def test_timestamps_follow_the_sandbox_clock(mollie: Client, mollie_sandbox: MollieSandbox) -> None:
    mollie_sandbox.advance(10 * 86400)
    payment = mollie.payments.create(payment_data())

    assert payment.created_at[:10] == mollie_sandbox.now()[:10]


def test_reset_forgets_every_payment(
    mollie: Client, mollie_sandbox: MollieSandbox, create_payment: CreatePayment
) -> None:
    payment = create_payment()

    mollie_sandbox.reset()

    assert mollie_sandbox.payments() == []
    assert mollie.payments.list().count == 0
    with pytest.raises(SandboxControlError, match="404"):
        mollie_sandbox.payment(payment.id)


def test_the_dashboard_link_shows_the_stored_payment(
    mollie_sandbox: MollieSandbox, create_payment: CreatePayment
) -> None:
    payment = create_payment()

    shown = requests.get(payment["_links"]["dashboard"]["href"], timeout=5).json()

    assert shown["id"] == payment.id and shown["status"] == "open"


def test_the_app_refuses_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_ENV", "production")

    with pytest.raises(RuntimeError, match="production"):
        create_sandbox_app(start_dispatcher=False)


def test_the_command_refuses_production() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "website.mollie_sandbox", "--port", "0"],
        env={**os.environ, "APP_ENV": "production"},
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 2
    assert "APP_ENV=production" in result.stderr


def test_the_command_line_defaults() -> None:
    args = parse_args([])

    assert (args.host, args.port, args.time_scale, args.public_url) == (
        "127.0.0.1",
        5001,
        60.0,
        None,
    )
    assert parse_args(["--public-url", "http://x.test", "--time-scale", "1"]).time_scale == 1.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(f"{url}/_sim/clock", timeout=1)
            return
        except requests.ConnectionError:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the sandbox did not start"
            time.sleep(0.05)


def test_the_command_serves_the_api(tmp_path: Path) -> None:
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key != "APP_ENV"}
    log_path = tmp_path / "sandbox.log"
    command = [sys.executable, "-m", "website.mollie_sandbox", "--port", str(port)]
    command += ["--public-url", "http://pay.sandbox.example"]
    with log_path.open("w") as log:
        # Fixed arguments: this interpreter and this package.
        process = subprocess.Popen(  # noqa: S603
            command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_up(url, process, log_path)
            # Without --api-key the account has the key the site's development defaults use.
            payment = client_for(url, DEVELOPMENT_KEY).payments.create(payment_data())
            with pytest.raises(UnauthorizedError):
                client_for(url, TEST_API_KEY).payments.list()
        finally:
            process.terminate()
            process.wait(timeout=10)

    assert payment.checkout_url.startswith("http://pay.sandbox.example/checkout/")


def test_the_development_key_is_the_sites_default() -> None:
    assert settings_from_env({}, "/tmp")["MOLLIE_API_KEY"] == DEVELOPMENT_KEY  # noqa: S108


def test_a_checkout_can_go_on_as_a_new_payment(
    mollie: Client, mollie_sandbox: MollieSandbox, create_payment: CreatePayment
) -> None:
    original = create_payment(method="banktransfer", webhookUrl="https://shop.example/hook")

    replacement = mollie_sandbox.replace_payment(original.id, method="ideal")

    assert replacement["id"] != original.id and replacement["id"].startswith("tr_")
    again = mollie.payments.get(replacement["id"])
    assert again.amount == original.amount and again.metadata == original.metadata
    assert again.description == original.description and again.method == "ideal"
    assert again["webhookUrl"] == "https://shop.example/hook"
    assert mollie.payments.get(original.id).status == "open"
    with pytest.raises(SandboxControlError, match="422"):
        mollie_sandbox.replace_payment(original.id, method="cash")
    mollie_sandbox.set_status(original.id, "canceled")
    with pytest.raises(SandboxControlError, match="409"):
        mollie_sandbox.replace_payment(original.id)
