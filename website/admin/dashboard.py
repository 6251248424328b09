"""The dashboard: what needs attention today, and the payments that came in."""

from __future__ import annotations

from flask import abort, flash, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from website.admin.blueprint import bp
from website.admin.forms import EmptyForm
from website.clock import studio_today
from website.contact.services import new_messages
from website.htmx import redirect_after_post
from website.invoices.services import overdue_installments
from website.mail.services import undelivered
from website.payments import key_status
from website.payments.services import open_problems, payments_received, resolve_problem
from website.privacy.requests import due_counts

NEW_SHOWN = 10
RECEIVED_SHOWN = 10
ATTENTION_SHOWN = 50


@bp.get("/")
def dashboard() -> str:
    """New messages, privacy requests due soon, mail that did not go out, payments received,
    what is overdue and payments to resolve."""
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
        problems=open_problems(ATTENTION_SHOWN),
        form=EmptyForm(),
        mollie_key_refused=key_status.refused(),
    )


@bp.post("/payment-problems/<int:problem_id>/resolved")
def resolve_payment_problem(problem_id: int) -> Response:
    """Staff refunded, credited or booked the payment: it leaves the dashboard."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    if resolve_problem(problem_id, current_user.id):
        flash(_("Marked as resolved."))
    return redirect_after_post(url_for("admin.dashboard"))
