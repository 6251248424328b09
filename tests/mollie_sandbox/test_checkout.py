"""The hosted test checkout (docs/mollie.md §8), driven with plain HTTP as a browser would."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
import requests
from mollie.api.client import Client
from mollie.api.objects.payment import Payment

from tests.mollie_sandbox.conftest import CreatePayment, client_for, payment_data
from tests.mollie_sandbox.receiver import WebhookReceiver
from website.mollie_sandbox.testing import TEST_API_KEY, MollieSandbox, SandboxServer

REDIRECT = "https://studio.example/i/tok3n/return?x=1"


class Page(HTMLParser):
    """The bits of the page the tests look at: labels, inputs, texts, links, tags."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.inputs: dict[str, dict[str, str | None]] = {}
        self.labels: dict[str, str] = {}  # for= -> text
        self.links: list[str] = []
        self.text: list[str] = []
        self.options: list[str] = []
        self._label_for: str | None = None
        self._in: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append(tag)
        if tag == "input" and attributes.get("id"):
            self.inputs[str(attributes["id"])] = attributes
        if tag == "label":
            self._label_for = attributes.get("for")
        if tag == "a":
            self.links.append(str(attributes.get("href")))
        if tag == "option":
            self.options.append(str(attributes.get("value")))
        if tag not in ("input", "meta", "link", "br"):
            self._in.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._label_for = None
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.text.append(" ".join(data.split()))
            if self._label_for:
                self.labels[self._label_for] = data.strip()

    def label_of(self, text: str) -> dict[str, str | None]:
        [target] = [key for key, label in self.labels.items() if label == text]
        return self.inputs[target]

    @property
    def all_text(self) -> str:
        return " ".join(self.text)


def fetch(payment: Payment) -> requests.Response:
    return requests.get(payment.checkout_url, timeout=5)


def submit(payment: Payment, **form: str) -> requests.Response:
    return requests.post(payment.checkout_url, data=form, allow_redirects=False, timeout=5)


def test_the_page_is_mollies_test_checkout(
    create_payment: CreatePayment, mollie_sandbox: MollieSandbox
) -> None:
    payment = create_payment(
        method="ideal",
        amount={"currency": "EUR", "value": "1234.50"},
        description="Invoice 2025-0042 <deposit>",
    )

    response = fetch(payment)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "script-src" not in response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert '<html lang="en">' in response.text
    assert "Invoice 2025-0042 &lt;deposit&gt;" in response.text  # escaped
    page = Page(response.text)
    assert page.tags.count("main") == 1 and page.tags.count("h1") == 1
    assert "script" not in page.tags and "img" not in page.tags
    assert "Note: this is a testmode payment" in page.all_text
    assert "€1,234.50" in page.all_text
    assert "Status of your payment" in page.text  # the legend
    assert "fieldset" in page.tags and "legend" in page.tags
    for label in ("Open", "Paid", "Failed", "Canceled", "Expired"):
        radio = page.label_of(label)
        assert radio["type"] == "radio" and radio["name"] == "status"
        assert ("checked" in radio) is (label == "Paid")
    assert "Continue" in page.text and "button" in page.tags
    assert "select" not in page.tags  # the merchant fixed the method


def test_the_stylesheet_is_served_by_the_sandbox(
    create_payment: CreatePayment, mollie_sandbox: MollieSandbox
) -> None:
    response = requests.get(f"{mollie_sandbox.url}/static/checkout.css", timeout=5)

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/css")
    assert 'href="/static/checkout.css"' in fetch(create_payment()).text


@pytest.mark.parametrize("status", ["paid", "failed", "canceled", "expired"])
def test_a_final_choice_sets_the_status_and_returns_to_the_shop(
    mollie: Client, create_payment: CreatePayment, receiver: WebhookReceiver, status: str
) -> None:
    payment = create_payment(method="ideal", webhookUrl=receiver.url)

    response = submit(payment, status=status)

    assert response.status_code == 303
    assert response.headers["Location"] == REDIRECT  # unchanged, no payment id added
    assert mollie.payments.get(payment.id).status == status
    assert [call.form["id"] for call in receiver.wait_for(1)] == [payment.id]


def test_open_returns_without_paying(
    mollie: Client, create_payment: CreatePayment, mollie_sandbox: MollieSandbox
) -> None:
    payment = create_payment(method="ideal", webhookUrl="http://127.0.0.1:9/hook")

    response = submit(payment, status="open")

    assert response.headers["Location"] == REDIRECT
    after = mollie.payments.get(payment.id)
    assert after.is_open() and after.checkout_url == payment.checkout_url
    assert mollie_sandbox.flush_webhooks() == []


def test_canceled_goes_to_the_cancel_url_when_there_is_one(
    create_payment: CreatePayment,
) -> None:
    payment = create_payment(cancelUrl="https://studio.example/i/tok3n/cancelled")

    assert submit(payment, status="canceled").headers["Location"] == (
        "https://studio.example/i/tok3n/cancelled"
    )
    other = create_payment(cancelUrl="https://studio.example/i/tok3n/cancelled")
    assert submit(other, status="failed").headers["Location"] == REDIRECT


def test_a_final_payment_says_so_and_links_back(
    create_payment: CreatePayment, mollie_sandbox: MollieSandbox
) -> None:
    payment = create_payment(method="ideal")
    submit(payment, status="failed")

    response = fetch(payment)

    assert response.status_code == 200
    page = Page(response.text)
    assert "This payment is failed and can no longer be paid here." in page.all_text
    assert REDIRECT in page.links
    assert "fieldset" not in page.tags
    again = submit(payment, status="paid")
    assert again.status_code == 409
    assert mollie_sandbox.payment(payment.id)["status"] == "failed"


def test_a_paid_test_payment_offers_a_chargeback(
    mollie: Client, create_payment: CreatePayment, mollie_sandbox: MollieSandbox
) -> None:
    payment = create_payment(method="ideal")
    submit(payment, status="paid")
    state_page = mollie.payments.get(payment.id).changepaymentstate_url

    response = requests.post(state_page, data={"action": "chargeback"}, timeout=5)

    assert response.status_code == 200
    assert mollie.payments.get(payment.id).has_chargebacks()


def test_without_a_method_the_customer_chooses_one(
    mollie: Client, create_payment: CreatePayment, mollie_sandbox: MollieSandbox
) -> None:
    payment = create_payment(method=["ideal", "banktransfer"])
    page = Page(fetch(payment).text)
    assert page.options == ["ideal", "banktransfer"]
    assert "Payment method" in page.labels.values()

    response = submit(payment, status="open", method="banktransfer")

    assert response.status_code == 303
    chosen = mollie.payments.get(payment.id)
    assert chosen.method == "banktransfer" and chosen.is_open()
    assert chosen.details["bankAccount"]
    assert "NL53ABNA0627535577" in fetch(payment).text


def test_all_methods_are_offered_when_none_were_given(
    create_payment: CreatePayment, mollie_sandbox: MollieSandbox
) -> None:
    page = Page(fetch(create_payment()).text)

    assert {"ideal", "creditcard", "banktransfer"} <= set(page.options)


@pytest.mark.parametrize(
    ("form", "problem"),
    [
        ({"status": "bogus"}, "Choose the status of your payment."),
        ({}, "Choose the status of your payment."),
        ({"status": "paid", "method": "creditcard"}, "Choose a payment method."),
    ],
)
def test_bad_choices_show_the_page_again(
    mollie: Client, create_payment: CreatePayment, form: dict[str, str], problem: str
) -> None:
    payment = create_payment(method=["ideal", "banktransfer"])

    response = submit(payment, **form)

    assert response.status_code == 400
    assert problem in Page(response.text).all_text
    assert mollie.payments.get(payment.id).is_open()


def test_an_unknown_payment_page_is_404(mollie_sandbox: MollieSandbox) -> None:
    response = requests.get(f"{mollie_sandbox.url}/checkout/select-method/nope", timeout=5)

    assert response.status_code == 404
    assert "Payment not found" in Page(response.text).text


def test_the_public_url_is_used_for_checkout_links() -> None:
    server = SandboxServer(public_url="https://pay.sandbox.example/").start()
    try:
        payment = client_for(server.url, TEST_API_KEY).payments.create(payment_data())
    finally:
        server.stop()

    assert payment.checkout_url.startswith("https://pay.sandbox.example/checkout/")
    assert payment["_links"]["self"]["href"].startswith(f"{server.url}/v2/")
