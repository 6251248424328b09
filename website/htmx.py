"""The project's htmx conventions; the only module that imports htmx_flask.

A request gets a fragment only when htmx asks for one in place: boosted navigation and
history restores also send ``HX-Request`` but need the whole page. Every HTML response
says so in ``Vary``, so no cache hands a fragment to a full-page request.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import (
    Flask,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
)
from htmx_flask import Htmx
from htmx_flask import make_response as htmx_response
from htmx_flask import request as htmx_request
from markupsafe import Markup
from werkzeug.wrappers import Response

VARY_HEADERS = ("HX-Request", "HX-Boosted", "HX-History-Restore-Request", "HX-Current-URL")
# Parts of the site whose layout has no language switch (the back office has its own header).
WITHOUT_LANGUAGE_SWITCH = {"admin"}


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
    """Render ``partial`` for an in-place htmx request, else the full page.

    A partial that shows another page in place (a GET for another path than the browser's,
    such as a privacy-centre panel or a policy version) comes with what that changes outside
    its region: the page's title (its ``title`` block, which htmx puts in the document) and
    the language switch, swapped out of band, so its links lead back to the page now shown.
    """
    if not (partial and wants_fragment()):
        return make_response(render_template(page_template, **context), status)
    body = render_template(partial, **context)
    if _shows_another_page():
        body += render_template(
            "_htmx_outside.html",
            title=_block(page_template, "title", context),
            language_switch=request.blueprint not in WITHOUT_LANGUAGE_SWITCH,
        )
    return make_response(body, status)


def _shows_another_page() -> bool:
    current = htmx_request.htmx.current_url  # htmx always sends it
    return request.method == "GET" and bool(current) and urlsplit(current).path != request.path


def _block(template_name: str, block: str, context: dict[str, Any]) -> str:
    """One block of a template, rendered on its own (Jinja's ``Template.blocks``)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    template = app.jinja_env.get_or_select_template(template_name)
    values = dict(context)
    app.update_template_context(values)
    return Markup("").join(template.blocks[block](template.new_context(values))).strip()


def redirect_after_post(location: str) -> Response:
    """Post/Redirect/Get: 303 for browsers, ``HX-Redirect`` for an in-place htmx post."""
    if wants_fragment():
        return go_whole(location)
    return redirect(location, code=303)


def redirect_in_place(location: str, target: str) -> Response:
    """Post/Redirect/Get that stays in place: after an in-place htmx post, htmx GETs
    ``location`` into ``target`` and adds it to the history (``HX-Location``), so the GET's
    fragment brings the title and the language switch as any other; browsers get a 303."""
    if wants_fragment():
        return htmx_response(
            "", 204, location={"path": location, "target": target, "swap": "outerHTML"}
        )
    return redirect(location, code=303)


def go_whole(location: str) -> Response:
    """Tell htmx to load ``location`` as a whole page (``HX-Redirect``), not swap it in."""
    return htmx_response("", 204, redirect=location)


def in_place_of_main(response: Response) -> Response:
    """For an in-place htmx request: show ``response`` as the page's content (``#main``), not
    inside the widget that asked, as an error or a refusal should be."""
    if not wants_fragment():
        return response
    return htmx_response(response, retarget="#main", reswap="innerHTML")


def _add_vary(response: Response) -> Response:
    if response.mimetype == "text/html" or response.status_code in (204, 303):
        response.vary.update(VARY_HEADERS)
    return response
