"""The project's htmx conventions; the only module that imports htmx_flask.

A request gets a fragment only when htmx asks for one in place: boosted navigation and
history restores also send ``HX-Request`` but need the whole page. Every HTML response
says so in ``Vary``, so no cache hands a fragment to a full-page request.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, make_response, redirect, render_template
from htmx_flask import Htmx
from htmx_flask import request as htmx_request

VARY_HEADERS = ("HX-Request", "HX-Boosted", "HX-History-Restore-Request")


def init_app(app: Flask) -> None:
    Htmx(app)
    app.after_request(_add_vary)
    app.jinja_env.globals["wants_fragment"] = wants_fragment


def is_htmx() -> bool:
    """The request was made by htmx (of any kind)."""
    return bool(htmx_request.htmx)


def wants_fragment() -> bool:
    """htmx asked to swap part of the page (not a boosted link, not a history restore)."""
    hx = htmx_request.htmx
    return bool(hx) and not hx.boosted and not hx.history_restore_request


def render(
    page_template: str, /, partial: str | None = None, status: int = 200, **context: Any
) -> Response:
    """Render ``partial`` for an in-place htmx request, else the full page."""
    template = partial if partial and wants_fragment() else page_template
    return make_response(render_template(template, **context), status)


def redirect_after_post(location: str) -> Response:
    """Post/Redirect/Get: 303 for browsers, ``HX-Redirect`` for an in-place htmx post."""
    if wants_fragment():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = location
        return response
    return redirect(location, code=303)


def _add_vary(response: Response) -> Response:
    if response.mimetype == "text/html" or response.status_code in (204, 303):
        response.vary.update(VARY_HEADERS)
    return response
