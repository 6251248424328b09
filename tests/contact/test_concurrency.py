"""Several first messages from one new address at once (PostgreSQL): none is lost."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.conftest import postgres_app_for
from tests.contact.helpers import VALID, form_tokens
from website.clients.models import Client
from website.contact.models import ContactMessage
from website.extensions import db

SENDERS = 6


@pytest.fixture
def postgres_app(tmp_path: Path) -> Iterator[Flask]:
    with postgres_app_for(
        "contact",
        tmp_path,
        MAILDIR=str(tmp_path / "mailbox"),
        CONTACT_RATE_LIMIT_EMAIL="100 per hour",
        CONTACT_RATE_LIMIT_IP="100 per hour",
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": SENDERS, "max_overflow": 4},
    ) as app:
        yield app


def test_first_messages_sent_at_once_are_all_kept(postgres_app: Flask) -> None:
    browsers = [postgres_app.test_client() for _ in range(SENDERS)]
    forms = [{**form_tokens(browser), **VALID, "email": "new@example.nl"} for browser in browsers]
    start = threading.Barrier(SENDERS)
    answers: list[int] = []

    def send(browser, form) -> None:
        start.wait()
        response = browser.post("/contact", data=form, environ_base={"REMOTE_ADDR": "10.0.0.1"})
        answers.append(response.status_code)

    threads = [
        threading.Thread(target=send, args=pair) for pair in zip(browsers, forms, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert answers == [303] * SENDERS
    with postgres_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ContactMessage)) == SENDERS
        [client] = db.session.scalars(sa.select(Client)).all()
        assert client.email == "new@example.nl"
