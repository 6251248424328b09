"""The dashboard: what needs attention today, and the payments that came in."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import render_template
from sqlalchemy.orm import contains_eager, joinedload

from website.admin.blueprint import bp
from website.clock import studio_today
from website.contact.services import inbox_query
from website.extensions import db
from website.invoices.models import Installment, Invoice, InvoiceStatus
from website.mail.services import undelivered
from website.payments.models import PaymentAttempt, PaymentEvent, PaymentStatus
from website.payments.services import PAID_TWICE_NOTE

RECEIVED_SHOWN = 10
ATTENTION_SHOWN = 50


@bp.get("/")
def dashboard() -> str:
    """New messages, mail that did not go out, payments received, and what is overdue."""
    new = inbox_query(None, "new")
    return render_template(
        "admin/dashboard.html",
        new_messages=db.session.scalars(new.limit(10)).all(),
        new_count=db.session.scalar(sa.select(sa.func.count()).select_from(new.subquery())),
        undelivered=undelivered(),
        received=payments_received(),
        overdue=overdue_installments(studio_today()),
        paid_twice=_payment_events(PaymentEvent.note == PAID_TWICE_NOTE, ATTENTION_SHOWN),
    )


def payments_received(limit: int = RECEIVED_SHOWN) -> list[PaymentEvent]:
    """Attempts that became paid, newest first; not the refunds and chargebacks that follow."""
    became_paid = sa.and_(
        PaymentEvent.new_status == PaymentStatus.PAID,
        sa.or_(PaymentEvent.old_status.is_(None), PaymentEvent.old_status != PaymentStatus.PAID),
    )
    return _payment_events(became_paid, limit)


def overdue_installments(today: date) -> list[Installment]:
    """Unpaid parts of issued invoices whose due date has passed, longest overdue first."""
    return list(
        db.session.scalars(
            sa.select(Installment)
            .join(Installment.invoice)
            .where(
                Invoice.status == InvoiceStatus.ISSUED,
                Installment.paid_at.is_(None),
                Installment.due_on < today,
            )
            .options(contains_eager(Installment.invoice).joinedload(Invoice.client))
            .order_by(Installment.due_on, Installment.id)
            .limit(ATTENTION_SHOWN)
        )
    )


def _payment_events(condition: sa.ColumnElement[bool], limit: int) -> list[PaymentEvent]:
    """The newest events that match, each with its attempt, installment and invoice (1 query)."""
    return list(
        db.session.scalars(
            sa.select(PaymentEvent)
            .where(condition)
            .options(
                joinedload(PaymentEvent.attempt)
                .joinedload(PaymentAttempt.installment)
                .joinedload(Installment.invoice)
            )
            .order_by(PaymentEvent.created_at.desc(), PaymentEvent.id.desc())
            .limit(limit)
        )
    )
