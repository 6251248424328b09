"""Using the privacy centre the way a browser does: tokens from the page, then a POST."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from website.clients.services import client_for
from website.extensions import db
from website.mail.models import OutboxMessage, OutboxStatus

KNOWN = "anna@example.nl"
UNKNOWN = "nobody@example.nl"
HTMX = {"HX-Request": "true", "HX-Target": "privacy-panel"}
CODE = re.compile(r"^[ \t]+(\d{8})\r?$", re.MULTILINE)
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def make_client(app: Flask, email: str = KNOWN, name: str = "Anna de Vries") -> int:
    """A client the studio knows by ``email``; returns its id."""
    with app.app_context():
        client = client_for(email, name, "en")
        db.session.commit()
        return client.id


def csrf_token(client: FlaskClient, url: str = "/privacy-centre") -> str:
    page = client.get(url, headers={"Accept-Language": "en"}, follow_redirects=True)
    match = CSRF.search(page.text)
    assert match, f"{url} has a CSRF token"
    return match.group(1)


def post(
    client: FlaskClient,
    url: str,
    data: dict | None = None,
    htmx: bool = False,
    remote_addr: str = "127.0.0.1",
    token_from: str = "/privacy-centre",  # noqa: S107 (a page, not a password)
    **kwargs,
) -> TestResponse:
    """POST with the session's CSRF token, in English."""
    headers = {"Accept-Language": "en", **(HTMX if htmx else {})}
    return client.post(
        url,
        data={"csrf_token": csrf_token(client, token_from), **(data or {})},
        headers=headers,
        environ_base={"REMOTE_ADDR": remote_addr},
        **kwargs,
    )


def ask_code(client: FlaskClient, email: str = KNOWN, **kwargs) -> TestResponse:
    return post(client, "/privacy-centre/code", {"email": email}, **kwargs)


def mailed_codes(app: Flask, email: str = KNOWN) -> list[str]:
    """The codes in the outbox for ``email`` that will be sent, oldest first."""
    with app.app_context():
        bodies = db.session.scalars(
            sa.select(OutboxMessage.text_body)
            .where(
                OutboxMessage.recipient == email,
                OutboxMessage.kind == "privacy/code",
                OutboxMessage.status != OutboxStatus.SUPPRESSED,
            )
            .order_by(OutboxMessage.id)
        ).all()
    return [CODE.search(body).group(1) for body in bodies]


def check(client: FlaskClient, code: str, **kwargs) -> TestResponse:
    return post(client, "/privacy-centre/code/check", {"code": code}, **kwargs)


def sign_in(app: Flask, client: FlaskClient, email: str = KNOWN) -> None:
    """Go through the whole verification; the client ends up with a verified session."""
    assert ask_code(client, email).status_code == 303
    response = check(client, mailed_codes(app, email)[-1])
    assert response.status_code == 303, response.text
    assert response.headers["Location"] == "/privacy-centre/data"
