"""The "Your data" panel: every category from the register, with what we hold in it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.privacy.helpers import KNOWN, make_client, sign_in
from website.clients.models import Client
from website.contact.models import ProductionKind
from website.contact.services import Submission, submit_message
from website.extensions import db
from website.invoices.services import LineInput, create_draft, issue
from website.mail.services import deliver_due
from website.privacy.register import CATEGORIES
from website.privacy.subject import RECORDS


@pytest.fixture
def history(app: Flask) -> None:
    """A message (with newsletter consent) and an issued invoice for the known address."""
    with app.app_context():
        submit_message(
            Submission(
                name="Anna de Vries",
                email="Anna@Example.nl",
                phone=None,
                production_kind=ProductionKind.PHOTO,
                preferred_date=None,
                message="A family shoot in the dunes, please.",
                newsletter=True,
                language="en",
            )
        )
        client = db.session.scalar(db.select(Client).where(Client.email == KNOWN))
        client.address = "Kerkstraat 1\n1234 AB Utrecht"
        invoice = create_draft(
            client, [LineInput("Family shoot", Decimal("1"), Decimal("400.00"), Decimal("21"))]
        )
        issue(invoice, today=date(2026, 11, 2))
    make_client(app, "other@example.nl", "Someone Else")


def test_every_category_of_the_register_has_a_fetcher() -> None:
    assert [category.key for category in CATEGORIES] == list(RECORDS)
    keys = [category.key for category in CATEGORIES]
    assert len(keys) == len(set(keys))


def test_the_register_marks_every_legitimate_interest() -> None:
    """The objection form lists what the register says rests on Art. 6(1)(f), no more."""
    for category in CATEGORIES:
        assert category.legitimate_interest == ("6(1)(f)" in str(category.legal_basis)), (
            category.key
        )


@pytest.mark.usefixtures("history")
def test_the_panel_shows_every_category_with_its_article_15_information(
    app: Flask, client: FlaskClient
) -> None:
    sign_in(app, client)
    page = client.get("/privacy-centre/data").text
    for category in CATEGORIES:
        with app.test_request_context(headers={"Accept-Language": "en"}):
            about = category.about()
        for text in about.values():
            assert text.replace("'", "&#39;") in page, text
    assert "A family shoot in the dunes, please." in page
    assert "Family shoot: 1 × €400.00, VAT 21%" in page
    assert "€484.00" in page
    assert "Newsletter" in page and "contact form" in page
    assert "Someone Else" not in page and "other@example.nl" not in page
    assert "Your privacy requests and complaints" in page


@pytest.mark.usefixtures("history")
@pytest.mark.parametrize(
    ("language", "shown", "raw"),
    [
        (
            "nl",
            [
                "Family shoot: 1 × € 400,00, btw 21%",
                "€ 484,00",
                "Aanbetaling: € 242,00, uiterlijk op 2 november 2026",
                "English",  # the client's language, by its own name
                "verstuurd",
            ],
            ["484.00", "2026-11-02", "deposit 242", ">sent<", ">queued<"],
        ),
        (
            "en",
            [
                "€484.00",
                "Deposit: €242.00, due on November 2, 2026",
                "Balance: €242.00",
                "English",
            ],
            ["484.00 ", "2026-11-02<", "deposit 242"],
        ),
    ],
)
def test_the_panel_shows_values_as_people_read_them(
    app: Flask, client: FlaskClient, language: str, shown: list[str], raw: list[str]
) -> None:
    """Euros, dates and the visitor's language, as everywhere else; the download keeps the
    machine values."""
    sign_in(app, client)
    with app.app_context():
        deliver_due()
    page = client.get("/privacy-centre/data", headers={"Accept-Language": language}).text
    page = page.replace("\xa0", " ")  # Dutch amounts have a no-break space after the €
    for text in shown:
        assert text in page, text
    for text in raw:
        assert text not in page, text


def test_an_address_with_little_data_sees_what_is_empty(app: Flask, client: FlaskClient) -> None:
    make_client(app)
    sign_in(app, client)
    page = client.get("/privacy-centre/data").text
    assert page.count("We hold nothing of this kind about you.") >= 5


def test_the_panel_is_a_fragment_for_htmx(app: Flask, client: FlaskClient) -> None:
    make_client(app)
    sign_in(app, client)
    fragment = client.get("/privacy-centre/data", headers={"HX-Request": "true"})
    assert fragment.text.startswith('<section id="privacy-panel"')
    assert 'aria-current="page"' in fragment.text
    assert "HX-Request" in fragment.headers["Vary"]


def test_the_panel_is_in_dutch_too(app: Flask, client: FlaskClient) -> None:
    make_client(app)
    sign_in(app, client)
    page = client.get("/privacy-centre/data", headers={"Accept-Language": "nl"}).text
    assert "Uw gegevens" in page
    assert "Facturen en betalingen" in page
