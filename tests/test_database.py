"""The database behaves the same on SQLite (``make run``) as on PostgreSQL (production)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.exc import IntegrityError

from website.clients.models import Client
from website.clock import utcnow
from website.extensions import db
from website.invoices.models import Invoice
from website.queries import lock_row


def add_client(app: Flask) -> int:
    with app.app_context():
        client = Client(email="lock@example.nl", name="Before", language="nl")
        db.session.add(client)
        db.session.commit()
        return client.id


def test_foreign_keys_are_enforced(app: Flask) -> None:
    """A row pointing at nothing is refused on SQLite too, not only on PostgreSQL."""
    with app.app_context():
        nobody = (db.session.scalar(sa.select(sa.func.max(Client.id))) or 0) + 1
        db.session.add(Invoice(client_id=nobody, created_at=utcnow()))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_lock_row_never_commits_what_the_caller_had_pending(app: Flask) -> None:
    """Taking the lock keeps the caller's transaction whole: a rollback after it takes back
    what was written before it, on every database."""
    client_id = add_client(app)
    with app.app_context():
        db.session.get(Client, client_id).name = "After"
        lock_row(Client, client_id)
        db.session.rollback()
        assert db.session.get(Client, client_id).name == "Before"
