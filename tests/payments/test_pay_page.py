"""The pay-by-link page: the whole invoice for whoever holds the link, and nothing for others."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from babel.dates import format_date
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import make_issued_invoice
from website.clock import studio_today, utcnow
from website.extensions import db
from website.invoices.models import Invoice
from website.invoices.services import new_pay_link, revoke_pay_links

DELIVERY = studio_today() + timedelta(days=10)  # the balance is due 14 days later


@pytest.fixture
def token(app: Flask) -> str:
    with app.app_context():
        lines = (("Family shoot, 2 hours", "1", "1000.00", "21"), ("Art print", "2", "50", "9"))
        return make_issued_invoice(lines=lines, delivery_date=DELIVERY)[1]


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "nl",
            [
                "Factuur {year}-",
                "Factuurdatum",
                "KvK-nummer: 12345678",
                "Btw-nummer: NL000099998B57",
                "IBAN: NL91 ABNA 0417 1643 00",
                "Anna de Vries",
                "Kerkstraat 1, 1234 AB Utrecht",
                "€ 1.000,00",
                "Btw 21% € 210,00",
                "Btw 9% € 9,00",
                "Totaal inclusief btw € 1.319,00",
                "Aanbetaling",
                "€ 659,50",
                "{balance_due}",
            ],
        ),
        (
            "en",
            [
                "Invoice {year}-",
                "Invoice date",
                "KvK number: 12345678",
                "VAT number: NL000099998B57",
                "€1,000.00",
                "VAT 21% €210.00",
                "Total including VAT €1,319.00",
                "Deposit",
                "€659.50",
                "{balance_due}",
            ],
        ),
    ],
)
def test_the_whole_invoice_in_the_visitors_language(
    client: FlaskClient, token: str, language: str, expected: list[str]
) -> None:
    response = client.get(f"/pay/{token}", headers={"Accept-Language": language})
    assert response.status_code == 200
    page = text(response.get_data(as_text=True))
    balance_due = format_date(DELIVERY + timedelta(days=14), "long", locale=language)
    for fragment in expected:
        fragment = fragment.format(year=studio_today().year, balance_due=balance_due)
        assert fragment in page, fragment
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Robots-Tag"] == "noindex"


URL_SAFE_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43,}$")  # 32 random bytes or more, base64url


def test_the_token_is_long_random_and_not_the_number(app: Flask, token: str) -> None:
    assert len(token) >= 43  # 32 random bytes, base64
    with app.app_context():
        invoice = db.session.scalars(sa.select(Invoice)).one()
        assert invoice.number not in token and str(invoice.id) != token
        second = new_pay_link(invoice)
        db.session.commit()
    assert second != token, "each link gets a fresh random token"
    assert URL_SAFE_TOKEN.match(token) and URL_SAFE_TOKEN.match(second)


def test_unknown_and_revoked_links_get_the_same_404(
    app: Flask, client: FlaskClient, token: str
) -> None:
    statements: list[str] = []
    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    unknown = client.get("/pay/" + "x" * 43, headers={"Accept-Language": "en"})
    unknown_statements = list(statements)
    with app.app_context():
        revoke_pay_links(db.session.scalars(sa.select(Invoice)).one())
        db.session.commit()
    statements.clear()
    revoked = client.get(f"/pay/{token}", headers={"Accept-Language": "en"})
    assert unknown.status_code == revoked.status_code == 404
    # The same page, but for the path in the language switch's links.
    assert unknown.get_data(as_text=True).replace("x" * 43, token) == revoked.get_data(as_text=True)
    assert "info@ivisualproductions.nl" in unknown.get_data(as_text=True)
    assert "newer one" in unknown.get_data(as_text=True)
    assert statements == unknown_statements, "the same work for unknown and revoked tokens"


def test_a_new_link_revokes_the_old_one(app: Flask, client: FlaskClient, token: str) -> None:
    with app.app_context():
        fresh = new_pay_link(db.session.scalars(sa.select(Invoice)).one())
        db.session.commit()
    assert client.get(f"/pay/{token}").status_code == 404
    assert client.get(f"/pay/{fresh}").status_code == 200


def test_a_paid_invoice_has_no_pay_button(app: Flask, client: FlaskClient, token: str) -> None:
    with app.app_context():
        invoice = db.session.scalars(sa.select(Invoice)).one()
        for part in invoice.installments:
            part.paid_at = utcnow()
        db.session.commit()
    page = client.get(f"/pay/{token}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Pay now" not in page
    assert 'action="/pay/' not in page


@pytest.mark.parametrize(
    ("deposit_paid", "balance_due_on", "expected"),
    [
        (False, "later", "Pay now Due now: the deposit of €659.50."),
        (True, "later", "Next payment The balance of €659.50 is due on "),
        (True, None, "Next payment The balance of €659.50 is due 14 days after delivery;"),
        (True, "today", "Pay now Due now: the balance of €659.50."),
    ],
)
def test_a_part_is_called_due_only_when_it_is(
    app: Flask,
    client: FlaskClient,
    token: str,
    deposit_paid: bool,
    balance_due_on: str | None,
    expected: str,
) -> None:
    today = studio_today()
    with app.app_context():
        deposit, balance = db.session.scalars(sa.select(Invoice)).one().installments
        deposit.paid_at = utcnow() if deposit_paid else None
        balance.due_on = {"later": today + timedelta(days=9), "today": today, None: None}[
            balance_due_on
        ]
        db.session.commit()
    page = text(client.get(f"/pay/{token}", headers={"Accept-Language": "en"}).text)
    assert expected in page
    assert 'name="installment"' in client.get(f"/pay/{token}").text, "paying early is fine"


@pytest.mark.parametrize(
    ("language", "later", "now"),
    [
        ("en", "Next payment €477.95 is due on ", "Pay now Due now: €477.95."),
        ("nl", "Volgende betaling Te betalen: € 477,95, uiterlijk op ", "Nu te betalen: € 477,95."),
    ],
)
def test_a_single_payment_is_not_named_a_part(
    app: Flask, client: FlaskClient, language: str, later: str, now: str
) -> None:
    with app.app_context():
        single = make_issued_invoice(deposit_percent=100, email="s@example.nl")[1]
    page = text(client.get(f"/pay/{single}", headers={"Accept-Language": language}).text)
    assert later in page
    with app.app_context():
        [part] = db.session.scalars(sa.select(Invoice)).one().installments
        part.due_on = studio_today()
        db.session.commit()
    page = text(client.get(f"/pay/{single}", headers={"Accept-Language": language}).text)
    assert now in page and "(betaling)" not in page


def test_paying_without_a_form_token_is_refused(client: FlaskClient, token: str) -> None:
    response = client.post(f"/pay/{token}", data={"installment": "1"})
    assert response.status_code == 400


def test_the_bank_transfer_qr_code(app: Flask, client: FlaskClient, token: str) -> None:
    page = client.get(f"/pay/{token}", headers={"Accept-Language": "en"}).text
    assert f'src="/pay/{token}/transfer-qr.svg"' in page
    assert "<dt>IBAN</dt><dd>NL91 ABNA 0417 1643 00</dd>" in page  # grouped to be typed
    response = client.get(f"/pay/{token}/transfer-qr.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    with app.app_context():
        invoice = db.session.scalars(sa.select(Invoice)).one()
        assert f"<title>{invoice.number}</title>" in response.text
        for part in invoice.installments:
            part.paid_at = utcnow()
        db.session.commit()
    assert client.get(f"/pay/{token}/transfer-qr.svg").status_code == 404
    assert client.get("/pay/" + "x" * 43 + "/transfer-qr.svg").status_code == 404


@pytest.mark.parametrize(
    ("endpoint", "checkout"),
    [
        ("http://127.0.0.1:5001", "http://127.0.0.1:5001"),
        ("https://api.mollie.com", "https://www.mollie.com"),
    ],
)
def test_the_pay_buttons_redirect_to_mollie_is_allowed(
    app: Flask, client: FlaskClient, token: str, endpoint: str, checkout: str
) -> None:
    app.config["MOLLIE_API_ENDPOINT"] = endpoint
    policy = client.get(f"/pay/{token}").headers["Content-Security-Policy"]
    assert f"form-action 'self' {checkout};" in policy
    assert "script-src 'self';" in policy
    elsewhere = client.get("/contact").headers["Content-Security-Policy"]
    assert "form-action 'self';" in elsewhere
