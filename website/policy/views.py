"""The privacy policy page: the version in force, every earlier one at a stable URL, and what
changed from one version to the next."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, request
from werkzeug.wrappers import Response

from website.htmx import render
from website.i18n import current_language
from website.markdown import Rendered, render_markdown
from website.policy import placeholders, services
from website.policy.compare import compare_versions
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
    version = _version_on(published_on)
    return _policy_page(version, is_current=_is_current(version))


@bp.get("/<string:published_on>/changes")
def changes(published_on: str) -> Response:
    """Compare the version published on a date with the one before it, section by section."""
    version = _version_on(published_on)
    previous = services.previous_version(version.language, version.published_on)
    if previous is None:
        abort(404)
    response = render(
        "policy/changes.html",
        partial="policy/_changes.html",
        version=version,
        previous=previous,
        summary=_summary(version),
        changes=compare_versions(previous, version),
        is_current=_is_current(version),
    )
    return _revalidated(response)


def _version_on(published_on: str) -> PolicyVersion:
    """The version of a date in the URL, preferably in the visitor's language; else 404."""
    try:
        day = date.fromisoformat(published_on)
    except ValueError:
        abort(404)
    version = services.find_version(current_language(), day)
    if version is None:
        abort(404)
    return version


def _is_current(version: PolicyVersion) -> bool:
    current = services.current_version(current_language())
    return current is not None and current.slug == version.slug


def _summary(version: PolicyVersion) -> Rendered | None:
    if not version.changes:
        return None
    return render_markdown(placeholders.fill(version.changes, version.language))


def _policy_page(version: PolicyVersion, is_current: bool) -> Response:
    response = render(
        "policy/show.html",
        partial="policy/_document.html",
        version=version,
        document=render_markdown(placeholders.fill(version.body, version.language)),
        is_current=is_current,
        history=services.published_versions(version.language),
        previous=services.previous_version(version.language, version.published_on),
        summary=_summary(version),
    )
    return _revalidated(response)


def _revalidated(response: Response) -> Response:
    """Cached by browsers, but asked about each time (a new version may be in force)."""
    response.cache_control.no_cache = True
    response.add_etag()
    return response.make_conditional(request)
