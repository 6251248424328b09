"""Invoices in the back office: list, draft form, issue, send, revoke, bank transfers, dashboard."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from types import ModuleType
from typing import Any
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from babel.dates import format_date
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.admin.conftest import Post
from website.admin import invoices as invoice_views
from website.admin.models import StaffMember
from website.audit.models import AuditEvent
from website.clients.models import Client
from website.clients.services import client_for
from website.clock import studio_today
from website.extensions import db
from website.invoices import services
from website.invoices.models import Installment, Invoice, InvoiceStatus, ZeroRateReason
from website.invoices.services import LineInput, create_draft, delete_draft, issue
from website.mail.models import OutboxMessage
from website.payments.models import (
    PaymentAttempt,
    PaymentEvent,
    PaymentSource,
    PaymentStatus,
)
from website.payments.services import apply_status, record_bank_transfer

HTMX = {"HX-Request": "true"}
EN = {"Accept-Language": "en"}
SHOOT = ("Family shoot, 2 hours", "1", "395.00", "21")  # 477.95 including VAT
PRINTS = ("Signed art print", "3", "33.33", "9")  # 99.99 + 9.00 VAT
PAY_LINK = re.compile(r"https?://[^/\s]+(/pay/[A-Za-z0-9_-]{40,})")


# --- helpers ---------------------------------------------------------------------------------


def make_invoice(
    app: Flask,
    *,
    email: str = "anna@example.nl",
    name: str = "Anna de Vries",
    lines: tuple[tuple[str, str, str, str], ...] = (SHOOT,),
    delivery_date: date | None = None,
    issued_on: date | None = None,
    deposit: int = 50,
) -> int:
    """A draft (or, with ``issued_on``, an issued invoice) for a client; returns its id."""
    with app.app_context():
        client = client_for(email, name, "en")
        client.address = "Kerkstraat 1\n1234 AB Utrecht"
        inputs = [LineInput(d, Decimal(q), Decimal(p), Decimal(r)) for d, q, p, r in lines]
        invoice = create_draft(client, inputs, delivery_date=delivery_date)
        if issued_on is not None:
            issue(invoice, issued_on, deposit_percent=deposit)
        return invoice.id


def get(client: FlaskClient, url: str, **headers: str) -> TestResponse:
    return client.get(url, headers={**EN, **headers})


def text_of(fragment: str) -> str:
    """Visible text: tags dropped, entities decoded, white space collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def table_rows(fragment: str) -> list[str]:
    bodies = "".join(re.findall(r"<tbody>(.*?)</tbody>", fragment, re.S))
    return [text_of(row) for row in re.findall(r"<tr[^>]*>(.*?)</tr>", bodies, re.S)]


def section(page: str, title_id: str) -> str:
    """The ``<section>`` whose heading has ``id=title_id``."""
    return page.split(f'id="{title_id}"', 1)[1].split("</section>", 1)[0]


def listed(response: TestResponse) -> list[int]:
    """The invoice ids of the list's rows, top to bottom."""
    return [int(found) for found in re.findall(r'<tr id="invoice-(\d+)">', response.text)]


def snapshot(app: Flask, invoice_id: int) -> dict[str, Any] | None:
    """What is stored about an invoice, as plain values."""
    with app.app_context():
        invoice = db.session.get(Invoice, invoice_id)
        if invoice is None:
            return None
        client = invoice.client
        return {
            "status": invoice.status,
            "number": invoice.number,
            "delivery_date": invoice.delivery_date,
            "client": (
                client.email,
                client.name,
                client.language,
                client.address,
                client.company_name,
                client.vat_id,
            ),
            "lines": [
                (line.position, line.description, line.quantity, line.unit_price, line.vat_rate)
                for line in invoice.lines
            ],
            "schedule": [
                (part.kind.value, part.amount, part.due_on, part.is_paid)
                for part in invoice.installments
            ],
        }


def count(app: Flask, model: type) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def audit_events(app: Flask, prefix: str) -> list[tuple[int | None, str, str | None, str]]:
    with app.app_context():
        events = db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.action.startswith(prefix))
            .order_by(AuditEvent.id)
        )
        return [(e.staff_member_id, e.action, e.object_type, e.object_id) for e in events]


def mails(app: Flask, kind: str) -> list[OutboxMessage]:
    with app.app_context():
        found = list(
            db.session.scalars(
                sa.select(OutboxMessage)
                .where(OutboxMessage.kind == kind)
                .order_by(OutboxMessage.id)
            )
        )
        db.session.expunge_all()
        return found


def draft_data(*lines: tuple[str, str, str, str], **fields: str) -> dict[str, str]:
    """The draft form as a browser sends it: the client, and one row per line (3 at least)."""
    data = {
        "email": "bram@example.nl",
        "name": "Bram Jansen",
        "language": "en",
        "address": "Dorpsstraat 2\r\n5678 CD Zwolle",
        "company_name": "",
        "vat_id": "",
        "delivery_date": "",
        "action": "save",
    }
    rows = list(lines) + [("", "", "", "21")] * max(0, 3 - len(lines))
    for index, (description, quantity, price, rate) in enumerate(rows):
        data[f"lines-{index}-description"] = description
        data[f"lines-{index}-quantity"] = quantity
        data[f"lines-{index}-unit_price"] = price
        data[f"lines-{index}-vat_rate"] = rate
    data.update(fields)
    return data


def row_count(page: str) -> int:
    return len(re.findall(r'name="lines-\d+-description"', page))


@contextmanager
def counted_statements(app: Flask) -> Iterator[list[str]]:
    statements: list[str] = []

    def remember(*args: Any) -> None:
        statements.append(args[2])

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", remember)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", remember)


# --- navigation and the list -----------------------------------------------------------------


def test_the_navigation_links_to_the_invoices(staff_client: FlaskClient) -> None:
    page = get(staff_client, "/admin/invoices").text
    assert '<a href="/admin/invoices" aria-current="page">Invoices</a>' in page
    assert 'href="/admin/invoices" aria-current' not in get(staff_client, "/admin/").text
    assert '<a href="/admin/invoices">Invoices</a>' in get(staff_client, "/admin/").text


@pytest.fixture
def ledger(app: Flask) -> dict[str, int]:
    """A draft, an issued invoice with its deposit due, and a paid one, for three clients."""
    ids = {
        "draft": make_invoice(app, email="dirk@example.nl", name="Dirk Draft"),
        "issued": make_invoice(
            app,
            email="isa@studio.example",
            name="Isa Issued",
            delivery_date=date(2031, 5, 1),
            issued_on=studio_today(),
        ),
        "paid": make_invoice(
            app, email="pim@example.org", name="Pim Paid", lines=(PRINTS,), issued_on=studio_today()
        ),
    }
    with app.app_context():
        paid = db.session.get(Invoice, ids["paid"])
        paid.status = InvoiceStatus.PAID
        db.session.commit()
    return ids


def pay_by_transfer(post: Post, invoice_id: int, installment: int = 1) -> TestResponse:
    """Record a bank transfer as the invoice page's button does: for one installment."""
    return post(f"/admin/invoices/{invoice_id}/bank-transfer", {"installment": str(installment)})


def number_of(app: Flask, invoice_id: int) -> str:
    with app.app_context():
        return db.session.get(Invoice, invoice_id).number


def test_the_list_shows_number_client_total_status_and_next_due(
    app: Flask, ledger: dict[str, int], staff_client: FlaskClient
) -> None:
    response = get(staff_client, "/admin/invoices")
    assert response.status_code == 200
    assert listed(response) == [ledger["paid"], ledger["issued"], ledger["draft"]]
    rows = dict(zip(listed(response), table_rows(response.text), strict=True))
    year = studio_today().year
    assert rows[ledger["draft"]] == (
        f"Draft {ledger['draft']} Dirk Draft dirk@example.nl €477.95 Draft –"
    )
    assert rows[ledger["issued"]].startswith(
        f"{year}-0001 Isa Issued isa@studio.example €477.95 Issued Deposit €238.98, "
    )
    assert "Overdue" not in rows[ledger["issued"]]  # the deposit is due today, not before
    assert rows[ledger["paid"]] == f"{year}-0002 Pim Paid pim@example.org €108.99 Paid –"
    assert f'href="/admin/invoices/{ledger["draft"]}"' in response.text
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("draft", ["draft"]),
        ("issued", ["issued"]),
        ("paid", ["paid"]),
        ("", ["paid", "issued", "draft"]),
        ("nonsense", ["paid", "issued", "draft"]),
    ],
)
def test_the_status_filter(
    ledger: dict[str, int], staff_client: FlaskClient, status: str, expected: list[str]
) -> None:
    response = get(staff_client, f"/admin/invoices?status={status}")
    assert response.status_code == 200
    assert listed(response) == [ledger[key] for key in expected]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("isa issued", ["issued"]),  # a name, any case
        ("STUDIO.example", ["issued"]),  # a part of an email address
        ("-0002", ["paid"]),  # a part of a number
        ("EXAMPLE", ["paid", "issued", "draft"]),
        ("nobody", []),
    ],
)
def test_search_by_number_name_and_email(
    ledger: dict[str, int], staff_client: FlaskClient, query: str, expected: list[str]
) -> None:
    response = get(staff_client, f"/admin/invoices?{urlencode({'q': query})}")
    assert listed(response) == [ledger[key] for key in expected]
    if not expected:
        assert "No invoices found." in response.text


def test_search_and_filter_together(ledger: dict[str, int], staff_client: FlaskClient) -> None:
    response = get(staff_client, "/admin/invoices?q=example&status=draft")
    assert listed(response) == [ledger["draft"]]
    assert '<option selected value="draft">Draft</option>' in response.text


def test_paging_25_per_page(app: Flask, staff_client: FlaskClient) -> None:
    ids = [make_invoice(app, email=f"p{n}@example.nl", name=f"Person {n}") for n in range(27)]
    first = get(staff_client, "/admin/invoices")
    assert listed(first) == ids[::-1][:25]
    assert "Page 1 of 2" in first.text
    assert 'href="/admin/invoices?page=2" hx-get="/admin/invoices?page=2"' in first.text
    second = get(staff_client, "/admin/invoices?page=2&q=person")
    assert listed(second) == ids[::-1][25:]
    assert 'href="/admin/invoices?page=1&amp;q=person"' in second.text


def test_htmx_gets_only_the_rows(ledger: dict[str, int], staff_client: FlaskClient) -> None:
    response = get(staff_client, "/admin/invoices?q=pim", **HTMX)
    assert response.status_code == 200
    assert response.text.lstrip().startswith("<table")
    assert "<html" not in response.text and "site-header" not in response.text
    assert listed(response) == [ledger["paid"]]
    assert "HX-Request" in response.vary
    full = get(staff_client, "/admin/invoices?q=pim")
    assert full.text.startswith("<!doctype html>") and 'id="invoice-rows"' in full.text
    assert 'hx-get="/admin/invoices" hx-target="#invoice-rows"' in full.text


# --- a new draft -----------------------------------------------------------------------------


def test_the_new_form_has_three_empty_labelled_rows(staff_client: FlaskClient) -> None:
    response = get(staff_client, "/admin/invoices/new")
    assert response.status_code == 200
    page = response.text
    assert row_count(page) == 3
    for index in range(3):
        for name in ("description", "quantity", "unit_price", "vat_rate"):
            assert f'for="lines-{index}-{name}"' in page and f'id="lines-{index}-{name}"' in page
    assert '<label class="visually-hidden" for="lines-2-unit_price">Line 3: Unit price' in page
    assert '<option selected value="21">21%</option>' in page
    assert 'type="submit" name="action" value="add-line">Add a line</button>' in page
    assert 'hx-post="/admin/invoices/new"' in page and 'name="csrf_token"' in page


def test_a_new_draft_is_stored_exactly(app: Flask, staff: StaffMember, post: Post) -> None:
    response = post(
        "/admin/invoices/new",
        draft_data(
            ("Wedding film", "1", "1.250,00".replace(".", ""), "21"),
            ("Prints 30x40", "2,5", "12.50", "9"),
            ("Travel", "1", "0", "0"),
            company_name="Jansen Events B.V.",
            vat_id="nl 8123.45678 b01",
            delivery_date="2031-06-20",
            email=" Bram@Example.NL ",
        ),
    )
    assert response.status_code == 303
    with app.app_context():
        invoice_id = db.session.scalars(sa.select(Invoice.id)).one()
    assert response.location == f"/admin/invoices/{invoice_id}"
    assert snapshot(app, invoice_id) == {
        "status": InvoiceStatus.DRAFT,
        "number": None,
        "delivery_date": date(2031, 6, 20),
        "client": (
            "bram@example.nl",
            "Bram Jansen",
            "en",
            "Dorpsstraat 2\r\n5678 CD Zwolle",
            "Jansen Events B.V.",
            "NL812345678B01",
        ),
        "lines": [
            (1, "Wedding film", Decimal("1"), Decimal("1250.00"), Decimal("21")),
            (2, "Prints 30x40", Decimal("2.5"), Decimal("12.50"), Decimal("9")),
            (3, "Travel", Decimal("1"), Decimal("0"), Decimal("0")),
        ],
        "schedule": [],
    }
    assert audit_events(app, "invoice.") == [
        (staff.id, "invoice.drafted", "invoice", str(invoice_id))
    ]


def test_after_saving_the_draft_page_shows_it(staff_client: FlaskClient, post: Post) -> None:
    response = post("/admin/invoices/new", draft_data(SHOOT, delivery_date="2031-06-20"))
    page = get(staff_client, response.location).text
    assert "The draft is saved. Check it, then issue it." in page
    assert "<h1>Draft invoice" in page
    assert "Draft: numbered when issued" in page
    assert "Invoice date" not in page  # no date until it is issued (not today's date)
    assert "Family shoot, 2 hours" in page and "€477.95" in page
    assert babel_date(date(2031, 6, 20), "long") in page
    assert "The schedule is made when the invoice is issued." in page


def test_an_existing_client_is_found_by_email_and_updated(app: Flask, post: Post) -> None:
    make_invoice(app, email="bram@example.nl", name="B. Jansen")
    assert count(app, Client) == 1
    response = post(
        "/admin/invoices/new",
        draft_data(SHOOT, email="BRAM@example.nl", name="Bram Jansen", language="nl"),
    )
    assert response.status_code == 303
    with app.app_context():
        clients = db.session.scalars(sa.select(Client)).all()
        assert [(c.email, c.name, c.language, c.address) for c in clients] == [
            ("bram@example.nl", "Bram Jansen", "nl", "Dorpsstraat 2\r\n5678 CD Zwolle")
        ]
    assert count(app, Invoice) == 2


def test_blank_rows_are_ignored(app: Flask, post: Post) -> None:
    data = draft_data(
        ("First", "1", "10", "21"),
        ("", "", "", "9"),
        ("Third", "2", "5,5", "0"),
        zero_rate_reason="exempt",
    )
    data.update({"lines-3-description": " ", "lines-3-quantity": "", "lines-3-unit_price": ""})
    assert post("/admin/invoices/new", data).status_code == 303
    with app.app_context():
        invoice_id = db.session.scalars(sa.select(Invoice.id)).one()
    assert snapshot(app, invoice_id)["lines"] == [
        (1, "First", Decimal("1"), Decimal("10"), Decimal("21")),
        (2, "Third", Decimal("2"), Decimal("5.50"), Decimal("0")),
    ]


def test_a_zero_rate_line_carries_its_reason_onto_the_invoice(
    app: Flask, staff_client: FlaskClient, post: Post
) -> None:
    data = draft_data(
        ("Wedding film", "1", "1000", "21"),
        ("Licence for a client in Canada", "1", "200", "0"),
        zero_rate_reason="export",
    )
    assert post("/admin/invoices/new", data).status_code == 303
    with app.app_context():
        invoice = db.session.scalars(sa.select(Invoice)).one()
        invoice_id = invoice.id
        assert invoice.zero_rate_reason is ZeroRateReason.EXPORT
    draft = get(staff_client, f"/admin/invoices/{invoice_id}").text
    assert "VAT 0%: export outside the EU." in draft
    form = get(staff_client, f"/admin/invoices/{invoice_id}/edit").text
    assert '<option selected value="export">' in form

    assert post(f"/admin/invoices/{invoice_id}/issue", {"deposit": "50"}).status_code == 303
    assert post(f"/admin/invoices/{invoice_id}/send").status_code == 303
    [mail] = mails(app, "invoices/invoice")
    page = app.test_client().get(pay_path(mail), headers={"Accept-Language": "nl"}).text
    assert "Btw 0%: uitvoer buiten de EU." in page


def test_add_a_line_shows_the_form_again_with_one_more_row(app: Flask, post: Post) -> None:
    data = draft_data(("Kept text", "1", "12,50", "9"), action="add-line")
    response = post("/admin/invoices/new", data)
    assert response.status_code == 200
    page = response.text
    assert page.startswith("<!doctype html>")
    assert row_count(page) == 4
    assert 'value="Kept text"' in page and 'value="12,50"' in page
    assert re.search(r'<input[^>]*autofocus[^>]*id="lines-3-description"', page)
    assert "Please check the form" not in page  # nothing was judged yet
    assert count(app, Invoice) == count(app, Client) == 0

    data = draft_data(action="add-line")
    for index in range(3, 5):
        data.update({f"lines-{index}-description": "", f"lines-{index}-vat_rate": "21"})
    assert row_count(post("/admin/invoices/new", data).text) == 6


def test_add_a_line_with_htmx_swaps_the_form(app: Flask, post: Post) -> None:
    response = post("/admin/invoices/new", draft_data(action="add-line"), **HTMX)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<form id="invoice-form"')
    assert "<html" not in response.text
    assert row_count(response.text) == 4
    assert "HX-Request" in response.vary


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({}, "lines", "Please fill in at least one line."),
        ({"lines-0-quantity": "abc"}, "lines-0-quantity", "Please enter a number, like 12,50."),
        ({"lines-0-unit_price": "12,505"}, "lines-0-unit_price", "at most two decimals"),
        ({"lines-0-unit_price": "1.234,50"}, "lines-0-unit_price", "Please enter a number"),
        ({"lines-0-unit_price": "-5"}, "lines-0-unit_price", "from 0 up to 1,000,000"),
        ({"lines-0-quantity": "0"}, "lines-0-quantity", "more than 0"),
        ({"lines-0-description": ""}, "lines-0-description", "Please describe the work"),
        ({"lines-0-unit_price": ""}, "lines-0-unit_price", "Please give a price."),
        ({"lines-0-vat_rate": "6"}, "lines-0-vat_rate", "Not a valid choice."),
        ({"email": "not-an-address"}, "email", "This does not look like an email address."),
        ({"address": ""}, "address", "Please give the client"),
        ({"vat_id": "123"}, "vat_id", "A VAT number starts with two letters"),
        ({"vat_id": "NL123456789B01"}, "vat_id", "not a valid VAT number for its country"),
        ({"delivery_date": "31-12-2031"}, "delivery_date", "Not a valid date value."),
        ({"delivery_date": "9999-12-25"}, "delivery_date", "less than five years ahead"),
        ({"lines-0-vat_rate": "0"}, "zero_rate_reason", "Please say why a line carries 0% VAT"),
        (
            {"lines-0-vat_rate": "0", "zero_rate_reason": "reverse_charge"},
            "zero_rate_reason",
            "Reverse charge needs the client's VAT number.",
        ),
        ({"zero_rate_reason": "bogus"}, "zero_rate_reason", "Not a valid choice."),
    ],
)
def test_errors_are_shown_inline_with_422_and_nothing_is_stored(
    app: Flask, post: Post, changes: dict[str, str], field: str, message: str
) -> None:
    lines = () if not changes else (("Shoot", "1", "100", "21"),)
    response = post("/admin/invoices/new", draft_data(*lines, **changes))
    assert response.status_code == 422
    page = response.text
    assert 'class="form-errors" role="alert"' in page
    assert f'<a href="#{"lines-0-description" if field == "lines" else field}">' in page
    error = re.search(rf'<p class="field__error" id="{field}-error">(.*?)</p>', page)
    assert error and message in error.group(1), page
    if field != "lines":
        control = re.search(rf'<(?:input|select|textarea)[^>]*id="{field}"[^>]*>', page).group(0)
        assert 'aria-invalid="true"' in control
        assert re.search(rf'aria-describedby="[^"]*\b{field}-error"', control)
    assert count(app, Invoice) == count(app, Client) == 0
    assert audit_events(app, "invoice.") == []


def test_errors_with_htmx_return_the_form_only(app: Flask, post: Post) -> None:
    response = post("/admin/invoices/new", draft_data(), **HTMX)
    assert response.status_code == 422
    assert response.text.lstrip().startswith('<form id="invoice-form"')
    assert "Please fill in at least one line." in response.text
    assert count(app, Invoice) == 0


def test_a_successful_htmx_save_redirects_the_whole_page(app: Flask, post: Post) -> None:
    response = post("/admin/invoices/new", draft_data(SHOOT), **HTMX)
    assert response.status_code == 204
    with app.app_context():
        invoice_id = db.session.scalars(sa.select(Invoice.id)).one()
    assert response.headers["HX-Redirect"] == f"/admin/invoices/{invoice_id}"


# --- editing and deleting drafts -------------------------------------------------------------


def test_the_edit_form_is_filled_in_from_the_draft(app: Flask, staff_client: FlaskClient) -> None:
    invoice_id = make_invoice(app, lines=(SHOOT, PRINTS), delivery_date=date(2031, 2, 3))
    page = get(staff_client, f"/admin/invoices/{invoice_id}/edit").text
    assert row_count(page) == 3  # the two lines and room for one more
    assert 'value="Family shoot, 2 hours"' in page and 'value="395.00"' in page
    quantity = re.search(r'<input[^>]*id="lines-1-quantity"[^>]*>', page).group(0)
    assert 'value="3"' in quantity and 'inputmode="decimal"' in quantity
    assert "autofocus" not in page and "required" not in quantity
    assert '<option selected value="9">9%</option>' in page
    assert 'value="2031-02-03"' in page and 'value="anna@example.nl"' in page
    assert "Kerkstraat 1\n1234 AB Utrecht</textarea>" in page
    dutch = get(staff_client, f"/admin/invoices/{invoice_id}/edit", **{"Accept-Language": "nl"})
    assert 'value="395,00"' in dutch.text  # shown as Dutch people write it


def test_editing_a_draft_replaces_its_client_lines_and_date(
    app: Flask, staff: StaffMember, post: Post
) -> None:
    invoice_id = make_invoice(app, lines=(SHOOT, PRINTS), delivery_date=date(2031, 2, 3))
    response = post(
        f"/admin/invoices/{invoice_id}/edit",
        draft_data(("Only line now", "4", "20,00", "9"), delivery_date=""),
    )
    assert response.status_code == 303
    assert response.location == f"/admin/invoices/{invoice_id}"
    stored = snapshot(app, invoice_id)
    assert stored["lines"] == [(1, "Only line now", Decimal("4"), Decimal("20"), Decimal("9"))]
    assert stored["delivery_date"] is None
    assert stored["client"][:2] == ("bram@example.nl", "Bram Jansen")
    assert stored["status"] is InvoiceStatus.DRAFT
    assert audit_events(app, "invoice.") == [
        (staff.id, "invoice.updated", "invoice", str(invoice_id))
    ]


def test_editing_with_errors_changes_nothing(app: Flask, post: Post) -> None:
    invoice_id = make_invoice(app)
    before = snapshot(app, invoice_id)
    response = post(f"/admin/invoices/{invoice_id}/edit", draft_data(("X", "1", "abc", "21")))
    assert response.status_code == 422
    assert f'action="/admin/invoices/{invoice_id}/edit"' in response.text
    assert snapshot(app, invoice_id) == before


def test_deleting_a_draft(
    app: Flask, staff: StaffMember, staff_client: FlaskClient, post: Post
) -> None:
    invoice_id = make_invoice(app)
    keep = make_invoice(app, email="other@example.nl")
    response = post(f"/admin/invoices/{invoice_id}/delete")
    assert response.status_code == 303
    assert response.location == "/admin/invoices"
    assert snapshot(app, invoice_id) is None and snapshot(app, keep) is not None
    assert "The draft is deleted." in get(staff_client, response.location).text
    assert audit_events(app, "invoice.") == [
        (staff.id, "invoice.deleted", "invoice", str(invoice_id))
    ]
    assert get(staff_client, f"/admin/invoices/{invoice_id}").status_code == 404


@pytest.mark.parametrize(
    ("method", "action"),
    [("GET", "edit"), ("POST", "edit"), ("POST", "delete"), ("POST", "issue")],
)
def test_an_issued_invoice_cannot_be_edited_deleted_or_issued_again(
    app: Flask, staff_client: FlaskClient, post: Post, method: str, action: str
) -> None:
    invoice_id = make_invoice(app, issued_on=studio_today())
    before = snapshot(app, invoice_id)
    url = f"/admin/invoices/{invoice_id}/{action}"
    response = get(staff_client, url) if method == "GET" else post(url, draft_data(PRINTS))
    assert response.status_code == 409
    assert f"Invoice {before['number']} is issued, so it can no longer be edited" in response.text
    assert snapshot(app, invoice_id) == before
    assert audit_events(app, "invoice.") == [(None, "invoice.issued", "invoice", before["number"])]


# A draft's actions, and the service each calls.
# Each action, and the step just before it first writes: another request acts in between.
# (Saving a draft first files its client, which on SQLite takes the write lock: another
# request could not act after that, but would wait its turn.)
DRAFT_ACTIONS = pytest.mark.parametrize(
    ("action", "service"),
    [
        ("issue", (services, "issue")),
        ("edit", (invoice_views, "client_with_details")),
        ("delete", (services, "delete_draft")),
    ],
    ids=["issue", "edit", "delete"],
)


def someone_else_first(
    app: Flask,
    monkeypatch: pytest.MonkeyPatch,
    step: tuple[ModuleType, str],
    invoice_id: int,
    change: Callable[[Invoice], object],
) -> None:
    """Just before ``step`` runs, another request (a session of its own) does ``change``."""
    module, name = step
    real = getattr(module, name)

    def after_the_other(*args: Any, **kwargs: Any) -> Any:
        with app.app_context():
            change(db.session.get(Invoice, invoice_id))
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, after_the_other)


def post_draft_action(post: Post, invoice_id: int, action: str) -> TestResponse:
    data = draft_data(PRINTS) if action == "edit" else {"deposit": "50"}
    return post(f"/admin/invoices/{invoice_id}/{action}", data)


@DRAFT_ACTIONS
def test_a_request_that_loaded_the_draft_before_someone_issued_it_is_refused(
    app: Flask,
    post: Post,
    monkeypatch: pytest.MonkeyPatch,
    action: str,
    service: tuple[ModuleType, str],
) -> None:
    """A double click on "Issue", or a "Save" sent after a colleague issued: a 409."""
    invoice_id = make_invoice(app)
    someone_else_first(app, monkeypatch, service, invoice_id, lambda i: issue(i, studio_today()))
    response = post_draft_action(post, invoice_id, action)
    assert response.status_code == 409
    assert "is issued, so it can no longer be edited" in response.text
    stored = snapshot(app, invoice_id)
    assert stored["number"] == number_of(app, invoice_id)
    assert [line[1] for line in stored["lines"]] == [SHOOT[0]]
    assert [part[0] for part in stored["schedule"]] == ["deposit", "balance"]
    assert audit_events(app, "invoice.") == [(None, "invoice.issued", "invoice", stored["number"])]
    with app.app_context():
        assert db.session.scalars(sa.select(Invoice.number)).all() == [
            f"{studio_today().year}-0001"
        ]


def test_a_refused_edit_stores_nothing_it_brought_not_even_a_new_client(
    app: Flask, post: Post, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The edit files its client before the draft is locked; the refusal takes that back too
    (on SQLite the lock once committed whatever the request had written before it)."""
    invoice_id = make_invoice(app)
    clients_before = count(app, Client)
    someone_else_first(
        app,
        monkeypatch,
        (invoice_views, "client_with_details"),
        invoice_id,
        lambda i: issue(i, studio_today()),
    )
    data = draft_data(PRINTS, email="someone.new@example.nl", name="Someone New")
    assert post(f"/admin/invoices/{invoice_id}/edit", data).status_code == 409
    assert count(app, Client) == clients_before
    with app.app_context():
        assert (
            db.session.scalar(sa.select(Client).filter_by(email="someone.new@example.nl")) is None
        )


@DRAFT_ACTIONS
def test_a_draft_someone_deleted_meanwhile_is_not_found(
    app: Flask,
    post: Post,
    monkeypatch: pytest.MonkeyPatch,
    action: str,
    service: tuple[ModuleType, str],
) -> None:
    invoice_id = make_invoice(app)
    someone_else_first(app, monkeypatch, service, invoice_id, delete_draft)
    assert post_draft_action(post, invoice_id, action).status_code == 404


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("no reason", "Not issued: a line at 0% VAT needs its reason on the invoice."),
        ("no VAT number", "Not issued: reverse charge needs the client's VAT number."),
        ("no address", "Not issued: the client has no postal address."),
    ],
)
def test_a_draft_that_cannot_be_issued_says_why(
    app: Flask, staff_client: FlaskClient, post: Post, change: str, message: str
) -> None:
    """Drafts saved before a rule, or whose client changed since: the page says what to fix."""
    invoice_id = make_invoice(app, lines=(SHOOT, ("Licence abroad", "1", "100", "0")))
    with app.app_context():
        invoice = db.session.get(Invoice, invoice_id)
        invoice.zero_rate_reason = None if change == "no reason" else ZeroRateReason.REVERSE_CHARGE
        invoice.client.vat_id = None if change == "no VAT number" else "DE123456789"
        invoice.client.address = None if change == "no address" else invoice.client.address
        db.session.commit()
    response = post(f"/admin/invoices/{invoice_id}/issue", {"deposit": "50"})
    assert response.status_code == 303
    assert message in get(staff_client, f"/admin/invoices/{invoice_id}").text
    assert snapshot(app, invoice_id)["status"] is InvoiceStatus.DRAFT


@pytest.mark.parametrize("action", ["send", "revoke-links", "bank-transfer"])
def test_a_draft_cannot_be_sent_or_paid(app: Flask, post: Post, action: str) -> None:
    invoice_id = make_invoice(app)
    response = post(f"/admin/invoices/{invoice_id}/{action}")
    assert response.status_code == 409
    assert "This invoice is still a draft." in response.text
    assert mails(app, "invoices/invoice") == []
    assert count(app, PaymentAttempt) == 0


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/admin/invoices/999999"),
        ("GET", "/admin/invoices/999999/edit"),
        ("POST", "/admin/invoices/999999/edit"),
        ("POST", "/admin/invoices/999999/delete"),
        ("POST", "/admin/invoices/999999/issue"),
        ("POST", "/admin/invoices/999999/send"),
        ("POST", "/admin/invoices/999999/revoke-links"),
        ("POST", "/admin/invoices/999999/bank-transfer"),
    ],
)
def test_unknown_invoices_are_not_found(
    staff_client: FlaskClient, post: Post, method: str, path: str
) -> None:
    response = get(staff_client, path) if method == "GET" else post(path)
    assert response.status_code == 404


# --- issuing ---------------------------------------------------------------------------------


def test_a_draft_page_offers_edit_delete_and_an_issue_button_that_says_it_fixes_it(
    app: Flask, staff_client: FlaskClient
) -> None:
    invoice_id = make_invoice(app)
    page = get(staff_client, f"/admin/invoices/{invoice_id}").text
    assert f'href="/admin/invoices/{invoice_id}/edit"' in page
    assert f'action="/admin/invoices/{invoice_id}/delete"' in page
    assert f'action="/admin/invoices/{invoice_id}/issue"' in page
    assert "Issue invoice: number it and fix it for good" in page
    assert '<input checked id="deposit-0" name="deposit" required type="radio" value="50">' in page
    assert "/send" not in page and "/bank-transfer" not in page
    in_place = get(staff_client, f"/admin/invoices/{invoice_id}", **HTMX)
    assert in_place.text.startswith("<!doctype html>")  # no partial of the page itself


@pytest.mark.parametrize(
    ("form", "schedule"),
    [
        (
            {"deposit": "50"},
            [("deposit", Decimal("238.98"), studio_today()), ("balance", Decimal("238.97"), None)],
        ),
        (
            {"deposit": "single"},
            [("single", Decimal("477.95"), studio_today() + timedelta(days=14))],
        ),
        (
            {"deposit": "custom", "percent": "30"},
            [("deposit", Decimal("143.39"), studio_today()), ("balance", Decimal("334.56"), None)],
        ),
        ({"deposit": "50", "percent": "rubbish, ignored"}, None),
    ],
)
def test_issue_with_a_deposit_or_one_payment(
    app: Flask,
    staff: StaffMember,
    staff_client: FlaskClient,
    post: Post,
    form: dict[str, str],
    schedule: list[tuple[str, Decimal, date | None]] | None,
) -> None:
    schedule = schedule or [
        ("deposit", Decimal("238.98"), studio_today()),
        ("balance", Decimal("238.97"), None),
    ]
    invoice_id = make_invoice(app)
    response = post(f"/admin/invoices/{invoice_id}/issue", form)
    assert response.status_code == 303
    assert response.location == f"/admin/invoices/{invoice_id}"
    stored = snapshot(app, invoice_id)
    number = f"{studio_today().year}-0001"
    assert (stored["status"], stored["number"]) == (InvoiceStatus.ISSUED, number)
    assert stored["schedule"] == [(kind, amount, due, False) for kind, amount, due in schedule]
    assert audit_events(app, "invoice.") == [(staff.id, "invoice.issued", "invoice", number)]
    page = get(staff_client, response.location).text
    assert f"Invoice {number} is issued. Send it when you are ready." in page
    assert f"<h1>Invoice {number}" in page


def test_the_balance_is_due_14_days_after_delivery(app: Flask, post: Post) -> None:
    invoice_id = make_invoice(app, delivery_date=date(2031, 3, 1))
    post(f"/admin/invoices/{invoice_id}/issue", {"deposit": "50"})
    assert snapshot(app, invoice_id)["schedule"][1][2] == date(2031, 3, 15)


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"deposit": "custom", "percent": ""}, "percent"),
        ({"deposit": "custom", "percent": "0"}, "percent"),
        ({"deposit": "custom", "percent": "100"}, "percent"),
        ({"deposit": "custom", "percent": "33.5"}, "percent"),
        ({"deposit": "custom", "percent": "²"}, "percent"),  # a digit to str.isdigit()
        ({"deposit": "custom", "percent": "٣٠"}, "percent"),  # Arabic-Indic thirty
        ({"deposit": "75"}, "deposit"),
        ({}, "deposit"),
    ],
)
def test_issue_errors_are_shown_with_422_and_nothing_is_issued(
    app: Flask, post: Post, form: dict[str, str], field: str
) -> None:
    invoice_id = make_invoice(app)
    response = post(f"/admin/invoices/{invoice_id}/issue", form)
    assert response.status_code == 422
    assert f'<p class="field__error" id="{field}-error">' in response.text
    assert response.text.startswith("<!doctype html>")
    stored = snapshot(app, invoice_id)
    assert (stored["status"], stored["number"], stored["schedule"]) == (
        InvoiceStatus.DRAFT,
        None,
        [],
    )
    assert audit_events(app, "invoice.") == []

    fragment = post(f"/admin/invoices/{invoice_id}/issue", form, **HTMX)
    assert fragment.status_code == 422
    assert fragment.text.lstrip().startswith('<form id="issue-form"')


def test_a_private_client_pays_more_than_half_in_advance_only_when_agreed(
    app: Flask, staff: StaffMember, staff_client: FlaskClient, post: Post
) -> None:
    invoice_id = make_invoice(app)
    page = get(staff_client, f"/admin/invoices/{invoice_id}").text
    assert "billed as a private person" in page and 'name="agreed"' in page

    form = {"deposit": "custom", "percent": "75"}
    refused = post(f"/admin/invoices/{invoice_id}/issue", form, **HTMX)
    assert refused.status_code == 422
    assert '<p class="field__error" id="agreed-error">' in refused.text
    assert "pays at most half in advance" in refused.text
    assert 'value="75"' in refused.text  # what was typed stays
    assert snapshot(app, invoice_id)["status"] is InvoiceStatus.DRAFT

    agreed = post(f"/admin/invoices/{invoice_id}/issue", {**form, "agreed": "y"})
    assert agreed.status_code == 303
    assert snapshot(app, invoice_id)["schedule"][0][:2] == ("deposit", Decimal("358.46"))
    number = f"{studio_today().year}-0001"
    assert audit_events(app, "invoice.") == [
        (staff.id, "invoice.issued", "invoice", number),
        (staff.id, "invoice.deposit_agreed", "invoice", number),
    ]


def test_a_business_client_is_not_asked_about_the_deposit_cap(
    app: Flask, staff_client: FlaskClient, post: Post
) -> None:
    invoice_id = make_invoice(app)
    with app.app_context():
        db.session.get(Invoice, invoice_id).client.company_name = "Bakkerij Bol"
        db.session.commit()
    page = get(staff_client, f"/admin/invoices/{invoice_id}").text
    assert 'name="agreed"' not in page and "billed as a private person" not in page

    issued = post(f"/admin/invoices/{invoice_id}/issue", {"deposit": "custom", "percent": "75"})
    assert issued.status_code == 303
    assert snapshot(app, invoice_id)["schedule"][0][:2] == ("deposit", Decimal("358.46"))


def test_an_invoice_of_zero_is_not_issued(
    app: Flask, staff_client: FlaskClient, post: Post
) -> None:
    invoice_id = make_invoice(app, lines=(("Free test shot", "1", "0", "21"),))
    response = post(f"/admin/invoices/{invoice_id}/issue", {"deposit": "50", "percent": ""})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/admin/invoices/{invoice_id}")
    page = get(staff_client, f"/admin/invoices/{invoice_id}").text
    assert "Not issued: the total, or a part of the schedule, would be zero." in page
    assert snapshot(app, invoice_id)["status"] is InvoiceStatus.DRAFT


def test_recording_the_delivery_gives_the_balance_its_due_date(
    app: Flask, staff_client: FlaskClient, post: Post
) -> None:
    invoice_id = make_invoice(app, issued_on=studio_today())  # no delivery date known yet
    page = get(staff_client, f"/admin/invoices/{invoice_id}").text
    assert f'action="/admin/invoices/{invoice_id}/delivered"' in page

    too_late = post(
        f"/admin/invoices/{invoice_id}/delivered",
        {"delivered_on": (studio_today() + timedelta(days=1)).isoformat()},
    )
    assert too_late.status_code == 422
    assert "The delivery date cannot be in the future." in too_late.text
    assert post(f"/admin/invoices/{invoice_id}/delivered", {}).status_code == 422
    no_such_day = post(f"/admin/invoices/{invoice_id}/delivered", {"delivered_on": "2027-02-30"})
    assert no_such_day.status_code == 422  # was a 500: the check compared None with a date
    assert "Not a valid date value." in no_such_day.text
    assert [due for _, _, due, _ in snapshot(app, invoice_id)["schedule"]] == [studio_today(), None]

    delivered = studio_today() - timedelta(days=2)
    response = post(
        f"/admin/invoices/{invoice_id}/delivered", {"delivered_on": delivered.isoformat()}
    )
    assert response.status_code == 303
    stored = snapshot(app, invoice_id)
    assert [due for _, _, due, _ in stored["schedule"]] == [
        studio_today(),
        delivered + timedelta(days=14),
    ]
    assert stored["delivery_date"] is None  # the issued invoice itself does not change
    assert audit_events(app, "invoice.delivered")
    with app.app_context():
        [mail] = db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.kind == "invoices/balance_due")
        ).all()
        assert mail.recipient == "anna@example.nl"
        due_text = (delivered + timedelta(days=14)).strftime("%B %-d, %Y")
        assert due_text in mail.text_body, mail.text_body
    assert app.test_client().get(pay_path(mail)).status_code == 200
    page = get(staff_client, f"/admin/invoices/{invoice_id}").text
    assert "/delivered" not in page, "nothing waits for a delivery date any more"

    again = post(  # the same form sent again, from a page still open somewhere
        f"/admin/invoices/{invoice_id}/delivered", {"delivered_on": studio_today().isoformat()}
    )
    assert again.status_code == 303
    page = get(staff_client, f"/admin/invoices/{invoice_id}").text
    assert "Every part already has its due date; nothing was changed or emailed." in page
    assert len(mails(app, "invoices/balance_due")) == 1
    assert snapshot(app, invoice_id)["schedule"] == stored["schedule"]


def test_a_draft_has_no_delivery_action(app: Flask, post: Post) -> None:
    invoice_id = make_invoice(app)
    response = post(
        f"/admin/invoices/{invoice_id}/delivered", {"delivered_on": studio_today().isoformat()}
    )
    assert response.status_code == 409


# --- sending and pay links -------------------------------------------------------------------


def pay_path(mail: OutboxMessage) -> str:
    match = PAY_LINK.search(mail.text_body)
    assert match, mail.text_body
    return match.group(1)


def test_send_emails_a_working_pay_link_and_sending_again_revokes_it(
    app: Flask, staff: StaffMember, staff_client: FlaskClient, post: Post
) -> None:
    invoice_id = make_invoice(app, issued_on=studio_today())
    number = number_of(app, invoice_id)
    page = get(staff_client, f"/admin/invoices/{invoice_id}").text
    assert "Send to anna@example.nl" in page and "none working" in page

    response = post(f"/admin/invoices/{invoice_id}/send")
    assert response.status_code == 303
    assert response.location == f"/admin/invoices/{invoice_id}"
    [first_mail] = mails(app, "invoices/invoice")
    assert first_mail.recipient == "anna@example.nl" and first_mail.reference == number
    first = pay_path(first_mail)
    visitor = app.test_client()
    assert visitor.get(first, headers=EN).status_code == 200
    assert number in visitor.get(first, headers=EN).text
    page = get(staff_client, response.location).text
    assert (
        f"Invoice {number} is emailed to anna@example.nl with a new pay link. "
        "Links sent before no longer work." in page
    )
    assert "Send again to anna@example.nl" in page and "working, made" in page

    post(f"/admin/invoices/{invoice_id}/send")
    second_mail = mails(app, "invoices/invoice")[1]
    second = pay_path(second_mail)
    assert second != first
    assert visitor.get(first, headers=EN).status_code == 404
    assert visitor.get(second, headers=EN).status_code == 200
    assert audit_events(app, "invoice.sent") == [(staff.id, "invoice.sent", "invoice", number)] * 2


def test_revoking_shuts_the_pay_link(
    app: Flask, staff: StaffMember, staff_client: FlaskClient, post: Post
) -> None:
    invoice_id = make_invoice(app, issued_on=studio_today())
    number = number_of(app, invoice_id)
    post(f"/admin/invoices/{invoice_id}/send")
    link = pay_path(mails(app, "invoices/invoice")[0])
    assert (
        f'action="/admin/invoices/{invoice_id}/revoke-links"'
        in get(staff_client, f"/admin/invoices/{invoice_id}").text
    )

    response = post(f"/admin/invoices/{invoice_id}/revoke-links")
    assert response.status_code == 303
    assert app.test_client().get(link).status_code == 404
    page = get(staff_client, response.location).text
    assert "The pay links are revoked." in page
    assert "revoke-links" not in page  # nothing left to revoke
    assert audit_events(app, "invoice.links_revoked") == [
        (staff.id, "invoice.links_revoked", "invoice", number)
    ]

    post(f"/admin/invoices/{invoice_id}/revoke-links")
    assert "There was no working pay link." in get(staff_client, response.location).text
    assert len(audit_events(app, "invoice.links_revoked")) == 1


# --- bank transfers and the payment history --------------------------------------------------


def test_a_bank_transfer_settles_the_next_installment_and_sends_a_receipt(
    app: Flask, staff: StaffMember, staff_client: FlaskClient, post: Post
) -> None:
    invoice_id = make_invoice(app, issued_on=studio_today())
    number = number_of(app, invoice_id)
    page = get(staff_client, f"/admin/invoices/{invoice_id}").text
    assert "Record a bank transfer of €238.98 (deposit)" in page

    assert 'name="installment" value="1"' in page
    response = pay_by_transfer(post, invoice_id, 1)
    assert response.status_code == 303
    stored = snapshot(app, invoice_id)
    assert [part[3] for part in stored["schedule"]] == [True, False]
    assert stored["status"] is InvoiceStatus.ISSUED
    [receipt] = mails(app, "payments/receipt")
    assert receipt.recipient == "anna@example.nl" and receipt.reference == number
    with app.app_context():
        attempt = db.session.scalars(sa.select(PaymentAttempt)).one()
        assert (attempt.method, attempt.amount, attempt.status) == (
            "banktransfer",
            Decimal("238.98"),
            PaymentStatus.PAID,
        )
    assert audit_events(app, "payment.") == [(staff.id, "payment.bank_transfer", "invoice", number)]

    page = get(staff_client, response.location).text
    assert "The bank transfer of €238.98 is recorded." in page
    assert "Record a bank transfer of €238.97 (balance)" in page
    payments = section(page, "payments-title")
    assert table_rows(payments)[0].startswith("1 Bank transfer €238.98 Paid – ")
    history = table_rows(payments.split("History of attempt 1", 1)[1])
    assert len(history) == 1
    assert " by staff " in history[0] and history[0].endswith(" → Paid –")

    assert 'name="installment" value="2"' in page
    pay_by_transfer(post, invoice_id, 2)
    assert snapshot(app, invoice_id)["status"] is InvoiceStatus.PAID
    assert len(mails(app, "payments/receipt")) == 2
    page = get(staff_client, response.location).text
    assert "Record a bank transfer" not in page

    pay_by_transfer(post, invoice_id, 2)  # the same form again
    assert "This payment is already recorded" in get(staff_client, response.location).text
    assert count(app, PaymentAttempt) == 2 and len(mails(app, "payments/receipt")) == 2


def test_a_bank_transfer_form_sent_twice_records_one_payment(
    app: Flask, staff_client: FlaskClient, post: Post
) -> None:
    """A double click, or two people at once: the balance is not paid by the deposit's form."""
    invoice_id = make_invoice(app, issued_on=studio_today())
    page = get(staff_client, f"/admin/invoices/{invoice_id}").text
    form = dict(re.findall(r'name="(installment)" value="(\d+)"', page))
    assert form == {"installment": "1"}

    first = post(f"/admin/invoices/{invoice_id}/bank-transfer", form)
    again = post(f"/admin/invoices/{invoice_id}/bank-transfer", form)

    assert (first.status_code, again.status_code) == (303, 303)
    stored = snapshot(app, invoice_id)
    assert [part[3] for part in stored["schedule"]] == [True, False]
    assert stored["status"] is InvoiceStatus.ISSUED
    assert count(app, PaymentAttempt) == 1
    assert len(mails(app, "payments/receipt")) == 1
    assert "This payment is already recorded" in get(staff_client, again.location).text


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ({}, 400),
        ({"installment": "deposit"}, 400),
        ({"installment": "0"}, 400),
        ({"installment": "3"}, 404),
    ],
)
def test_a_bank_transfer_names_an_installment_of_the_invoice(
    app: Flask, post: Post, data: dict[str, str], status: int
) -> None:
    invoice_id = make_invoice(app, issued_on=studio_today())
    response = post(f"/admin/invoices/{invoice_id}/bank-transfer", data)
    assert response.status_code == status
    assert count(app, PaymentAttempt) == 0
    assert [part[3] for part in snapshot(app, invoice_id)["schedule"]] == [False, False]


def test_the_invoice_page_shows_each_attempt_with_its_history(
    app: Flask, staff_client: FlaskClient
) -> None:
    invoice_id = make_invoice(app, issued_on=studio_today(), deposit=100)
    with app.app_context():
        part = db.session.scalars(sa.select(Installment)).one()
        attempt = PaymentAttempt(
            installment=part,
            number=1,
            amount=part.amount,
            currency="EUR",
            locale="en_US",
            idempotency_key="inv-test-1",
            webhook_secret_hash="secret-1",
            mollie_id="tr_WDqYK6vllg",
            status=PaymentStatus.FAILED,
            method="ideal",
        )
        attempt.events = [
            PaymentEvent(
                source=PaymentSource.CREATED,
                old_status=PaymentStatus.CREATED,
                new_status=PaymentStatus.OPEN,
                mollie_status="open",
            ),
            PaymentEvent(
                source=PaymentSource.WEBHOOK,
                old_status=PaymentStatus.OPEN,
                new_status=PaymentStatus.FAILED,
                mollie_status="failed",
                note="the bank said no",
            ),
        ]
        db.session.add(attempt)
        db.session.commit()
    page = get(staff_client, f"/admin/invoices/{invoice_id}").text
    payments = section(page, "payments-title")
    rows = table_rows(payments)
    assert rows[0].startswith("1 iDEAL €477.95 Failed tr_WDqYK6vllg ")
    assert " created by the pay button " in rows[1] and rows[1].endswith(" → Open open")
    assert rows[2].endswith(" Mollie webhook Open → Failed failed the bank said no")
    schedule = table_rows(section(page, "schedule-title"))
    assert schedule[0].startswith("Payment €477.95 ")
    assert schedule[0].endswith(" €0.00 Open")


def test_an_attempts_first_status_is_labelled_being_created(
    app: Flask, staff_client: FlaskClient, post: Post
) -> None:
    invoice_id = make_invoice(app, issued_on=studio_today())
    pay_by_transfer(post, invoice_id)
    page = get(staff_client, f"/admin/invoices/{invoice_id}").text
    history = table_rows(section(page, "payments-title").split("History of attempt 1", 1)[1])
    assert history[0].endswith(" by staff Being created → Paid –")


def test_every_invoice_action_needs_the_csrf_token(app: Flask, staff_client: FlaskClient) -> None:
    draft = make_invoice(app)
    issued = make_invoice(app, email="isa@example.nl", issued_on=studio_today())
    before = (snapshot(app, draft), snapshot(app, issued))
    for path in (
        "/admin/invoices/new",
        f"/admin/invoices/{draft}/edit",
        f"/admin/invoices/{draft}/delete",
        f"/admin/invoices/{draft}/issue",
        f"/admin/invoices/{issued}/send",
        f"/admin/invoices/{issued}/revoke-links",
        f"/admin/invoices/{issued}/bank-transfer",
    ):
        response = staff_client.post(path, data=draft_data(SHOOT), headers=EN)
        assert response.status_code == 400, path
        assert "This form has expired" in response.text, path
    assert (snapshot(app, draft), snapshot(app, issued)) == before
    assert count(app, Invoice) == 2 and count(app, PaymentAttempt) == 0
    assert mails(app, "invoices/invoice") == []


# --- the dashboard and the client page -------------------------------------------------------


def test_the_dashboard_shows_payments_received_and_what_is_overdue(
    app: Flask, staff_client: FlaskClient, post: Post
) -> None:
    received = make_invoice(
        app, issued_on=studio_today(), email="rita@example.nl", name="Rita Received"
    )
    pay_by_transfer(post, received)
    late = make_invoice(
        app,
        email="laura@example.nl",
        name="Laura Late",
        delivery_date=studio_today() - timedelta(days=20),  # the balance was due 6 days ago
        issued_on=studio_today(),
    )
    page = get(staff_client, "/admin/").text

    payments = table_rows(section(page, "received-title"))
    assert len(payments) == 1
    assert payments[0].endswith(f"{number_of(app, received)} €238.98 Bank transfer")
    assert f'href="/admin/invoices/{received}"' in section(page, "received-title")

    attention = section(page, "attention-title")
    overdue = table_rows(attention)
    assert overdue == [
        f"{number_of(app, late)} Laura Late Balance €238.97 "
        f"{babel_date(studio_today() - timedelta(days=6))} Overdue"
    ]
    assert f'href="/admin/invoices/{late}"' in attention
    assert "Rita Received" not in attention  # due today: not late yet


def babel_date(day: date, style: str = "medium") -> str:
    """A date as the back office shows it in English."""
    return format_date(day, style, locale="en")


def test_the_dashboard_flags_a_payment_made_twice(
    app: Flask, staff: StaffMember, staff_client: FlaskClient
) -> None:
    invoice_id = make_invoice(app, issued_on=studio_today(), deposit=100)
    number = number_of(app, invoice_id)
    with app.app_context():
        part = db.session.scalars(sa.select(Installment)).one()
        record_bank_transfer(part, staff.id)
        part = db.session.scalars(sa.select(Installment)).one()
        twice = PaymentAttempt(
            installment=part,
            number=2,
            amount=part.amount,
            currency="EUR",
            locale="nl_NL",
            idempotency_key="inv-twice-2",
            webhook_secret_hash="secret-twice",
            mollie_id="tr_twice",
            status=PaymentStatus.OPEN,
            method="ideal",
        )
        db.session.add(twice)
        db.session.flush()
        apply_status(twice, {"status": "paid"}, PaymentSource.WEBHOOK)
        db.session.commit()
        events = db.session.scalars(
            sa.select(PaymentEvent).where(PaymentEvent.attempt_id == twice.id)
        ).all()
        assert [
            (e.source, e.old_status, e.new_status, e.mollie_status, e.note) for e in events
        ] == [
            (
                PaymentSource.WEBHOOK,
                PaymentStatus.OPEN,
                PaymentStatus.PAID,
                "paid",
                "paid twice: refund or credit the extra payment",
            )
        ]
    assert audit_events(app, "payment.") == [
        (staff.id, "payment.bank_transfer", "invoice", number),
        (None, "payment.paid_twice", "invoice", number),
    ]
    assert len(mails(app, "payments/receipt")) == 1
    attention = section(get(staff_client, "/admin/").text, "attention-title")
    rows = table_rows(attention)
    assert len(rows) == 1
    assert rows[0].endswith(
        f"{number} €477.95 tr_twice Paid twice: refund or credit the extra payment "
        f"Resolved ({number})"
    )
    assert f'href="/admin/invoices/{invoice_id}"' in attention


def test_the_dashboard_with_no_payments(staff_client: FlaskClient) -> None:
    page = get(staff_client, "/admin/").text
    assert "No overdue or double payments." in section(page, "attention-title")
    assert "No payments yet." in section(page, "received-title")


def test_the_dashboard_needs_the_same_few_queries_for_many_payments(
    app: Flask, staff_client: FlaskClient, post: Post
) -> None:
    def statements_for_dashboard() -> int:
        with counted_statements(app) as statements:
            assert get(staff_client, "/admin/").status_code == 200
        return len(statements)

    first = make_invoice(app, issued_on=studio_today() - timedelta(days=3), email="a1@example.nl")
    pay_by_transfer(post, first)
    few = statements_for_dashboard()
    for n in range(4):
        invoice_id = make_invoice(
            app, issued_on=studio_today() - timedelta(days=3), email=f"b{n}@example.nl", deposit=100
        )
        pay_by_transfer(post, invoice_id)
        make_invoice(app, issued_on=studio_today() - timedelta(days=3), email=f"c{n}@example.nl")
    page = get(staff_client, "/admin/").text
    assert len(table_rows(section(page, "received-title"))) == 5
    assert len(table_rows(section(page, "attention-title"))) == 4
    assert statements_for_dashboard() == few <= 12


def test_the_invoice_page_needs_the_same_queries_however_many_payments(
    app: Flask, staff_client: FlaskClient, post: Post
) -> None:
    invoice_id = make_invoice(app, issued_on=studio_today(), delivery_date=studio_today())

    def statements_for_page() -> int:
        with counted_statements(app) as statements:
            assert get(staff_client, f"/admin/invoices/{invoice_id}").status_code == 200
        return len(statements)

    pay_by_transfer(post, invoice_id, installment=1)
    one_payment = statements_for_page()
    pay_by_transfer(post, invoice_id, installment=2)
    page = get(staff_client, f"/admin/invoices/{invoice_id}").text

    assert page.count("Bank transfer") >= 2  # both payments are listed, with their history
    assert statements_for_page() == one_payment


def test_the_client_page_lists_the_clients_invoices(app: Flask, staff_client: FlaskClient) -> None:
    draft = make_invoice(app)
    issued = make_invoice(app, issued_on=studio_today(), lines=(PRINTS,))
    other = make_invoice(app, email="someone@example.nl", name="Someone Else")
    with app.app_context():
        client_id = db.session.scalar(sa.select(Client.id).where(Client.email == "anna@example.nl"))
    page = get(staff_client, f"/admin/clients/{client_id}").text
    invoices = page.split("<h2>Invoices</h2>", 1)[1].split("<h2>", 1)[0]
    assert table_rows(invoices) == [
        f"{number_of(app, issued)} {babel_date(studio_today())} €108.99 Issued",
        f"Draft {draft} – €477.95 Draft",
    ]
    assert f'href="/admin/invoices/{issued}"' in invoices
    assert f'href="/admin/invoices/{draft}"' in invoices
    assert f'href="/admin/invoices/{other}"' not in invoices
    assert "Kerkstraat 1, 1234 AB Utrecht" in page
