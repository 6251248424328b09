"""Fixtures shared by the whole suite: a migrated database, the app, its clients."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade

from tests.databases import LOCAL_POSTGRES, scratch_database, server_url
from tests.factories import make_policy_version
from tests.smtp import SmtpServer
from website import create_app
from website.clock import studio_today, travel_to, utcnow
from website.extensions import db
from website.mollie_sandbox.testing import MollieSandbox, SandboxServer

PolicyFactory = Callable[..., None]
TEST_SECRET_KEY = "test-secret-key-that-is-long-enough-0123456789"
# Settings production insists on (environment names equal config keys for these).
PRODUCTION_DETAILS = {
    "STUDIO_ADDRESS": "Studiostraat 8, 1011 AB Amsterdam",
    "STUDIO_KVK": "87654321",
    "STUDIO_VAT_ID": "NL123456782B01",
    "STUDIO_IBAN": "NL44RABO0123456789",
    "MOLLIE_API_KEY": "live_abcdefghijklmnopqrstuvwxyz0123",
    "MOLLIE_API_ENDPOINT": "https://api.mollie.com",
}


def pytest_configure(config: pytest.Config) -> None:
    """With ``TEST_NOW`` set (an ISO instant with its offset), run as if it were then.

    ``make test-shifted`` does, so a test that takes "today" from the machine instead of
    the studio, or hard-codes a year, fails on any day, not only on the days it would.
    """
    moment = os.environ.get("TEST_NOW")
    if moment:
        travel_to(datetime.fromisoformat(moment))


def pytest_report_header(config: pytest.Config) -> str:
    zone = os.environ.get("TZ", "the machine's")
    return f"site clock: {utcnow():%Y-%m-%d %H:%M} UTC, studio date {studio_today()}, TZ {zone}"


def make_config(database_url: str, **overrides: Any) -> dict[str, Any]:
    """Settings for a test app; ``overrides`` win.

    The contact form's time trap is off (tests fill forms faster than people), except in
    the tests of the trap itself; mail goes to a Maildir unless a test points it at SMTP.
    """
    return {
        "APP_ENV": "testing",
        "SECRET_KEY": TEST_SECRET_KEY,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "CONTACT_MIN_SECONDS": 0,
        # Said every time: Flask-Limiter's one limiter keeps the last app's choice otherwise.
        "RATELIMIT_ENABLED": True,
        **overrides,
    }


@contextmanager
def postgres_app_for(purpose: str, tmp_path: Path, **overrides: Any) -> Iterator[Flask]:
    """An app on a migrated PostgreSQL database of its own, whichever database the rest of
    the run uses: for races that need real row locks."""
    with scratch_database(purpose, tmp_path, server=server_url() or LOCAL_POSTGRES) as url:
        app = create_app(make_config(url, **overrides))
        with app.app_context():
            upgrade()
        yield app
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One database per test worker, built by the migrations (never by create_all)."""
    with scratch_database("test", tmp_path_factory.mktemp("db")) as url:
        app = create_app(make_config(url))
        with app.app_context():
            upgrade()
            db.engine.dispose()
        yield url


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Extra settings for ``app``; override this fixture in a module that needs some."""
    return {}


@pytest.fixture
def app(database_url: str, app_config: dict[str, Any], tmp_path: Path) -> Iterator[Flask]:
    app = create_app(
        make_config(
            database_url,
            MAILDIR=str(tmp_path / "mailbox"),
            PRIVACY_UPLOAD_FOLDER=str(tmp_path / "uploads"),
            ERASURE_LOG=str(tmp_path / "erasures.jsonl"),
            **app_config,
        )
    )
    yield app
    with app.app_context():
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server on 127.0.0.1; give its ``config`` to the app."""
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def app_context(app: Flask) -> Iterator[None]:
    """For tests of services; view tests must not hold one (requests would share ``g``)."""
    with app.app_context():
        yield


@pytest.fixture
def create_policy_version(app: Flask) -> PolicyFactory:
    """Store a policy version, outside of any request (see ``make_policy_version``)."""

    def create(**overrides: Any) -> None:
        with app.app_context():
            make_policy_version(**overrides)

    return create


# --- Mollie sandbox (website/mollie_sandbox): one server per test session/worker ---------


@pytest.fixture(scope="session")
def mollie_sandbox_server() -> Iterator[SandboxServer]:
    """The sandbox on 127.0.0.1:<free port>, webhooks retried at 1 Mollie minute = 0.05 s."""
    server = SandboxServer(wall=utcnow).start()  # the site's clock: shifted runs move both
    yield server
    server.stop()


@pytest.fixture
def mollie_sandbox(mollie_sandbox_server: SandboxServer) -> Iterator[MollieSandbox]:
    """A fresh sandbox for this test: ``.url`` and ``.api_key`` for the site's Mollie client,
    and methods to pay, expire, refund, charge back, break webhooks and inject API faults.

    Reset after the test too, so no retried webhook of this test reaches a later one.
    """
    handle = mollie_sandbox_server.handle
    handle.reset()
    yield handle
    handle.reset()
