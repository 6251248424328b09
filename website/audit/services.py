"""Writing the audit log, and reading it back for staff."""

from __future__ import annotations

import sqlalchemy as sa

from website.audit.models import AuditEvent
from website.extensions import db


def record(
    staff_member_id: int | None,
    action: str,
    object_type: str | None = None,
    object_id: object = None,
) -> None:
    """Add an audit event to the current transaction: ids only, no personal data."""
    db.session.add(
        AuditEvent(
            staff_member_id=staff_member_id,
            action=action,
            object_type=object_type,
            object_id=None if object_id is None else str(object_id),
        )
    )


def log_query(action: str | None, staff_member_id: int | None) -> sa.Select[AuditEvent]:
    """Events newest first; those whose action starts with ``action``, by that staff member."""
    query = sa.select(AuditEvent).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    if action:
        query = query.where(AuditEvent.action.startswith(action, autoescape=True))
    if staff_member_id is not None:
        query = query.where(AuditEvent.staff_member_id == staff_member_id)
    return query
