"""Sending the contact form the way a browser does: tokens from the page, then a POST."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

VALID = {
    "name": "Anna de Vries",
    "email": "Anna@Example.nl",
    "phone": "+31 6 1234 5678",
    "production_kind": "photo",
    "preferred_date": "",
    "message": "We would like a family shoot in the dunes this summer.",
    "website": "",
}
HTMX = {"HX-Request": "true", "HX-Target": "contact-form"}


def form_tokens(client: FlaskClient, language: str = "en") -> dict[str, str]:
    page = client.get("/contact", headers={"Accept-Language": language}).text
    tokens = {}
    for name in ("csrf_token", "started"):
        match = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', page)
        assert match, f"the form has a {name} field"
        tokens[name] = match.group(1)
    return tokens


def send(
    client: FlaskClient,
    language: str = "en",
    htmx: bool = False,
    remote_addr: str = "127.0.0.1",
    **changes: Any,
) -> TestResponse:
    """POST the form with valid values, changed by ``changes`` (None leaves a field out)."""
    data = {**form_tokens(client, language), **VALID, **changes}
    data = {key: value for key, value in data.items() if value is not None}
    headers = {"Accept-Language": language, **(HTMX if htmx else {})}
    return client.post(
        "/contact", data=data, headers=headers, environ_base={"REMOTE_ADDR": remote_addr}
    )
