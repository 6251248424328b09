"""Error pages in the site's layout and the visitor's language; never a stack trace."""

from __future__ import annotations

from typing import cast

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Response

from website.htmx import in_place_of_main, render

# Status code -> (title, what the visitor can do about it).
MESSAGES = {
    400: (
        _l("Bad request"),
        _l("The request could not be understood. Please go back and try again."),
    ),
    403: (_l("Forbidden"), _l("You do not have access to this page.")),
    404: (
        _l("Page not found"),
        _l("This page does not exist (any more). Check the address, or start from the home page."),
    ),
    405: (_l("Method not allowed"), _l("This page cannot be used this way.")),
    413: (
        _l("Too large"),
        _l("What you sent is larger than this site accepts. Please send something smaller."),
    ),
    422: (
        _l("Cannot process this"),
        _l("Some of what you sent could not be processed. Please check it and try again."),
    ),
    429: (
        _l("Too many requests"),
        _l("You have made too many requests in a short time. Please wait a moment and try again."),
    ),
    500: (
        _l("Something went wrong"),
        _l("An unexpected error occurred on our side. Please try again later."),
    ),
}
CSRF_MESSAGE = _l(
    "This form has expired or was not sent from this site. Please reload the page and try again."
)


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InternalServerError, handle_http_error)


def handle_http_error(error: HTTPException) -> Response | HTTPException:
    code = error.code or 500
    if code < 400:  # routing redirects are exceptions too
        return error
    if error.response is not None:  # a view built its own answer (the contact form's 429)
        return cast(Response, error.response)  # abort(response) holds a whole response
    title, message = MESSAGES.get(code, MESSAGES[500 if code >= 500 else 400])
    return _error_page(error, code, title, message)


def handle_csrf_error(error: CSRFError) -> Response:
    return _error_page(error, 400, MESSAGES[400][0], CSRF_MESSAGE)


def _error_page(error: HTTPException, code: int, title: str, message: str) -> Response:
    response = render(
        "errors/error.html",
        partial="errors/_error.html",
        status=code,
        code=code,
        title=title,
        message=message,
    )
    response = in_place_of_main(response)
    for name, value in error.get_headers():  # Allow on 405, Retry-After on 429
        if name.lower() != "content-type":
            response.headers[name] = value
    return response
