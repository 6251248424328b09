"""What the site accepts from a request before any view sees it: one place for the classes
of hostile input, so no view has to remember them.

- **Host**: a name no DNS name can have (a label over 63 characters, an empty or broken
  IDNA label, spaces, control characters) is answered with a plain 400 before Flask builds
  anything from it; the error page itself would otherwise fail building its links.
- **Ids** in URLs (``<int:...>``) are whole numbers from 1 to 2³¹ - 1, what an integer
  column holds on every database; any other number is a 404, like an id that does not exist.
- **Fields** (query string and form): a NUL byte, which PostgreSQL cannot store, or a
  multipart part without a name is a 400; a NUL in the path is a 404.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from itertools import chain
from typing import Any

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter, Map

LARGEST_ID = 2**31 - 1
# Underscores are no DNS, but internal names (a container's, a health check's) have them.
LABEL = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)", re.IGNORECASE)
IP_LITERAL = re.compile(r"\[[0-9a-f:.]+\]", re.IGNORECASE)
PORT = re.compile(r"[0-9]{1,5}")

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class DatabaseId(IntegerConverter):
    """``<int:...>`` in every route: an id an integer column can hold, else no match (404)."""

    def __init__(self, map: Map, fixed_digits: int = 0) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=1, max=LARGEST_ID)


def valid_host(host: str) -> bool:
    """A Host header a browser could send: DNS labels or an IP literal, and a port."""
    if host.startswith("["):
        name, _, rest = host.partition("]")
        port_ok = rest == "" or (rest.startswith(":") and PORT.fullmatch(rest[1:]) is not None)
        return port_ok and IP_LITERAL.fullmatch(name + "]") is not None
    name, colon, port = host.rpartition(":")
    if not colon:
        name = host
    elif not PORT.fullmatch(port):
        return False
    labels = name.removesuffix(".").split(".")
    if len(name) > 253 or not all(LABEL.fullmatch(label) for label in labels):
        return False
    try:
        name.encode("idna").decode("idna")
    except UnicodeError:
        return False
    return True


class HostCheck:
    """WSGI middleware: refuse a request whose Host header cannot be a real host name."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        host = environ.get("HTTP_HOST")
        if host is not None and not valid_host(host):
            body = b"Bad Request: the Host header is not a valid host name.\n"
            start_response(
                "400 Bad Request",
                [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
            )
            return [body]
        return self.app(environ, start_response)


def refuse_unusable_address() -> None:
    """First of all: a NUL byte in the path or query string goes no further."""
    if "\x00" in request.path:
        abort(404)
    _refuse(request.args.items(multi=True))


def refuse_unusable_form() -> None:
    """After the rate limit (so a flood is refused before any body is read), before CSRF:
    NUL bytes and nameless parts in a form go no further."""
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        _refuse(chain(request.form.items(multi=True), ((key, "") for key in request.files)))


def _refuse(fields: Iterable[tuple[str | None, str]]) -> None:
    for key, value in fields:
        if not key or "\x00" in key or "\x00" in value:
            abort(400)


def init_app(app: Flask) -> None:
    """Call before the extensions are set up, so this runs before their request hooks
    (``refuse_unusable_form`` is registered between the limiter's and CSRF's)."""
    app.url_map.converters["int"] = DatabaseId
    app.wsgi_app = HostCheck(app.wsgi_app)  # type: ignore[method-assign]
    app.before_request(refuse_unusable_address)
