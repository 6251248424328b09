"""The staff side of the privacy centre: the take-down queue and the client's privacy data."""

from __future__ import annotations

import io
from collections.abc import Callable

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import PolicyFactory
from tests.privacy.helpers import KNOWN, make_client
from tests.privacy.helpers import post as subject_post
from tests.privacy.helpers import sign_in as verify
from tests.privacy.images import webp
from website.audit.models import AuditEvent
from website.extensions import db
from website.privacy.models import RemovalRequest

EN = {"Accept-Language": "en"}


def withdraw_after_giving(app: Flask, purpose: str) -> int:
    """The person gives, then withdraws, in the privacy centre; returns their client id."""
    client_id = make_client(app)
    browser = app.test_client()
    verify(app, browser)
    for action in ("give", "withdraw"):
        subject_post(
            browser,
            f"/privacy-centre/consents/{purpose}/{action}",
            token_from="/privacy-centre/consents",
        )
    return client_id


def test_withdrawn_portfolio_consent_waits_in_the_take_down_queue(
    app: Flask,
    staff_client: FlaskClient,
    post: Callable,
    create_policy_version: PolicyFactory,
) -> None:
    create_policy_version()
    client_id = withdraw_after_giving(app, "portfolio")
    page = staff_client.get("/admin/removals", headers=EN).text
    assert "Remove their photos from the portfolio" in page
    assert f'<a href="/admin/clients/{client_id}">{KNOWN}</a>' in page
    with app.app_context():
        item_id = db.session.scalar(sa.select(RemovalRequest.id))

    response = post(f"/admin/removals/{item_id}/done")
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/removals"
    page = staff_client.get("/admin/removals", headers=EN).text
    assert "The take-down is marked as done." in page
    assert "Nothing to take down." in page
    with app.app_context():
        item = db.session.get(RemovalRequest, item_id)
        assert item.done_at is not None and item.done_by_id is not None
        event = db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "privacy.removal_done")
        )
        assert (event.object_type, event.object_id, event.staff_member_id) == (
            "privacy_removal",
            str(item_id),
            item.done_by_id,
        )
    assert post(f"/admin/removals/{item_id}/done").status_code == 404, "done once"


def test_partner_withdrawal_asks_staff_to_tell_the_partners(
    app: Flask, staff_client: FlaskClient, create_policy_version: PolicyFactory
) -> None:
    create_policy_version()
    withdraw_after_giving(app, "partners")
    assert "Tell the partners" in staff_client.get("/admin/removals", headers=EN).text


def test_the_client_page_shows_consents_with_history_and_the_profile(
    app: Flask, staff_client: FlaskClient, create_policy_version: PolicyFactory
) -> None:
    create_policy_version()
    client_id = make_client(app)
    browser = app.test_client()
    verify(app, browser)
    subject_post(
        browser,
        "/privacy-centre/consents/social_media/give",
        token_from="/privacy-centre/consents",
    )
    subject_post(
        browser,
        "/privacy-centre/consents/stop-marketing",
        token_from="/privacy-centre/consents",
    )
    subject_post(
        browser,
        "/privacy-centre/profile",
        {"preferences": "Golden hour, outdoors", "interests": "Family portraits"},
        token_from="/privacy-centre/profile",
    )
    subject_post(
        browser,
        "/privacy-centre/profile/photos",
        {"photo": (io.BytesIO(webp()), "x.webp")},
        token_from="/privacy-centre/profile",
        content_type="multipart/form-data",
    )
    page = staff_client.get(f"/admin/clients/{client_id}", headers=EN).text
    assert "Social media: <strong>Given</strong>" in page
    assert "Portfolio: Not given" in page
    assert "Objected to direct marketing" in page
    assert "privacy centre" in page, "the history names the channel"
    assert "Golden hour, outdoors" in page and "Family portraits" in page
    assert "One sample photo uploaded." in page
