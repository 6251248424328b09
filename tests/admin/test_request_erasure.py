"""Carrying out an erasure from the request desk, and the recipients staff must tell."""

from __future__ import annotations

import html

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.admin.conftest import Post
from tests.factories import make_issued_invoice
from website.clients.models import Client
from website.extensions import db
from website.privacy.models import ErasureRecord, PrivacyRequest, RequestKind, RequestStatus
from website.privacy.requests import file_request

PERSON = "erase.me@example.nl"
EN = {"Accept-Language": "en"}


def erasure_request(app: Flask, kind: RequestKind = RequestKind.ERASURE) -> int:
    with app.test_request_context(headers=EN):
        make_issued_invoice(email=PERSON, name="Eva Erased", language="en")
        return file_request(PERSON, kind, "", language="en").id


def page(staff_client: FlaskClient, request_id: int) -> str:
    return html.unescape(staff_client.get(f"/admin/requests/{request_id}", headers=EN).text)


def test_the_request_page_shows_the_preview_and_who_received_the_data(
    app: Flask, staff_client: FlaskClient
) -> None:
    shown = page(staff_client, erasure_request(app))
    assert "Carry out the erasure" in shown and "Erase as shown" in shown
    assert "Invoices and payments" in shown and "Kept until" in shown
    assert "Who received the data (Art. 19 GDPR)" in shown
    assert "Mollie B.V." in shown


def test_a_complaint_shows_neither(app: Flask, staff_client: FlaskClient) -> None:
    shown = page(staff_client, erasure_request(app, RequestKind.COMPLAINT))
    assert "Carry out the erasure" not in shown
    assert "Who received the data" not in shown


def test_erasing_as_shown_answers_the_request_and_records_it(
    app: Flask, staff_client: FlaskClient, post: Post
) -> None:
    request_id = erasure_request(app)
    response = post(f"/admin/requests/{request_id}/erase")
    assert response.status_code == 303
    shown = page(staff_client, request_id)
    assert "is erased as shown" in shown
    assert "Carry out the erasure" not in shown
    with app.app_context():
        request = db.session.get(PrivacyRequest, request_id)
        assert request.status is RequestStatus.COMPLETED
        assert db.session.scalar(sa.select(ErasureRecord.request_id)) == request_id
        client = db.session.scalars(sa.select(Client)).one()
        assert client.erased_at is not None and client.email != PERSON
    again = post(f"/admin/requests/{request_id}/erase")
    assert again.status_code == 409
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ErasureRecord.id))) == 1


def test_only_an_erasure_request_can_be_erased_and_only_with_the_form_token(
    app: Flask, staff_client: FlaskClient, post: Post
) -> None:
    complaint = erasure_request(app, RequestKind.COMPLAINT)
    assert post(f"/admin/requests/{complaint}/erase").status_code == 404
    with app.test_request_context(headers=EN):
        erasure = file_request(PERSON, RequestKind.ERASURE, "", language="en").id
    assert staff_client.post(f"/admin/requests/{erasure}/erase").status_code == 400
    with app.app_context():
        assert db.session.scalars(sa.select(ErasureRecord)).all() == []
