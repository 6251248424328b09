"""Erasure and restriction asked for in the centre: the preview first, then the request."""

from __future__ import annotations

import html

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.privacy.helpers import HTMX, KNOWN, make_client, post, sign_in
from website.admin.models import StaffMember
from website.extensions import db
from website.mail.models import OutboxMessage, OutboxStatus
from website.mail.services import queue_mail
from website.privacy.erasure import execute_erasure
from website.privacy.models import PrivacyRequest, RequestKind
from website.restrictions.models import RestrictionGround
from website.restrictions.services import restriction_of

PANEL = "/privacy-centre/requests"


@pytest.fixture
def signed_in(app: Flask, client: FlaskClient) -> FlaskClient:
    make_client(app)
    sign_in(app, client)
    return client


def requests(app: Flask) -> list[PrivacyRequest]:
    with app.app_context():
        found = list(db.session.scalars(sa.select(PrivacyRequest).order_by(PrivacyRequest.id)))
        db.session.expunge_all()
        return found


def page(client: FlaskClient, url: str, **headers: str) -> str:
    return html.unescape(client.get(url, headers={"Accept-Language": "en", **headers}).text)


class TestErasure:
    URL = f"{PANEL}/erasure"

    def test_the_page_shows_what_goes_and_what_stays_for_this_person(
        self, signed_in: FlaskClient
    ) -> None:
        shown = page(signed_in, self.URL)
        assert "What erasing your data would do" in shown
        assert "Your client record" in shown and "Erased" in shown
        assert "Backups" in shown and "Kept until" in shown
        assert "Objection to direct marketing" in shown and "Kept for good" in shown
        assert "you will be signed out" in shown

    def test_without_the_tick_nothing_is_asked(self, app: Flask, signed_in: FlaskClient) -> None:
        response = post(signed_in, self.URL, {"details": ""}, token_from=self.URL)
        assert response.status_code == 422
        assert "Please tick the box to confirm." in html.unescape(response.text)
        assert requests(app) == []

    def test_confirming_files_one_erasure_request(self, app: Flask, signed_in: FlaskClient) -> None:
        for _ in range(2):  # a double click
            response = post(signed_in, self.URL, {"confirm": "y"}, token_from=self.URL)
            assert response.status_code == 303
        [request] = requests(app)
        assert (request.kind, request.email) == (RequestKind.ERASURE, KNOWN)
        assert f"Erasure · {request.reference}" in page(signed_in, PANEL)

    def test_htmx_gets_the_preview_as_a_panel(self, signed_in: FlaskClient) -> None:
        response = signed_in.get(self.URL, headers={"Accept-Language": "en", **HTMX})
        assert response.status_code == 200
        assert "<html" not in response.text and 'id="erasure-preview"' in response.text


class TestRestriction:
    URL = f"{PANEL}/restriction"

    def test_a_ground_is_needed(self, app: Flask, signed_in: FlaskClient) -> None:
        response = post(signed_in, self.URL, {"details": "x"}, token_from=self.URL)
        assert response.status_code == 422
        assert "Please choose why." in html.unescape(response.text)
        bogus = post(signed_in, self.URL, {"ground": "whim"}, token_from=self.URL)
        assert bogus.status_code == 422
        assert requests(app) == []

    def test_it_is_in_force_at_once_and_holds_the_persons_mail(
        self, app: Flask, signed_in: FlaskClient
    ) -> None:
        response = post(
            signed_in,
            self.URL,
            {"ground": "legal_claim", "details": "I need the invoices for a dispute."},
            token_from=self.URL,
        )
        assert response.status_code == 303
        [request] = requests(app)
        assert request.kind is RequestKind.RESTRICTION
        with app.test_request_context():
            restriction = restriction_of(KNOWN)
            assert restriction is not None
            assert restriction.ground is RestrictionGround.LEGAL_CLAIM
            held = queue_mail(
                "contact/acknowledgement",
                to=KNOWN,
                subject="x",
                language="en",
                contact_reference="C-TEST-0001",
            )
            assert held.status is OutboxStatus.RESTRICTED
            ack = db.session.scalars(
                sa.select(OutboxMessage).where(OutboxMessage.kind == "privacy/request_received")
            ).one()
            assert ack.status is OutboxStatus.QUEUED
        assert "Restriction of processing" in page(signed_in, PANEL)


def test_an_erasure_carried_out_mid_session_ends_that_session(
    app: Flask, signed_in: FlaskClient
) -> None:
    """The person is still reading their data when staff erase it: the next page is the start."""
    assert signed_in.get("/privacy-centre/data").status_code == 200
    post(signed_in, f"{PANEL}/erasure", {"confirm": "y"}, token_from=f"{PANEL}/erasure")
    with app.test_request_context(headers={"Accept-Language": "en"}):
        member = StaffMember(email="desk@ivisualproductions.nl", password_hash="x")
        db.session.add(member)
        db.session.commit()
        [request] = db.session.scalars(sa.select(PrivacyRequest)).all()
        execute_erasure(request, staff_id=member.id)
    after = signed_in.get("/privacy-centre/data", headers={"Accept-Language": "en"})
    assert after.status_code == 303
    assert after.headers["Location"].endswith("/privacy-centre")
    start = signed_in.get(after.headers["Location"], headers={"Accept-Language": "en"})
    assert "Your session has ended." in html.unescape(start.text)
