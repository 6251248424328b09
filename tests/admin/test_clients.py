"""Clients in the back office: the searchable list, and everything about one client."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.admin.conftest import Post
from tests.conftest import PolicyFactory
from tests.contact.helpers import send
from website.admin.models import StaffMember
from website.audit.models import AuditEvent
from website.clients.models import Client
from website.contact.models import ContactMessage, ProductionKind
from website.contact.services import Submission, submit_message
from website.extensions import db
from website.invoices.models import Invoice
from website.invoices.services import LineInput, create_draft, issue
from website.mail.models import OutboxMessage, OutboxStatus

HTMX = {"HX-Request": "true"}
EN = {"Accept-Language": "en"}
CLIENT_LINK = re.compile(r'<a href="/admin/clients/(\d+)">')
START = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)


def make_client(
    app: Flask,
    name: str,
    email: str,
    created_at: datetime | None = None,
    language: str = "en",
) -> int:
    """A client, made the usual way: by a message through the contact form's service."""
    with app.app_context():
        message = submit_message(
            Submission(
                name=name,
                email=email,
                phone=None,
                production_kind=ProductionKind.VIDEO,
                preferred_date=None,
                message=f"A question from {name}.",
                newsletter=False,
                language=language,
            )
        )
        if created_at is not None:
            message.client.created_at = created_at
        db.session.commit()
        return message.client_id


def get(client: FlaskClient, url: str, **headers: str) -> TestResponse:
    return client.get(url, headers={**EN, **headers})


def listed(response: TestResponse) -> list[int]:
    return [int(found) for found in CLIENT_LINK.findall(response.text)]


def text_of(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def section(page: str, heading: str) -> str:
    """The part of the client page under the ``<h2>`` called ``heading``."""
    return page.split(f"<h2>{heading}</h2>", 1)[1].split("<h2>", 1)[0]


def items(fragment: str, tag: str) -> list[str]:
    return [text_of(found) for found in re.findall(rf"<{tag}>(.*?)</{tag}>", fragment, re.S)]


@pytest.fixture
def clients(app: Flask) -> dict[str, int]:
    return {
        "anna": make_client(app, "Anna de Vries", "anna@example.nl", START),
        "bram": make_client(app, "Bram Jansen", "bram.jansen@studio.example", START + timedelta(1)),
        "carla": make_client(
            app, "Carla Hannaford", "carla@example.org", START + timedelta(2), "nl"
        ),
    }


# --- the list --------------------------------------------------------------------------------


def test_the_list_shows_every_client_newest_first(
    clients: dict[str, int], staff_client: FlaskClient
) -> None:
    response = get(staff_client, "/admin/clients")
    assert response.status_code == 200
    assert listed(response) == [clients["carla"], clients["bram"], clients["anna"]]
    rows = items(response.text.split("<tbody>", 1)[1], "tr")
    assert rows[0].startswith("Carla Hannaford carla@example.org Nederlands ")
    assert rows[2].startswith("Anna de Vries anna@example.nl English ")
    assert '<time datetime="2025-01-06T08:00:00+00:00">' in response.text
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("anna", ["carla", "anna"]),  # a first name, and a part of a surname
        ("JANSEN", ["bram"]),  # a name, any case
        ("Example.ORG", ["carla"]),  # a part of an email address, any case
        ("studio.example", ["bram"]),
        ("  de vries ", ["anna"]),  # white space around the search is ignored
        ("nobody", []),
    ],
)
def test_search_by_name_or_email(
    clients: dict[str, int], staff_client: FlaskClient, query: str, expected: list[str]
) -> None:
    response = get(staff_client, f"/admin/clients?{urlencode({'q': query})}")
    assert response.status_code == 200
    assert listed(response) == [clients[key] for key in expected]
    if not expected:
        assert "No clients found." in response.text


def test_search_takes_like_wildcards_literally(app: Flask, staff_client: FlaskClient) -> None:
    underscore = make_client(app, "Jan de Wit", "jan_de@example.nl")
    letter = make_client(app, "Jan de Zwart", "janxde@example.nl")
    assert listed(get(staff_client, "/admin/clients?q=jan_de")) == [underscore]
    assert listed(get(staff_client, "/admin/clients?q=%25")) == []
    assert set(listed(get(staff_client, "/admin/clients?q=jan"))) == {underscore, letter}


def test_paging_25_per_page(app: Flask, staff_client: FlaskClient) -> None:
    ids = [
        make_client(app, f"Client {n:02d}", f"client{n}@example.nl", START + timedelta(hours=n))
        for n in range(27)
    ]
    newest_first = ids[::-1]
    first = get(staff_client, "/admin/clients")
    assert listed(first) == newest_first[:25]
    assert "Page 1 of 2" in first.text
    assert 'href="/admin/clients?page=2" hx-get="/admin/clients?page=2"' in first.text
    assert 'hx-target="#client-rows"' in first.text

    second = get(staff_client, "/admin/clients?page=2")
    assert listed(second) == newest_first[25:]
    assert "Page 2 of 2" in second.text

    searched = get(staff_client, "/admin/clients?q=client&page=2")
    assert listed(searched) == newest_first[25:]
    assert 'href="/admin/clients?q=client&amp;page=1"' in searched.text

    past_the_end = get(staff_client, "/admin/clients?page=9")
    assert past_the_end.status_code == 200
    assert listed(past_the_end) == []
    assert "No clients found." in past_the_end.text


def test_htmx_gets_only_the_rows(clients: dict[str, int], staff_client: FlaskClient) -> None:
    response = get(staff_client, "/admin/clients?q=bram", **HTMX)
    assert response.status_code == 200
    assert "<html" not in response.text and "site-header" not in response.text
    assert response.text.lstrip().startswith("<table")
    assert listed(response) == [clients["bram"]]
    assert "HX-Request" in response.vary
    full = get(staff_client, "/admin/clients?q=bram")
    assert full.text.startswith("<!doctype html>")
    assert 'id="client-rows"' in full.text and 'value="bram"' in full.text


# --- one client ------------------------------------------------------------------------------


def test_the_client_page_gathers_messages_consents_and_mail(
    app: Flask,
    client: FlaskClient,
    staff_client: FlaskClient,
    create_policy_version: PolicyFactory,
) -> None:
    create_policy_version(language="nl", body="Nederlandse tekst.\n")
    create_policy_version(language="en", body="English text.\n")
    assert send(client, language="en", newsletter="y").status_code == 303
    assert send(client, language="nl", message="Een tweede vraag.").status_code == 303
    send(client, name="Someone Else", email="else@example.org", newsletter="y")
    with app.app_context():
        anna = db.session.scalar(sa.select(Client).where(Client.email == "anna@example.nl"))
        anna_id = anna.id
        messages = db.session.scalars(
            sa.select(ContactMessage)
            .where(ContactMessage.client_id == anna_id)
            .order_by(ContactMessage.id)
        ).all()
        first, second = (message.reference for message in messages)
        other = db.session.scalar(
            sa.select(ContactMessage.reference).where(ContactMessage.name == "Someone Else")
        )
        subjects = dict(
            db.session.execute(
                sa.select(OutboxMessage.id, OutboxMessage.subject).where(
                    OutboxMessage.reference.in_([first, second])
                )
            ).all()
        )
        sent = min(subjects)
        db.session.get(OutboxMessage, sent).status = OutboxStatus.SENT
        db.session.commit()

    response = get(staff_client, f"/admin/clients/{anna_id}")
    assert response.status_code == 200
    page = response.text
    assert "<h1>Anna de Vries</h1>" in page
    assert '<a href="mailto:anna@example.nl">anna@example.nl</a>' in page
    assert "<dd>English</dd>" in page  # as first written: a later message changes no record

    message_items = items(section(page, "Messages"), "li")
    assert [item.split(" · ")[0] for item in message_items] == [second, first]
    assert all(item.endswith(" · New") for item in message_items)
    assert f'href="/admin/messages/{first}"' in page
    assert other not in page and "Someone Else" not in page

    consents = section(page, "Consents")
    rows = items(consents.split("<tbody>", 1)[1], "tr")
    assert len(rows) == 1
    assert rows[0].endswith("Newsletter given contact form June 8, 2019 (en)")
    assert 'href="/privacy-policy/2019-06-08"' in consents

    mail_items = items(section(page, "Mail"), "li")
    assert len(mail_items) == 4
    for subject in subjects.values():
        assert any(f" · {subject} · " in item for item in mail_items)
    assert sum(item.endswith(" · sent") for item in mail_items) == 1
    assert sum(item.endswith(" · queued") for item in mail_items) == 3
    assert "else@example.org" not in page


def test_a_client_without_consents_or_mail(app: Flask, staff_client: FlaskClient) -> None:
    client_id = make_client(app, "Quiet Quinten", "quinten@example.nl")
    with app.app_context():
        db.session.execute(sa.delete(OutboxMessage))
        db.session.commit()
    page = get(staff_client, f"/admin/clients/{client_id}").text
    assert "<h1>Quiet Quinten</h1>" in page
    assert "No consents given." in page
    assert "No mail." in page
    assert len(items(section(page, "Messages"), "li")) == 1


def test_a_consent_without_a_policy_version_shows_a_dash(
    app: Flask, client: FlaskClient, staff_client: FlaskClient
) -> None:
    assert send(client, newsletter="y").status_code == 303
    with app.app_context():
        client_id = db.session.scalar(sa.select(Client.id))
    consents = section(get(staff_client, f"/admin/clients/{client_id}").text, "Consents")
    [row] = items(consents.split("<tbody>", 1)[1], "tr")
    assert row.endswith("Newsletter given contact form –")


def test_the_client_page_shows_no_mail_of_a_look_alike_address(
    app: Flask, staff_client: FlaskClient
) -> None:
    underscore = make_client(app, "Jan de Wit", "jan_de@example.nl")
    look_alike = make_client(app, "Jan de Zwart", "janxde@example.nl")
    with app.app_context():
        [reference] = db.session.scalars(
            sa.select(ContactMessage.reference).where(ContactMessage.client_id == look_alike)
        )
    page = get(staff_client, f"/admin/clients/{underscore}").text
    assert reference not in page  # the acknowledgement to janxde@ names its reference
    assert len(items(section(page, "Mail"), "li")) == 2


def test_an_unknown_client_is_not_found(app: Flask, staff_client: FlaskClient) -> None:
    client_id = make_client(app, "Real Person", "real@example.nl")
    assert get(staff_client, f"/admin/clients/{client_id + 1000}").status_code == 404
    assert get(staff_client, "/admin/clients/not-a-number").status_code == 404


# --- correcting a client's details -----------------------------------------------------------


def test_staff_correct_a_clients_details_and_issued_invoices_keep_theirs(
    app: Flask, staff: StaffMember, staff_client: FlaskClient, post: Post
) -> None:
    client_id = make_client(app, "Anna de Vries", "anna@example.nl")
    with app.app_context():
        anna = db.session.get(Client, client_id)
        anna.address = "Kerkstraat 1, Utrecht"
        shoot = LineInput("Shoot", Decimal("1"), Decimal("100"), Decimal("21"))
        issued = issue(create_draft(anna, [shoot]), date(2026, 11, 2))
        issued_id, draft_id = issued.id, create_draft(anna, [shoot]).id
    page = get(staff_client, f"/admin/clients/{client_id}").text
    assert f'href="/admin/clients/{client_id}/edit"' in page
    form = get(staff_client, f"/admin/clients/{client_id}/edit").text
    assert 'value="Anna de Vries"' in form and "Kerkstraat 1, Utrecht</textarea>" in form

    saved = post(
        f"/admin/clients/{client_id}/edit",
        {
            "name": " Anna Jansen ",
            "language": "nl",
            "address": "Dorpsweg 2\n1234 AB Houten",
            "company_name": "",
            "vat_id": "NL 8547.91.346.B01",
        },
    )
    assert saved.status_code == 303
    assert saved.headers["Location"] == f"/admin/clients/{client_id}"
    with app.app_context():
        anna = db.session.get(Client, client_id)
        assert (anna.name, anna.language, anna.address, anna.company_name, anna.vat_id) == (
            "Anna Jansen",
            "nl",
            "Dorpsweg 2\n1234 AB Houten",
            None,
            "NL854791346B01",
        )
        assert db.session.get(Invoice, issued_id).billed_to.name == "Anna de Vries"
        assert db.session.get(Invoice, draft_id).billed_to.name == "Anna Jansen"
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action.startswith("client."))
        ).one()
        assert (event.staff_member_id, event.action, event.object_id) == (
            staff.id,
            "client.updated",
            str(client_id),
        )
    page = get(staff_client, f"/admin/clients/{client_id}").text
    assert "The details are saved." in page and "<h1>Anna Jansen</h1>" in page


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", ""),
        ("name", "A\nB"),
        ("vat_id", "123"),
        ("vat_id", "NL123456789B01"),  # one digit off: the check digit fails
        ("vat_id", "DE12345678"),  # a digit short
        ("language", "de"),
        ("address", "a\x07"),
    ],
)
def test_bad_details_get_inline_errors_and_change_nothing(
    app: Flask, post: Post, field: str, value: str
) -> None:
    client_id = make_client(app, "Anna de Vries", "anna@example.nl")
    details = {"name": "Anna", "language": "en", "address": "", "company_name": "", "vat_id": ""}
    response = post(f"/admin/clients/{client_id}/edit", {**details, field: value})
    assert response.status_code == 422
    assert f'<p class="field__error" id="{field}-error">' in response.text
    with app.app_context():
        assert db.session.get(Client, client_id).name == "Anna de Vries"
        assert (
            db.session.scalars(
                sa.select(AuditEvent).where(AuditEvent.action.startswith("client."))
            ).all()
            == []
        )


def test_an_unknown_client_is_404(staff_client: FlaskClient, post: Post) -> None:
    assert get(staff_client, "/admin/clients/999/edit").status_code == 404
    assert post("/admin/clients/999/edit", {"name": "X", "language": "en"}).status_code == 404
