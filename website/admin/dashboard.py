"""The dashboard: what needs attention today, and the payments that came in."""

from __future__ import annotations

from flask import render_template

from website.admin.blueprint import bp
from website.clock import studio_today
from website.contact.services import new_messages
from website.invoices.services import overdue_installments
from website.mail.services import undelivered
from website.payments import key_status
from website.payments.services import paid_twice, payments_received
from website.privacy.requests import due_counts

NEW_SHOWN = 10
RECEIVED_SHOWN = 10
ATTENTION_SHOWN = 50


@bp.get("/")
def dashboard() -> str:
    """New messages, privacy requests due soon, mail that did not go out, payments received,
    and what is overdue."""
    new, new_count = new_messages(NEW_SHOWN)
    today = studio_today()
    requests_overdue, requests_due_soon = due_counts(today)
    return render_template(
        "admin/dashboard.html",
        new_messages=new,
        new_count=new_count,
        undelivered=undelivered(),
        received=payments_received(RECEIVED_SHOWN),
        requests_overdue=requests_overdue,
        requests_due_soon=requests_due_soon,
        overdue=overdue_installments(today, ATTENTION_SHOWN),
        paid_twice=paid_twice(ATTENTION_SHOWN),
        mollie_key_refused=key_status.refused(),
    )
