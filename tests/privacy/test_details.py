"""Your details: the person corrects their record, and moves everything to another address."""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.privacy.helpers import HTMX, KNOWN, make_client, post, sign_in
from website.audit.models import AuditEvent
from website.clients.models import Client
from website.extensions import db
from website.mail.models import OutboxMessage
from website.privacy.models import PrivacyRequest, RequestKind

PANEL = "/privacy-centre/details"
NEW = "anna.new@example.nl"
CODE = re.compile(r"^[ \t]+(\d{8})\r?$", re.MULTILINE)


@pytest.fixture
def signed_in(app: Flask, client: FlaskClient) -> FlaskClient:
    make_client(app)
    sign_in(app, client)
    return client


def the_client(app: Flask, email: str = KNOWN) -> Client | None:
    with app.app_context():
        found = db.session.scalar(sa.select(Client).filter_by(email=email))
        if found is not None:
            db.session.expunge(found)
        return found


def details(**changes: str) -> dict[str, str]:
    return {
        "name": "Anna de Vries-Bos",
        "phone": "+31 6 1234 5678",
        "language": "nl",
        "address": "Kerkstraat 1\r\n3511 AB Utrecht",
        **changes,
    }


def code_mailed(app: Flask, address: str) -> str:
    with app.app_context():
        body = db.session.scalars(
            sa.select(OutboxMessage.text_body)
            .where(OutboxMessage.recipient == address)
            .order_by(OutboxMessage.id.desc())
        ).first()
    return CODE.search(body).group(1)


def test_the_panel_needs_a_verified_session(client: FlaskClient) -> None:
    assert client.get(PANEL).status_code == 303


def test_name_phone_language_and_address_change_at_once(app: Flask, signed_in: FlaskClient) -> None:
    page = html.unescape(signed_in.get(PANEL, headers={"Accept-Language": "en"}).text)
    assert 'value="Anna de Vries"' in page
    response = post(signed_in, PANEL, details(), token_from=PANEL)
    assert response.status_code == 303
    stored = the_client(app)
    assert (stored.name, stored.phone, stored.language, stored.address) == (
        "Anna de Vries-Bos",
        "+31 6 1234 5678",
        "nl",
        "Kerkstraat 1\r\n3511 AB Utrecht",
    )
    shown = html.unescape(signed_in.get(PANEL, headers={"Accept-Language": "en"}).text)
    assert "Your details are saved." in shown
    with app.app_context():
        assert (
            "client.corrected_by_person" in db.session.scalars(sa.select(AuditEvent.action)).all()
        )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": ""}, "Please give your name."),
        ({"phone": "call me"}, "Please use digits, spaces and + ( ) - only."),
        ({"language": "de"}, "Not a valid choice."),
        ({"address": "x" * 301}, "Please use at most 300 characters."),
    ],
)
def test_errors_are_shown_inline_and_nothing_changes(
    app: Flask, signed_in: FlaskClient, changes: dict[str, str], message: str
) -> None:
    response = post(signed_in, PANEL, details(**changes), token_from=PANEL)
    assert response.status_code == 422
    assert message in html.unescape(response.text)
    assert the_client(app).name == "Anna de Vries"


def test_htmx_gets_the_panel_only(signed_in: FlaskClient) -> None:
    response = signed_in.get(PANEL, headers={"Accept-Language": "en", **HTMX})
    assert "<html" not in response.text and 'id="details-form"' in response.text


def test_moving_to_another_address_with_the_code(app: Flask, signed_in: FlaskClient) -> None:
    response = post(signed_in, f"{PANEL}/email", {"email": NEW}, token_from=PANEL)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/privacy-centre/details/email")
    page = html.unescape(signed_in.get(f"{PANEL}/email", headers={"Accept-Language": "en"}).text)
    assert f"We have mailed a code to {NEW}." in page
    assert the_client(app, NEW) is None  # nothing moved yet
    wrong = post(
        signed_in, f"{PANEL}/email/check", {"code": "00000000"}, token_from=f"{PANEL}/email"
    )
    assert wrong.status_code == 422
    moved = post(
        signed_in,
        f"{PANEL}/email/check",
        {"code": code_mailed(app, NEW)},
        token_from=f"{PANEL}/email",
    )
    assert moved.status_code == 303
    assert the_client(app) is None and the_client(app, NEW) is not None
    shown = html.unescape(signed_in.get(PANEL, headers={"Accept-Language": "en"}).text)
    assert f"Your data is now held under {NEW}." in shown
    assert f"We hold your data under {NEW}." in shown  # the session moved with the data
    with app.app_context():
        kinds = db.session.scalars(
            sa.select(OutboxMessage.kind).where(OutboxMessage.recipient == KNOWN)
        ).all()
        assert "privacy/email_changed" in kinds


def test_the_same_address_again_is_refused_inline(app: Flask, signed_in: FlaskClient) -> None:
    response = post(signed_in, f"{PANEL}/email", {"email": KNOWN.upper()}, token_from=PANEL)
    assert response.status_code == 422
    assert "This is the address your data is held under already." in html.unescape(response.text)


def test_an_address_in_use_goes_to_staff_without_saying_so(
    app: Flask, signed_in: FlaskClient
) -> None:
    make_client(app, "taken@example.nl", "Someone Else")
    post(signed_in, f"{PANEL}/email", {"email": "taken@example.nl"}, token_from=PANEL)
    response = post(
        signed_in,
        f"{PANEL}/email/check",
        {"code": code_mailed(app, "taken@example.nl")},
        token_from=f"{PANEL}/email",
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/privacy-centre/requests")
    shown = html.unescape(signed_in.get("/privacy-centre/requests").text)
    assert "Our staff check this change" in shown
    assert "Someone Else" not in shown
    assert the_client(app) is not None  # nothing moved
    with app.app_context():
        [request] = db.session.scalars(sa.select(PrivacyRequest)).all()
        assert request.kind is RequestKind.CORRECTION


def test_without_a_change_under_way_the_code_page_leads_back(signed_in: FlaskClient) -> None:
    response = signed_in.get(f"{PANEL}/email")
    assert response.status_code == 303 and response.headers["Location"].endswith(PANEL)
