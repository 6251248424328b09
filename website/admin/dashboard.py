"""The dashboard: what needs attention today."""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template

from website.admin.blueprint import bp
from website.contact.services import inbox_query
from website.extensions import db
from website.mail.services import undelivered


@bp.get("/")
def dashboard() -> str:
    """New messages and mail that did not go out."""
    new = inbox_query(None, "new")
    return render_template(
        "admin/dashboard.html",
        new_messages=db.session.scalars(new.limit(10)).all(),
        new_count=db.session.scalar(sa.select(sa.func.count()).select_from(new.subquery())),
        undelivered=undelivered(),
    )
