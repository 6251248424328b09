"""The contact form in a real browser: sent with and without JS, mailed through real SMTP."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible_as_shown
from tests.smtp import SmtpServer
from website.contact.models import ContactMessage
from website.extensions import db
from website.mail.models import OutboxMessage
from website.mail.services import deliver_due

pytestmark = pytest.mark.browser

REFERENCE = re.compile(r"C-[A-Z2-9]{4}-[A-Z2-9]{4}")
UNPROCESSABLE = (
    "Failed to load resource: the server responded with a status of 422 (UNPROCESSABLE ENTITY)"
)


@dataclass(frozen=True)
class Words:
    """The visible texts of the form and the thank-you page in one language."""

    name: str
    email: str
    kind: str
    message: str
    send: str
    thanks: str
    check_form: str
    acknowledgement_subject: str
    name_error: str
    email_error: str
    kind_error: str
    message_error: str


WORDS = {
    "nl-NL": Words(
        name="Uw naam",
        email="E-mailadres",
        kind="Foto's",
        message="Uw bericht",
        send="Bericht versturen",
        thanks="Dank u wel, we hebben uw bericht ontvangen",
        check_form="Controleer het formulier",
        acknowledgement_subject="We hebben uw bericht ontvangen",
        name_error="Vul uw naam in.",
        email_error="Vul uw e-mailadres in, zodat we kunnen antwoorden.",
        kind_error="Kies wat u wilt laten maken.",
        message_error="Schrijf een bericht.",
    ),
    "en-GB": Words(
        name="Your name",
        email="Email address",
        kind="Photos",
        message="Your message",
        send="Send message",
        thanks="Thank you, we received your message",
        check_form="Please check the form",
        acknowledgement_subject="We received your message",
        name_error="Please tell us your name.",
        email_error="Please give your email address, so we can reply.",
        kind_error="Please choose what you would like us to make.",
        message_error="Please write a message.",
    ),
}
LOCALES = list(WORDS)
JAVASCRIPT = pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])


@pytest.fixture
def app_config(smtp_server: SmtpServer) -> dict[str, object]:
    """The live server's app sends its mail to the test SMTP server."""
    return smtp_server.config


def contact_messages(app: Flask) -> list[ContactMessage]:
    with app.app_context():
        found = list(db.session.scalars(sa.select(ContactMessage)))
        db.session.expunge_all()
        return found


def text_of(mail) -> str:
    return mail.get_body(preferencelist=("plain",)).get_content()


def html_of(mail) -> str:
    return mail.get_body(preferencelist=("html",)).get_content()


@pytest.mark.parametrize("locale", LOCALES)
@JAVASCRIPT
def test_a_visitor_sends_a_message_and_both_mails_arrive(
    open_page, app: Flask, smtp_server: SmtpServer, locale: str, javascript: bool
) -> None:
    words = WORDS[locale]
    name = "Zoë van den Berg"
    address = f"zoe.{locale.lower()}.{'js' if javascript else 'nojs'}@example.org"
    body = f"Een trouwreportage in Haarlem, graag met drone-opnamen ({locale})."
    page, watcher = open_page(locale=locale, javascript=javascript)

    response = page.goto("/contact")
    assert response is not None and response.status == 200
    assert_accessible_as_shown(open_page, page, locale, javascript)
    page.get_by_label(words.name, exact=True).fill(name)
    page.get_by_label(words.email, exact=True).fill(address)
    page.get_by_label(words.kind, exact=True).check()
    page.get_by_label(words.message, exact=True).fill(body)
    if javascript:
        page.evaluate("window.stillTheSamePage = true")
    page.get_by_role("button", name=words.send).click()

    thanks = page.locator("section#contact-thanks")
    expect(thanks.get_by_role("heading", name=words.thanks)).to_be_visible()
    if javascript:
        expect(page).to_have_url(re.compile(r"/contact$"))
        assert page.evaluate("window.stillTheSamePage") is True, "htmx swapped, no reload"
        expect(page.locator("#contact-form")).to_have_count(0)
        # htmx focuses the swapped-in [autofocus] element: the section, named by its heading.
        expect(thanks).to_be_focused()
        expect(thanks).to_have_attribute("aria-labelledby", "thanks-title")
    else:
        expect(page).to_have_url(re.compile(r"/contact/thanks$"))
    reference_match = REFERENCE.search(thanks.inner_text())
    assert reference_match, "the thank-you page shows the reference"
    reference = reference_match.group()
    assert_accessible_as_shown(open_page, page, locale, javascript)
    watcher.assert_clean()

    [stored] = contact_messages(app)
    assert (stored.reference, stored.name, stored.email, stored.body) == (
        reference,
        name,
        address,
        body,
    )
    assert stored.language == locale[:2]
    with app.app_context():
        report = deliver_due()
    assert report.sent == 2

    inbox = smtp_server.inbox
    assert len(inbox.messages) == 2
    studio = app.config["STUDIO_INBOX"]
    [notification] = inbox.to(studio)
    assert body in text_of(notification)
    assert name in text_of(notification)
    assert reference in notification["Subject"]
    assert notification["Reply-To"] == address

    [acknowledgement] = inbox.to(address)
    assert acknowledgement["Subject"] == f"{words.acknowledgement_subject} ({reference})"
    assert acknowledgement["Content-Language"] == locale[:2]
    assert acknowledgement["Auto-Submitted"] == "auto-replied"
    for part in (text_of(acknowledgement), html_of(acknowledgement)):
        assert reference in part
        assert name not in part and "van den Berg" not in part
        assert body not in part and "Haarlem" not in part
    assert sorted(recipients for _, recipients in inbox.envelopes) == sorted([[studio], [address]])


@pytest.mark.parametrize("locale", LOCALES)
@JAVASCRIPT
def test_an_empty_form_shows_its_errors_and_keeps_what_was_typed(
    open_page, app: Flask, smtp_server: SmtpServer, locale: str, javascript: bool
) -> None:
    words = WORDS[locale]
    page, watcher = open_page(locale=locale, javascript=javascript)
    response = page.goto("/contact")
    assert response is not None and response.status == 200
    page.get_by_label(words.name, exact=True).fill("Pieter Bakker")
    if javascript:
        page.evaluate("window.stillTheSamePage = true")
    with page.expect_response(
        lambda answer: answer.request.method == "POST" and answer.url.endswith("/contact")
    ) as answer:
        page.get_by_role("button", name=words.send).click()
    assert answer.value.status == 422

    summary = page.get_by_role("alert")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("heading", name=words.check_form)).to_be_visible()
    for error in (words.email_error, words.kind_error, words.message_error):
        expect(summary).to_contain_text(error)
    expect(summary).not_to_contain_text(words.name_error)
    expect(summary.get_by_role("link")).to_have_count(3)
    expect(summary.get_by_role("link", name=words.kind)).to_have_count(0)

    expect(page.locator("#email-error")).to_have_text(words.email_error)
    expect(page.locator("#production_kind-error")).to_have_text(words.kind_error)
    expect(page.locator("#message-error")).to_have_text(words.message_error)
    expect(page.locator("#name-error")).to_have_count(0)
    email = page.get_by_label(words.email, exact=True)
    message = page.get_by_label(words.message, exact=True)
    for field, error_id in ((email, "email-error"), (message, "message-error")):
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(field).to_have_attribute("aria-describedby", re.compile(rf"\b{error_id}\b"))
    expect(page.locator("fieldset")).to_have_attribute("aria-describedby", "production_kind-error")
    name = page.get_by_label(words.name, exact=True)
    expect(name).to_have_value("Pieter Bakker")
    expect(name).not_to_have_attribute("aria-invalid", "true")

    if javascript:
        expect(page).to_have_url(re.compile(r"/contact$"))
        assert page.evaluate("window.stillTheSamePage") is True, "htmx swapped, no reload"
        expect(summary).to_be_focused()
    expect(page.locator("#contact-form")).to_have_count(1)
    assert_accessible_as_shown(open_page, page, locale, javascript)
    # Chromium logs every 4xx response as a failed load; the 422 is the only complaint.
    assert watcher.console_errors == [UNPROCESSABLE]
    watcher.console_errors.clear()
    watcher.assert_clean()
    assert contact_messages(app) == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0
    assert smtp_server.inbox.messages == []
