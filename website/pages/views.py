"""Public pages: home, the language switch, and the privacy centre's front door."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from website.i18n import LANGUAGES, remember_language, safe_next_url
from website.privacy import views as privacy_views

bp = Blueprint("pages", __name__)


@bp.get("/")
def home() -> str:
    """Show who the studio is and how a booking works."""
    return render_template("pages/home.html")


@bp.get("/language/<string:language>")
def switch_language(language: str) -> Response:
    """Remember the chosen language and return to the page the visitor came from."""
    if language not in LANGUAGES:
        abort(404)
    target = safe_next_url(request.args.get("next"), url_for("pages.home"))
    response = redirect(target, code=303)
    remember_language(response, language)
    response.cache_control.no_store = True
    return response


@bp.get("/privacy-centre")
def privacy_centre() -> Response:
    """The privacy centre's front door; the centre itself is ``website.privacy``."""
    return privacy_views.start()
