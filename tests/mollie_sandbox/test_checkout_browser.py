"""The hosted checkout in Debian's chromium: accessible, script-free, clicked through."""

from __future__ import annotations

import pytest
from mollie.api.client import Client
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, Watcher, assert_accessible
from tests.mollie_sandbox.conftest import CreatePayment
from tests.mollie_sandbox.receiver import WebhookReceiver
from website.mollie_sandbox.testing import MollieSandbox

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


def open_page(browser: Browser, origin: str) -> tuple[Page, Watcher]:
    context = browser.new_context(locale="en-GB")
    watcher = Watcher(origin)
    watcher.attach(context)
    return context.new_page(), watcher


def test_a_customer_fails_a_payment_and_returns(
    browser: Browser,
    mollie: Client,
    mollie_sandbox: MollieSandbox,
    create_payment: CreatePayment,
    receiver: WebhookReceiver,
) -> None:
    back = receiver.url.replace("/webhook", "/i/tok3n/return")
    payment = create_payment(method="ideal", redirectUrl=back, webhookUrl=receiver.url)
    page, watcher = open_page(browser, mollie_sandbox.url)

    page.goto(payment.checkout_url)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_role("group", name="Status of your payment")).to_be_visible()
    expect(page.get_by_label("Paid")).to_be_checked()
    assert_accessible(page)
    watcher.assert_clean()

    page.get_by_label("Failed").check()
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_url(back)
    assert mollie.payments.get(payment.id).is_failed()
    assert [call.form["id"] for call in receiver.wait_for(2) if call.method == "POST"] == [
        payment.id
    ]
    page.context.close()


def test_the_method_choice_and_the_final_page_are_accessible(
    browser: Browser,
    mollie: Client,
    mollie_sandbox: MollieSandbox,
    create_payment: CreatePayment,
) -> None:
    payment = create_payment(method=["ideal", "banktransfer"])
    page, watcher = open_page(browser, mollie_sandbox.url)
    page.goto(payment.checkout_url)
    assert_accessible(page)

    page.route("https://studio.example/**", lambda route: route.fulfill(body="back"))
    page.get_by_label("Payment method").select_option("banktransfer")
    page.get_by_label("Open").check()
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(payment.redirect_url)
    assert mollie.payments.get(payment.id).method == "banktransfer"

    mollie_sandbox.set_status(payment.id, "paid")
    page.goto(payment.checkout_url)
    expect(page.get_by_role("link", name="Return to the website")).to_have_attribute(
        "href", payment.redirect_url
    )
    assert_accessible(page)
    watcher.foreign_requests.clear()  # the routed return page above
    watcher.assert_clean()
    page.context.close()
