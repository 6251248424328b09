"""Invoices are kept seven years after the year of issue; forgotten drafts for a year."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.factories import make_issued_invoice
from website.extensions import db
from website.invoices.models import Installment, Invoice, InvoiceLine, PayLink
from website.invoices.services import (
    LineInput,
    create_draft,
    delete_expired_invoices,
    update_draft,
)
from website.payments.models import PaymentAttempt, PaymentEvent
from website.payments.services import record_bank_transfer

NOW = datetime(2034, 1, 1, 9, 0, tzinfo=UTC)


def backdate(invoice: Invoice, issued_on: date) -> None:
    db.session.execute(
        sa.update(Invoice).where(Invoice.id == invoice.id).values(issued_on=issued_on)
    )
    db.session.commit()


@pytest.mark.usefixtures("app_context")
def test_seven_full_years_after_the_year_of_issue() -> None:
    old, _ = make_issued_invoice(email="old@example.nl")
    record_bank_transfer(old.installments[0], staff_id=None)
    backdate(old, date(2026, 12, 31))
    kept, _ = make_issued_invoice(email="kept@example.nl")
    backdate(kept, date(2027, 1, 1))

    assert delete_expired_invoices(NOW) == 1

    assert db.session.scalars(sa.select(Invoice.id)).all() == [kept.id]
    for model in (InvoiceLine, Installment, PayLink):
        assert {row.invoice_id for row in db.session.scalars(sa.select(model))} == {kept.id}
    assert db.session.scalars(sa.select(PaymentAttempt)).all() == []
    assert db.session.scalars(sa.select(PaymentEvent)).all() == []


@pytest.mark.usefixtures("app_context")
def test_drafts_untouched_for_a_year_go() -> None:
    now = datetime(2027, 6, 1, tzinfo=UTC)
    client = make_issued_invoice()[0].client
    line = LineInput("Shoot", Decimal("1"), Decimal("10"), Decimal("21"))
    stale = create_draft(client, [line])
    fresh = create_draft(client, [line])
    for invoice, age in ((stale, 367), (fresh, 300)):
        when = now - timedelta(days=age)
        db.session.execute(
            sa.update(Invoice)
            .where(Invoice.id == invoice.id)
            .values(created_at=when, updated_at=when)
        )
    db.session.commit()
    stale_id, fresh_id = stale.id, fresh.id
    assert delete_expired_invoices(now) == 1
    remaining = db.session.scalars(sa.select(Invoice.id)).all()
    assert stale_id not in remaining and fresh_id in remaining


@pytest.mark.usefixtures("app_context")
def test_an_old_draft_edited_lately_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    now = datetime(2027, 6, 1, tzinfo=UTC)
    client = make_issued_invoice()[0].client
    line = LineInput("Shoot", Decimal("1"), Decimal("10"), Decimal("21"))
    draft = create_draft(client, [line])
    long_ago = now - timedelta(days=400)
    db.session.execute(
        sa.update(Invoice)
        .where(Invoice.id == draft.id)
        .values(created_at=long_ago, updated_at=long_ago)
    )
    db.session.commit()
    edited = now - timedelta(days=10)
    monkeypatch.setattr("website.invoices.services.utcnow", lambda: edited)
    update_draft(draft, client, [line, line])  # only the lines change
    assert draft.updated_at == edited
    assert delete_expired_invoices(now) == 0
    assert db.session.get(Invoice, draft.id) is not None
