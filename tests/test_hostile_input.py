"""Every route in the URL map, sent the same hostile input: never a server error.

The input: NUL bytes, invalid UTF-8 (which would decode to lone surrogates), overlong values
and ids beyond what the database stores, in the path, the query string and every form field
the site knows; multipart bodies with nameless parts; a Host header no DNS name can have.
The sender is signed in to the back office and verified in the privacy centre, and sends a
valid CSRF token, so the input reaches the views behind those checks.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_wtf import FlaskForm
from werkzeug.routing import Rule
from werkzeug.test import EnvironBuilder, run_wsgi_app

from tests.admin.conftest import csrf_token as staff_csrf_token
from tests.urls import example_value, signed_in_everywhere

# Percent-encoded, as they arrive on the wire.
HOSTILE_SEGMENTS = {
    "nul": "abc%00def",
    "invalid utf-8": "%ED%A0%80x",
    "overlong": "A" * 5000,
    "huge id": "99999999999",
    "huge id 64": str(2**64),
}
HOSTILE_VALUES = {
    "nul": "abc\x00def",
    "control characters": "line\r\nforged: yes\x1b[31m",
    "overlong": "x" * 100_000,
    "huge number": "99999999999999999999",
    "whitespace only": " \t \n ",
}
ODD_HOSTS = ["a" * 64 + ".example.nl", "xn--.example", "-.example", "exa mple.nl", "ex\x00ample"]
PLACEHOLDER = re.compile(r"<(?:[^>]*:)?(\w+)>")
SKIPPED = {"static", "dev.mailbox", "dev.mailbox_html"}  # files, and a development-only tool
LAST = ("sign_out", "sign-out", "delete")  # endpoints that end the session or the profile


def form_field_names() -> set[str]:
    """Every field name of every form the site defines."""
    names: set[str] = set()
    pending = list(FlaskForm.__subclasses__())
    while pending:
        form = pending.pop()
        pending.extend(form.__subclasses__())
        names.update(
            name for name in dir(form) if not name.startswith("_") and _is_field(form, name)
        )
    return names


def _is_field(form: type[FlaskForm], name: str) -> bool:
    return hasattr(getattr(form, name, None), "field_class")


def concrete(rule: Rule, hostile: str | None = None) -> list[str]:
    """Paths for ``rule``: each argument in turn replaced by ``hostile`` (or one, all plain)."""
    plain = {name: _plain(rule, name) for name in rule.arguments}
    if hostile is None or not rule.arguments:
        return [_fill(rule, plain)]
    return [_fill(rule, {**plain, name: hostile}) for name in rule.arguments]


def _plain(rule: Rule, name: str) -> str:
    return str(example_value(rule, name))


def _fill(rule: Rule, values: dict[str, str]) -> str:
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], rule.rule)


def routes(app: Flask) -> list[Rule]:
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint not in SKIPPED]
    return sorted(rules, key=lambda rule: (any(word in rule.rule for word in LAST), rule.rule))


@pytest.fixture
def app_config() -> dict[str, Any]:
    # Limits are tested elsewhere: here every request must reach its view. A server error is
    # answered as in production (a 500 page), not raised into the test.
    return {"RATELIMIT_ENABLED": False, "PROPAGATE_EXCEPTIONS": False}


@pytest.fixture
def sender(app: Flask) -> FlaskClient:
    return signed_in_everywhere(app)


def hostile_requests(rule: Rule, token: str, fields: set[str]) -> Iterator[dict[str, Any]]:
    """The requests to send to ``rule``, as keyword arguments of the test client's ``open``."""
    for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
        form = {"csrf_token": token} if method == "POST" else None
        for segment in HOSTILE_SEGMENTS.values():
            for path in concrete(rule, segment):
                yield {"path": path, "method": method, "data": form}
        [path] = concrete(rule)
        for value in HOSTILE_VALUES.values():
            values = dict.fromkeys(fields, value)
            if method == "POST":
                yield {"path": path, "method": method, "data": {**values, "csrf_token": token}}
            else:
                yield {"path": path, "method": method, "query_string": values}
        if method == "POST":
            yield {
                "path": path,
                "method": method,
                "data": b"--b\r\nContent-Disposition: form-data\r\n\r\nnameless\r\n--b--\r\n",
                "content_type": "multipart/form-data; boundary=b",
                "headers": {"X-CSRFToken": token},
            }


def test_no_route_fails_on_hostile_input(app: Flask, sender: FlaskClient) -> None:
    token = staff_csrf_token(sender, "/admin/account")
    fields = form_field_names()
    failures = []
    for rule in routes(app):
        for request in hostile_requests(rule, token, fields):
            try:
                with sender.open(**request) as response:  # a download streams a spooled file
                    status = str(response.status_code)
            except Exception as error:  # the error page itself failed
                status = type(error).__name__
            if not status.isdigit() or int(status) >= 500:
                failures.append(f"{status} {str(request)[:160]}")
    assert not failures, "\n".join(failures)


def test_an_odd_host_header_is_a_bad_request_on_every_route(app: Flask) -> None:
    # Straight to the WSGI app: the test client's cookie jar cannot parse such a host itself.
    for rule in routes(app):
        [path] = concrete(rule)
        for host in ODD_HOSTS:
            environ = EnvironBuilder(path=path, headers={"Host": host}).get_environ()
            body, status, _ = run_wsgi_app(app.wsgi_app, environ, buffered=True)
            assert status == "400 Bad Request", (host, path)
            assert b"Host header" in b"".join(body)


@pytest.mark.parametrize(
    ("method", "path", "data", "status"),
    [
        ("POST", "/webhooks/mollie/abc%00def", {"id": "tr_1"}, 404),
        ("GET", "/privacy-centre/profile/photos/%00", None, 404),
        ("POST", "/admin/sign-in", {"email": "studio@ivisualproductions.nl\x00"}, 400),
        ("GET", "/admin/messages?q=a%00b", None, 400),
        ("GET", "/admin/messages/C-AB%00CD-0001", None, 404),
        ("GET", "/admin/invoices/99999999999", None, 404),
        ("GET", "/admin/clients/2147483648", None, 404),
        ("GET", "/admin/invoices/0", None, 404),
    ],
)
def test_each_class_of_hostile_input_gets_its_answer(
    app: Flask, sender: FlaskClient, method: str, path: str, data: dict | None, status: int
) -> None:
    token = staff_csrf_token(sender, "/admin/account")
    form = {**(data or {}), "csrf_token": token} if method == "POST" else None
    response = sender.open(path, method=method, data=form, headers={"Accept-Language": "en"})
    assert response.status_code == status
    assert response.mimetype == "text/html"


def test_a_nameless_multipart_part_is_a_bad_request(app: Flask, sender: FlaskClient) -> None:
    token = staff_csrf_token(sender, "/admin/account")
    body = b"--b\r\nContent-Disposition: form-data\r\n\r\nnameless\r\n--b--\r\n"
    response = sender.post(
        "/contact",
        data=body,
        content_type="multipart/form-data; boundary=b",
        headers={"X-CSRFToken": token, "Accept-Language": "en"},
    )
    assert response.status_code == 400
    assert "The request could not be understood." in response.text
