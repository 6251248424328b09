"""The back-office blueprint and its one access check.

Every view requires a signed-in, active staff member: the check runs once for the whole
blueprint (``require_staff``), so no screen can forget it. Only signing in is open.
"""

from __future__ import annotations

from flask import Blueprint, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from website.admin import sessions
from website.admin.models import StaffMember
from website.extensions import login_manager
from website.htmx import go_whole, is_htmx

bp = Blueprint("admin", __name__, url_prefix="/admin")

OPEN_ENDPOINTS = {"admin.sign_in", "admin.sign_in_submit", "admin.second_factor"}


@login_manager.user_loader
def _load_user(member_id: str) -> StaffMember | None:
    """The member signed in on this browser, while its session on the server lasts."""
    row = sessions.current()
    if row is None or str(row.staff_member_id) != member_id:
        return None
    return row.staff_member


@login_manager.unauthorized_handler
def _unauthorized() -> Response:
    """To the sign-in page, and back here afterwards; htmx is told to go there whole."""
    target = url_for("admin.sign_in", next=request.full_path.rstrip("?"))
    if is_htmx():
        return go_whole(target)
    return redirect(target, code=303)


@bp.before_request
def require_staff() -> Response | None:
    if request.endpoint in OPEN_ENDPOINTS or current_user.is_authenticated:
        return None
    return login_manager.unauthorized()


@bp.after_request
def no_caching(response: Response) -> Response:
    """Back-office pages hold personal data: never kept by the browser or a proxy."""
    response.headers["Cache-Control"] = "no-store"
    return response
