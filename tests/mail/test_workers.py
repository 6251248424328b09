"""Several outbox workers at once never send a message twice (PostgreSQL row locks)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.conftest import postgres_app_for
from tests.smtp import SmtpServer
from website.extensions import db
from website.mail.models import OutboxMessage, OutboxStatus
from website.mail.services import deliver_due, queue_mail

MESSAGES = 40


@pytest.fixture
def postgres_app(tmp_path: Path, smtp_server: SmtpServer) -> Iterator[Flask]:
    with postgres_app_for("workers", tmp_path, **smtp_server.config) as app:
        yield app


def test_two_workers_deliver_each_message_exactly_once(
    postgres_app: Flask, smtp_server: SmtpServer
) -> None:
    smtp_server.inbox.overlap = 2  # the first message waits until the other worker sends one
    with postgres_app.app_context():
        for number in range(MESSAGES):
            queue_mail(
                "contact/acknowledgement",
                to=f"person{number}@example.nl",
                subject="Test",
                language="en",
                contact_reference=f"C-TEST-{number:04}",
            )
        db.session.commit()
    sent_by_worker: list[int] = []

    def worker() -> None:
        with postgres_app.app_context():
            sent_by_worker.append(deliver_due(limit=MESSAGES).sent)

    workers = [threading.Thread(target=worker) for _ in range(2)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    message_ids = [message["Message-ID"] for message in smtp_server.inbox.messages]
    assert len(message_ids) == MESSAGES
    assert len(set(message_ids)) == MESSAGES, "no message was sent twice"
    assert sum(sent_by_worker) == MESSAGES
    assert smtp_server.inbox.overlapped.is_set(), "both workers were sending at the same time"
    with postgres_app.app_context():
        rows = db.session.scalars(sa.select(OutboxMessage)).all()
        assert {(row.status, row.attempts) for row in rows} == {(OutboxStatus.SENT, 1)}
