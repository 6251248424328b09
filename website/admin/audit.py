"""The audit log: who did what to which record, filterable by action and staff member."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response, request
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from website.admin.blueprint import bp
from website.admin.forms import AuditFilterForm
from website.admin.models import StaffMember
from website.admin.pagination import paginate
from website.audit.models import AuditEvent
from website.extensions import db
from website.htmx import render


@bp.get("/audit")
def audit_log() -> Response:
    """Newest first; an htmx filter gets only the rows."""
    form = AuditFilterForm(request.args)
    staff = db.session.scalars(sa.select(StaffMember).order_by(StaffMember.email)).all()
    form.staff.choices = [form.staff.choices[0], *(SelectChoice(str(s.id), s.email) for s in staff)]
    query = (
        sa.select(AuditEvent)
        .options(selectinload(AuditEvent.staff_member))
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    )
    form.validate()  # each filter counts on its own: one bad value does not drop the other
    if form.action.data and not form.action.errors:
        query = query.where(AuditEvent.action.startswith(form.action.data.strip(), autoescape=True))
    if form.staff.data and not form.staff.errors:
        query = query.where(AuditEvent.staff_member_id == int(form.staff.data))
    return render(
        "admin/audit/list.html", partial="admin/audit/_rows.html", form=form, page=paginate(query)
    )
