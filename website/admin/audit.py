"""The audit log: who did what to which record, filterable by action and staff member."""

from __future__ import annotations

from flask import request
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from website.admin.blueprint import bp
from website.admin.forms import AuditFilterForm
from website.admin.pagination import paginate
from website.admin.services import all_staff
from website.audit.services import log_query
from website.htmx import render


@bp.get("/audit")
def audit_log() -> Response:
    """Newest first; an htmx filter gets only the rows."""
    form = AuditFilterForm(request.args)
    staff = all_staff()
    form.staff.choices = [form.staff.choices[0], *(SelectChoice(str(s.id), s.email) for s in staff)]
    form.validate()  # each filter counts on its own: one bad value does not drop the other
    action = form.action.data.strip() if form.action.data and not form.action.errors else None
    staff_id = int(form.staff.data) if form.staff.data and not form.staff.errors else None
    query = log_query(action, staff_id)
    return render(
        "admin/audit/list.html",
        partial="admin/audit/_rows.html",
        form=form,
        page=paginate(query),
        staff_emails={member.id: member.email for member in staff},
    )
