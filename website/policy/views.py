"""The privacy policy page: the version in force, and every earlier one at a stable URL."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, request
from werkzeug.wrappers import Response

from website.htmx import render
from website.i18n import current_language
from website.markdown import render_markdown
from website.policy import placeholders, services
from website.policy.models import PolicyVersion

bp = Blueprint("policy", __name__, url_prefix="/privacy-policy")


@bp.get("")
def show() -> Response:
    """Show the version in force, in the visitor's language."""
    version = services.current_version(current_language())
    if version is None:
        abort(404)
    return _policy_page(version, is_current=True)


@bp.get("/<string:published_on>")
def show_version(published_on: str) -> Response:
    """Show the version published on a date (YYYY-MM-DD)."""
    try:
        day = date.fromisoformat(published_on)
    except ValueError:
        abort(404)
    version = services.find_version(current_language(), day)
    if version is None:
        abort(404)
    current = services.current_version(current_language())
    return _policy_page(version, is_current=current is not None and current.slug == version.slug)


def _policy_page(version: PolicyVersion, is_current: bool) -> Response:
    response = render(
        "policy/show.html",
        partial="policy/_document.html",
        version=version,
        document=render_markdown(placeholders.fill(version.body, version.language)),
        is_current=is_current,
        history=services.published_versions(version.language),
    )
    response.cache_control.no_cache = True
    response.add_etag()
    return response.make_conditional(request)
