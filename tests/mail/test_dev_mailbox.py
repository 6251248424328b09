"""The development mailbox: mail kept in a Maildir and shown at /dev/mailbox."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from tests.contact.helpers import send
from tests.smtp import SmtpServer
from website import create_app
from website.mail.services import deliver_due


def test_sent_mail_appears_in_the_development_mailbox(app: Flask, client: FlaskClient) -> None:
    send(client)
    with app.app_context():
        assert deliver_due().sent == 2
    listing = client.get("/dev/mailbox", headers={"Accept-Language": "en"}).text
    subjects = re.findall(r'<a href="(/dev/mailbox/[^"]+)">([^<]+)</a>', listing)
    assert sorted(subject.split(" (")[0] for _, subject in subjects) == [
        "Nieuw bericht via het contactformulier",
        "We received your message",
    ]
    link = next(href for href, subject in subjects if subject.startswith("We received"))
    detail = client.get(link).text
    assert "<dt>Auto-Submitted</dt><dd>auto-replied</dd>" in detail
    assert "We received your message (reference C-" in detail
    html = client.get(link + "/html")
    assert html.headers["Content-Security-Policy"].startswith("sandbox;")
    assert "<p>Hello,</p>" in html.text


def test_an_unknown_message_is_not_found(client: FlaskClient) -> None:
    assert client.get("/dev/mailbox/no-such-key").status_code == 404
    assert client.get("/dev/mailbox/no-such-key/html").status_code == 404


def test_there_is_no_mailbox_when_mail_goes_out_by_smtp(
    database_url: str, smtp_server: SmtpServer
) -> None:
    from tests.conftest import make_config

    app = create_app(make_config(database_url, **smtp_server.config))
    assert app.test_client().get("/dev/mailbox").status_code == 404
