"""Take-downs: published work whose consent was withdrawn, for staff to remove."""

from __future__ import annotations

from flask import abort, flash, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from website.admin.blueprint import bp
from website.admin.forms import EmptyForm
from website.extensions import db
from website.htmx import redirect_after_post, render
from website.privacy.models import RemovalRequest
from website.privacy.services import finish_removal, removal_queue


@bp.get("/removals")
def removals() -> Response:
    """The open take-downs, oldest first."""
    return render("admin/removals/list.html", queue=removal_queue(), form=EmptyForm())


@bp.post("/removals/<int:removal_id>/done")
def removal_done(removal_id: int) -> Response:
    """Mark a take-down done (recorded in the audit log)."""
    item = db.session.get(RemovalRequest, removal_id)
    if item is None or item.done_at is not None:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    finish_removal(item, current_user.id)
    flash(_("The take-down is marked as done."))
    return redirect_after_post(url_for("admin.removals"))
