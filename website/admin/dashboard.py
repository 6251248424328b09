"""The dashboard: what needs attention today."""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template

from website.admin.blueprint import bp
from website.contact.models import ContactMessage
from website.extensions import db
from website.mail.models import OutboxMessage, OutboxStatus


@bp.get("/")
def dashboard() -> str:
    """New messages and mail that did not go out."""
    new_messages = db.session.scalars(
        sa.select(ContactMessage)
        .where(ContactMessage.handled_at.is_(None), ContactMessage.archived_at.is_(None))
        .order_by(ContactMessage.received_at.desc())
        .limit(10)
    ).all()
    new_count = db.session.scalar(
        sa.select(sa.func.count()).where(
            ContactMessage.handled_at.is_(None), ContactMessage.archived_at.is_(None)
        )
    )
    undelivered = db.session.scalars(
        sa.select(OutboxMessage)
        .where(
            sa.or_(
                OutboxMessage.status == OutboxStatus.DEAD,
                sa.and_(OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.attempts > 0),
            )
        )
        .order_by(OutboxMessage.created_at.desc())
    ).all()
    return render_template(
        "admin/dashboard.html",
        new_messages=new_messages,
        new_count=new_count,
        undelivered=undelivered,
    )
