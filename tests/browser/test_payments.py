"""Paying by link in a real browser: staff issue, the client pays deposit and balance at Mollie.

The site talks to the Mollie sandbox over HTTP, the sandbox's checkout is a real page at
its own address, and its webhooks reach the live server; mail goes through real SMTP.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.browser.conftest import Watcher, assert_accessible_as_shown
from tests.factories import make_issued_invoice
from tests.smtp import SmtpServer
from website.admin.services import create_staff
from website.clock import studio_today
from website.mail.services import deliver_due
from website.mollie_sandbox.testing import MollieSandbox

pytestmark = pytest.mark.browser

STAFF_EMAIL = "studio@ivisualproductions.nl"
STAFF_PASSWORD = "lantern orchard velvet quarry"
PAY_LINK = re.compile(r"http://127\.0\.0\.1:\d+/pay/[A-Za-z0-9_-]{43}")


@dataclass(frozen=True)
class Words:
    language: str
    invoice_heading: str
    pay_deposit: str
    pay_balance: str
    processing: str
    check_again: str
    paid: str
    not_completed: str
    try_again: str
    paid_in_full: str
    invoice_subject: str
    receipt_subject: str


WORDS = {
    "nl-NL": Words(
        language="Nederlands",
        invoice_heading="Factuur",
        pay_deposit="Betaal € 605,00 online",
        pay_balance="Betaal € 605,00 online",
        processing="Uw betaling wordt verwerkt",
        check_again="Opnieuw controleren",
        paid="Dank u wel, uw betaling is binnen",
        not_completed="Uw betaling is niet afgerond",
        try_again="Opnieuw proberen",
        paid_in_full="Deze factuur is helemaal betaald",
        invoice_subject="Factuur",
        receipt_subject="Betaling ontvangen voor factuur",
    ),
    "en-GB": Words(
        language="English",
        invoice_heading="Invoice",
        pay_deposit="Pay €605.00 online",
        pay_balance="Pay €605.00 online",
        processing="Your payment is being processed",
        check_again="Check again",
        paid="Thank you, your payment is in",
        not_completed="Your payment was not completed",
        try_again="Try again",
        paid_in_full="This invoice is paid in full",
        invoice_subject="Invoice",
        receipt_subject="Payment received for invoice",
    ),
}
JAVASCRIPT = pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])


@pytest.fixture
def app_config(smtp_server: SmtpServer, mollie_sandbox: MollieSandbox) -> dict[str, Any]:
    return {
        **smtp_server.config,
        "MOLLIE_API_ENDPOINT": mollie_sandbox.url,
        "MOLLIE_API_KEY": mollie_sandbox.api_key,
    }


@pytest.fixture
def site(app: Flask, live_server: str) -> str:
    """The live server, which is also where links in mail and Mollie's callbacks point."""
    app.config["PUBLIC_BASE_URL"] = live_server
    return live_server


def deliver(app: Flask) -> None:
    with app.app_context():
        assert deliver_due().dead == 0


def text_of(mail) -> str:
    return mail.get_body(preferencelist=("plain",)).get_content()


def assert_only_mollie_elsewhere(watcher: Watcher, sandbox: MollieSandbox) -> None:
    """The site asks no third party for anything; the only other address is the checkout."""
    assert [url for url in watcher.foreign_requests if not url.startswith(sandbox.url)] == []
    assert watcher.console_errors == []


def issue_in_the_back_office(page: Page, client_email: str, words: Words) -> None:
    page.goto("/admin/invoices/new")
    page.get_by_label("Email address", exact=True).fill(STAFF_EMAIL)
    page.get_by_label("Password", exact=True).fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/admin/invoices/new$"))
    page.get_by_label("Email address", exact=True).fill(client_email)
    page.get_by_label("Name", exact=True).fill("Anna de Vries")
    page.get_by_label("Language of the invoice and its emails").select_option(label=words.language)
    page.get_by_label("Postal address").fill("Kerkstraat 1\n1234 AB Utrecht")
    page.get_by_label("Line 1: Description").fill("Wedding film")
    page.get_by_label("Line 1: Quantity").fill("1")
    page.get_by_label("Line 1: Unit price excl. VAT").fill("1000")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("heading", name="Draft invoice", exact=True)).to_be_visible()
    page.get_by_role("button", name="Issue invoice: number it and fix it for good").click()
    page.get_by_role("button", name=f"Send to {client_email}").click()
    expect(page.get_by_text(f"is emailed to {client_email} with a new pay link")).to_be_visible()


def pay_at_mollie(page: Page, button: str, outcome: str) -> None:
    # Let the print stylesheet arrive first: leaving while the live server still sends it
    # makes werkzeug leave the file open (a ResourceWarning, an error in this suite).
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name=button).click()
    expect(page.get_by_text("Note: this is a testmode payment")).to_be_visible()
    page.get_by_label(outcome, exact=True).check()
    page.get_by_role("button", name="Continue").click()


@pytest.mark.parametrize("locale", list(WORDS))
@JAVASCRIPT
def test_the_whole_journey_deposit_then_balance(
    open_page,
    app: Flask,
    site: str,
    smtp_server: SmtpServer,
    mollie_sandbox: MollieSandbox,
    locale: str,
    javascript: bool,
) -> None:
    words = WORDS[locale]
    client_email = f"anna.{locale.lower()}.{'js' if javascript else 'nojs'}@example.nl"
    with app.app_context():
        create_staff(STAFF_EMAIL, STAFF_PASSWORD)

    staff_page, _ = open_page(locale="en-GB")
    issue_in_the_back_office(staff_page, client_email, words)
    deliver(app)
    [invoice_mail] = smtp_server.inbox.to(client_email)
    number = f"{studio_today().year}-"  # invoice numbers start with the studio's year
    assert invoice_mail["Subject"].startswith(f"{words.invoice_subject} {number}")
    link = PAY_LINK.search(text_of(invoice_mail))
    assert link, "the invoice email carries the pay link"

    page, watcher = open_page(locale=locale, javascript=javascript)
    page.goto(link.group())
    expect(
        page.get_by_role("heading", name=re.compile(f"{words.invoice_heading} {number}"))
    ).to_be_visible()
    assert_accessible_as_shown(open_page, page, locale, javascript)

    # The deposit. Mollie cannot be asked when the client comes back, so the page says
    # "processing" until the webhook lands; then it turns "paid" by itself (or on a click).
    mollie_sandbox.configure_webhooks(paused=True)
    mollie_sandbox.inject_fault("status", status=503, method="GET", path_prefix="/v2/payments/")
    pay_at_mollie(page, words.pay_deposit, "Paid")
    status = page.locator("#payment-status")
    expect(status.get_by_role("heading", name=words.processing)).to_be_visible()
    assert_accessible_as_shown(open_page, page, locale, javascript)
    if javascript:
        page.evaluate("window.stillTheSamePage = true")
    [attempt] = mollie_sandbox.flush_webhooks()
    assert attempt["status"] == 200
    if not javascript:
        page.get_by_role("link", name=words.check_again).click()
    expect(status.get_by_role("heading", name=words.paid)).to_be_visible(timeout=10_000)
    if javascript:
        assert page.evaluate("window.stillTheSamePage") is True, "updated in place"
    deliver(app)
    receipts = [
        m for m in smtp_server.inbox.to(client_email) if words.receipt_subject in m["Subject"]
    ]
    assert len(receipts) == 1

    # The balance, paid the same way; the webhook may come before or after the return.
    mollie_sandbox.configure_webhooks(paused=False)
    page.goto(link.group())
    pay_at_mollie(page, words.pay_balance, "Paid")
    expect(status.get_by_role("heading", name=words.paid)).to_be_visible()
    page.goto(link.group())
    expect(page.get_by_text(words.paid_in_full)).to_be_visible()
    deliver(app)
    receipts = [
        m for m in smtp_server.inbox.to(client_email) if words.receipt_subject in m["Subject"]
    ]
    assert len(receipts) == 2
    assert_accessible_as_shown(open_page, page, locale, javascript)
    assert_only_mollie_elsewhere(watcher, mollie_sandbox)


@pytest.mark.parametrize("outcome", ["Failed", "Canceled", "Expired", "Open"])
@JAVASCRIPT
def test_a_payment_that_does_not_complete_can_be_tried_again(
    open_page, app: Flask, site: str, mollie_sandbox: MollieSandbox, outcome: str, javascript: bool
) -> None:
    words = WORDS["en-GB"]
    with app.app_context():
        token = make_issued_invoice(lines=(("Wedding film", "1", "1000.00", "21"),))[1]
    page, watcher = open_page(locale="en-GB", javascript=javascript)
    page.goto(f"/pay/{token}")

    pay_at_mollie(page, words.pay_deposit, outcome)

    status = page.locator("#payment-status")
    expect(status.get_by_role("heading", name=words.not_completed)).to_be_visible()
    assert_accessible_as_shown(open_page, page, "en-GB", javascript)
    page.wait_for_load_state("networkidle")
    status.get_by_role("button", name=words.try_again).click()
    expect(page.get_by_text("Note: this is a testmode payment")).to_be_visible()
    payments = mollie_sandbox.payments()
    # "Open" (back without paying) reuses the open payment; the others need a new one.
    assert len(payments) == (1 if outcome == "Open" else 2)
    assert payments[0]["status"] == outcome.lower()
    page.get_by_label("Paid", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    expect(status.get_by_role("heading", name=words.paid)).to_be_visible()
    assert_only_mollie_elsewhere(watcher, mollie_sandbox)
