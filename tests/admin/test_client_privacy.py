"""The client page and a person's rights: a restriction in force, lifting it, an erased client."""

from __future__ import annotations

import html

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.admin.conftest import Post
from tests.factories import make_issued_invoice
from website.admin.models import StaffMember
from website.audit.models import AuditEvent
from website.clients.models import Client
from website.clients.services import client_for
from website.extensions import db
from website.mail.models import OutboxMessage
from website.privacy.erasure import execute_erasure
from website.privacy.models import RequestKind
from website.privacy.requests import ask_restriction, file_request
from website.restrictions.models import RestrictionGround
from website.restrictions.services import is_restricted

PERSON = "rosa@example.nl"
EN = {"Accept-Language": "en"}


def restricted_client(app: Flask) -> int:
    with app.test_request_context(headers=EN):
        client = client_for(PERSON, "Rosa Restrict", "en")
        db.session.commit()
        ask_restriction(PERSON, RestrictionGround.ACCURACY, "Wrong address.", language="en")
        return client.id


def page(staff_client: FlaskClient, client_id: int) -> str:
    return html.unescape(staff_client.get(f"/admin/clients/{client_id}", headers=EN).text)


def test_the_client_page_says_processing_is_restricted_and_why(
    app: Flask, staff_client: FlaskClient
) -> None:
    client_id = restricted_client(app)
    shown = page(staff_client, client_id)
    assert "Processing is restricted (Art. 18 GDPR)." in shown
    assert "I contest that my data is correct, while you check it" in shown
    assert "send no mail" in shown
    with app.app_context():
        client_for("free@example.nl", "Free", "en")
        db.session.commit()
        free_id = db.session.scalar(sa.select(Client.id).filter_by(email="free@example.nl"))
    assert "Processing is restricted" not in page(staff_client, free_id)


def test_lifting_it_tells_the_person_and_is_audited(
    app: Flask, staff_client: FlaskClient, post: Post
) -> None:
    client_id = restricted_client(app)
    response = post(f"/admin/clients/{client_id}/lift-restriction")
    assert response.status_code == 303
    assert "The restriction is lifted" in page(staff_client, client_id)
    assert "Processing is restricted" not in page(staff_client, client_id)
    with app.app_context():
        assert not is_restricted(PERSON)
        kinds = db.session.scalars(
            sa.select(OutboxMessage.kind).where(OutboxMessage.recipient == PERSON)
        ).all()
        assert "privacy/restriction_lifted" in kinds
        actions = db.session.scalars(sa.select(AuditEvent.action)).all()
        assert actions.count("privacy_restriction.lifted") == 1
    again = post(f"/admin/clients/{client_id}/lift-restriction")
    assert again.status_code == 303
    assert "There is no restriction in force for this client." in page(staff_client, client_id)


def test_lifting_needs_the_form_token(app: Flask, staff_client: FlaskClient) -> None:
    client_id = restricted_client(app)
    assert staff_client.post(f"/admin/clients/{client_id}/lift-restriction").status_code == 400
    with app.app_context():
        assert is_restricted(PERSON)


def test_an_erased_clients_page_says_the_record_is_kept_for_the_books(
    app: Flask, staff_client: FlaskClient, staff: StaffMember
) -> None:
    with app.test_request_context(headers=EN):
        invoice, _token = make_issued_invoice(email=PERSON, name="Rosa Restrict", language="en")
        client_id = invoice.client_id
        request = file_request(PERSON, RequestKind.ERASURE, "", language="en")
        execute_erasure(request, staff_id=staff.id)
    shown = page(staff_client, client_id)
    assert "This person's data was erased on" in shown
    assert "use them for nothing else" in shown
    assert PERSON not in shown and "Rosa" not in shown
