"""Writing the audit log."""

from __future__ import annotations

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
