"""What people see at a phone's width and a desktop's: nothing hidden sideways, errors that
look like errors, a back-office header that holds together in Dutch."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.admin.conftest import STAFF_EMAIL, STAFF_PASSWORD
from tests.browser.conftest import assert_accessible_as_shown
from tests.factories import make_issued_invoice
from tests.privacy.helpers import KNOWN, mailed_codes
from website.admin.services import create_staff
from website.clock import studio_today
from website.contact.models import ProductionKind
from website.contact.services import Submission, submit_message
from website.privacy import verification
from website.privacy.models import RequestKind
from website.privacy.requests import file_request
from website.privacy.session import COOKIE

pytestmark = pytest.mark.browser

WIDTHS = pytest.mark.parametrize("width", [320, 360, 1280])
JAVASCRIPT = pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
LINES = (
    ("Bruiloftsreportage, de hele dag met twee fotografen", "1", "1895.00", "21"),
    ("Fotoboek 30 × 30 cm, 40 pagina's", "2", "149.50", "9"),
    ("Reiskosten per kilometer", "120", "0.23", "21"),
)
# Elements that scroll sideways, or stick out of the page: the page must have none.
SIDEWAYS = """() => {
  const width = document.documentElement.clientWidth;
  const found = [];
  for (const element of document.querySelectorAll("body *")) {
    const style = getComputedStyle(element);
    const scrolls = ["auto", "scroll"].includes(style.overflowX)
      && element.scrollWidth > element.clientWidth + 1;
    const box = element.getBoundingClientRect();
    const outside = box.width > 0 && box.right > width + 1 && style.position !== "absolute";
    if (scrolls || outside) found.push(element.tagName + "." + element.className);
  }
  return found;
}"""
# What reaches furthest right, to say in a failure what sticks out.
WIDEST = """() => [...document.querySelectorAll("body *")]
  .map(e => [e.getBoundingClientRect().right, e.tagName + "." + e.className])
  .sort((a, b) => b[0] - a[0]).slice(0, 8)"""


def at_width(open_page, width: int, locale: str = "nl-NL", javascript: bool = True) -> Page:
    page, _ = open_page(locale=locale, javascript=javascript)
    page.set_viewport_size({"width": width, "height": 800})
    return page


def assert_within_width(page: Page, text: str) -> None:
    """The text is shown, and wholly within the page's width (no need to swipe for it)."""
    found = page.get_by_text(text, exact=True).first
    expect(found).to_be_visible()
    box = found.bounding_box()
    assert box is not None and box["x"] >= 0, text
    assert box["x"] + box["width"] <= page.viewport_size["width"], text


def assert_nothing_sideways(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], page.evaluate(WIDEST)
    assert page.evaluate(SIDEWAYS) == []


@WIDTHS
@JAVASCRIPT
def test_the_pay_page_reads_without_sideways_scrolling(
    open_page, app: Flask, width: int, javascript: bool
) -> None:
    with app.app_context():
        token = make_issued_invoice(lines=LINES)[1]
    page = at_width(open_page, width, javascript=javascript)
    page.goto(f"/pay/{token}")
    total = page.get_by_role("row", name="Totaal inclusief btw")
    expect(total).to_contain_text("€ 2.652,26")
    for amount in ("€ 1.895,00", "€ 299,00", "€ 27,60", "€ 403,75", "€ 2.652,26", "€ 1.326,13"):
        assert_within_width(page, amount)
    assert_nothing_sideways(page)
    assert_accessible_as_shown(open_page, page, "nl-NL", javascript)


@WIDTHS
def test_the_privacy_panels_read_without_sideways_scrolling(
    open_page, app: Flask, live_server: str, width: int
) -> None:
    with app.app_context():
        submit_message(
            Submission(
                name="Anna de Vries",
                email=KNOWN,
                phone="+31 6 1234 5678",
                production_kind=ProductionKind.VIDEO,
                preferred_date=studio_today() + timedelta(days=180),
                message="Een bruiloftsfilm in juni, graag met drone-opnamen.",
                newsletter=True,
                language="nl",
            )
        )
        make_issued_invoice(email=KNOWN, lines=LINES)
        file_request(
            KNOWN,
            RequestKind.CORRECTION,
            "Op factuur 2026-0007 staat mijn oude adres; het moet Kerkstraat 1, Utrecht zijn.",
            language="nl",
        )
        challenge = verification.request_code(KNOWN, "nl")
    with app.app_context():
        session = verification.check_code(challenge, mailed_codes(app)[-1])
    page = at_width(open_page, width)
    page.context.add_cookies([{"name": COOKIE, "value": session, "url": live_server}])
    for path, text in (
        ("/privacy-centre/data", "Voorkeursdatum"),
        ("/privacy-centre/consents", "Nieuwsbrief"),
        ("/privacy-centre/requests", "Antwoord uiterlijk"),
        ("/privacy-centre/requests/complaint", "telefonisch: 088 1805 250 (gratis)"),
    ):
        page.goto(path)
        assert_within_width(page, text)
        assert_nothing_sideways(page)
        assert_accessible_as_shown(open_page, page, "nl-NL", True)


@pytest.mark.parametrize("width", [360, 1280])
@JAVASCRIPT
def test_every_field_with_an_error_is_marked_the_same(
    open_page, width: int, javascript: bool
) -> None:
    page = at_width(open_page, width, javascript=javascript)
    page.goto("/contact")
    page.get_by_role("button", name="Bericht versturen").click()
    expect(page.get_by_text("Controleer het formulier")).to_be_visible()
    page.wait_for_load_state("load")  # without JavaScript a new page: its stylesheet too
    borders = [
        page.locator(f"#{field}").evaluate("field => getComputedStyle(field).borderTopColor")
        for field in ("name", "email", "message")
    ]
    assert borders == ["rgb(161, 38, 13)"] * 3


def test_the_dutch_back_office_header_holds_together(open_page, app: Flask) -> None:
    with app.app_context():
        create_staff(STAFF_EMAIL, STAFF_PASSWORD)
    page = at_width(open_page, 1280)
    page.goto("/admin/sign-in")
    page.get_by_label("E-mailadres").fill(STAFF_EMAIL)
    page.get_by_label("Wachtwoord").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url("**/admin/")
    page.wait_for_load_state("load")
    sign_out = page.get_by_role("button", name="Uitloggen").bounding_box()
    menu = page.get_by_role("navigation", name="Backoffice").get_by_role("link").first
    first_line = menu.bounding_box()
    assert sign_out["y"] < first_line["y"] + first_line["height"], "beside the menu's first line"
    page.goto("/admin/invoices")
    select, search = page.locator("select").first, page.locator("input[type=search]").first
    style = (
        "element => [getComputedStyle(element).fontSize, getComputedStyle(element).borderTopWidth]"
    )
    assert select.evaluate(style) == search.evaluate(style)
    assert Decimal(select.evaluate("element => getComputedStyle(element).fontSize")[:-2]) >= 16
