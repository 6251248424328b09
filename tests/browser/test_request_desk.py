"""The request desk in a real browser, in Dutch and English, with and without JavaScript:
staff log a request that came by letter, extend it, complete it, and refuse another."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Page, expect

from tests.admin.conftest import STAFF_EMAIL, STAFF_PASSWORD
from tests.browser.conftest import assert_accessible_as_shown
from website.admin.services import create_staff
from website.clients.models import Client
from website.clients.services import client_for
from website.clock import studio_today
from website.extensions import db
from website.mail.models import OutboxMessage
from website.privacy.models import PrivacyRequest, RequestChannel, RequestKind, RequestStatus
from website.privacy.requests import ask_restriction, file_request
from website.restrictions.models import RestrictionGround
from website.restrictions.services import is_restricted

pytestmark = pytest.mark.browser

JAVASCRIPT = pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
UNPROCESSABLE = (
    "Failed to load resource: the server responded with a status of 422 (UNPROCESSABLE ENTITY)"
)


@dataclass(frozen=True)
class Words:
    email: str
    password: str
    sign_in: str
    menu: str
    requests: str
    log_link: str
    kind: str
    channel: str
    received: str
    details: str
    identity: str
    log_button: str
    identity_missing: str
    logged: str
    one_month: str
    reason: str
    extend_button: str
    reason_missing: str
    extended: str
    outcome: str
    complete_button: str
    outcome_missing: str
    answered: str
    refuse_button: str
    refused: str
    answered_badge: str
    refused_badge: str


WORDS = {
    "nl-NL": Words(
        email="E-mailadres",
        password="Wachtwoord",
        sign_in="Inloggen",
        menu="Backoffice",
        requests="Verzoeken",
        log_link="Een verzoek vastleggen",
        kind="Verwijdering",
        channel="Per brief",
        received="Ontvangen op",
        details="Wat er werd gevraagd",
        identity="Hoe de identiteit is gecontroleerd",
        log_button="Verzoek vastleggen",
        identity_missing="Noteer hoe u hebt gecontroleerd wie het vroeg.",
        logged="is vastgelegd.",
        one_month="1 maand: antwoord uiterlijk",
        reason="Reden",
        extend_button="Verzoek verlengen",
        reason_missing="Vul de reden van de verlenging in.",
        extended="is verlengd tot",
        outcome="Wat er is gedaan",
        complete_button="Verzoek afronden",
        outcome_missing="Schrijf op wat er is gedaan.",
        answered="is beantwoord.",
        refuse_button="Verzoek weigeren",
        refused="is geweigerd.",
        answered_badge="Beantwoord",
        refused_badge="Geweigerd",
    ),
    "en-GB": Words(
        email="Email address",
        password="Password",
        sign_in="Sign in",
        menu="Back office",
        requests="Requests",
        log_link="Log a request",
        kind="Erasure",
        channel="By letter",
        received="Received on",
        details="What was asked",
        identity="How identity was checked",
        log_button="Log the request",
        identity_missing="Please note how you checked who asked.",
        logged="is logged.",
        one_month="1 month: answer by",
        reason="Reason",
        extend_button="Extend the request",
        reason_missing="Please give the reason for the extension.",
        extended="is extended to",
        outcome="What was done",
        complete_button="Complete the request",
        outcome_missing="Please say what was done.",
        answered="is answered.",
        refuse_button="Refuse the request",
        refused="is refused.",
        answered_badge="Answered",
        refused_badge="Refused",
    ),
}
LOCALES = list(WORDS)
LETTER_FROM = "piet.jansen@example.nl"


def sign_in(page: Page, words: Words) -> None:
    page.get_by_label(words.email, exact=True).fill(STAFF_EMAIL)
    page.get_by_label(words.password, exact=True).fill(STAFF_PASSWORD)
    page.get_by_role("button", name=words.sign_in).click()


def stored(app: Flask, email: str) -> PrivacyRequest:
    with app.app_context():
        found = db.session.scalars(
            sa.select(PrivacyRequest).where(PrivacyRequest.email == email)
        ).one()
        db.session.expunge(found)
        return found


def mail_kinds(app: Flask, email: str) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(OutboxMessage.kind)
                .where(OutboxMessage.recipient == email)
                .order_by(OutboxMessage.id)
            )
        )


def submit_empty_first(page: Page, form: str, button: str, javascript: bool) -> None:
    """Send the form without its text: the error shows in place (htmx) or on the page."""
    if javascript:
        page.evaluate("window.stillTheSamePage = true")
    page.locator(form).get_by_role("button", name=button).click()
    expect(page.locator(f"{form} .form-errors")).to_be_visible()
    if javascript:
        assert page.evaluate("window.stillTheSamePage") is True, "htmx swapped the form"


@pytest.mark.parametrize("locale", LOCALES)
@JAVASCRIPT
def test_staff_log_extend_complete_and_refuse_requests(
    open_page, app: Flask, locale: str, javascript: bool
) -> None:
    words = WORDS[locale]
    from_centre = "noor.bakker@example.nl"
    with app.app_context():
        create_staff(STAFF_EMAIL, STAFF_PASSWORD)
        file_request(
            from_centre,
            RequestKind.CORRECTION,
            "My phone number is wrong.",
            language="en",
            channel=RequestChannel.PRIVACY_CENTRE,
        )
    page, watcher = open_page(locale=locale, javascript=javascript)
    page.goto("/admin/requests")
    sign_in(page, words)
    expect(page).to_have_url(re.compile(r"/admin/requests$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(words.requests)
    assert_accessible_as_shown(open_page, page, locale, javascript)

    # Log a letter; forgetting how identity was checked is an error shown with the field.
    page.get_by_role("link", name=words.log_link).click()
    expect(page).to_have_url(re.compile(r"/admin/requests/new$"))
    assert_accessible_as_shown(open_page, page, locale, javascript)
    page.get_by_label(words.email, exact=True).fill(LETTER_FROM)
    page.get_by_label(words.kind, exact=True).check()
    page.get_by_label(words.channel, exact=True).check()
    received = studio_today() - timedelta(days=3)
    page.get_by_label(words.received, exact=True).fill(received.isoformat())
    page.get_by_label(words.details, exact=True).fill("Please erase my data.")
    page.get_by_role("button", name=words.log_button).click()
    expect(page.locator("#identity_check-error")).to_have_text(words.identity_missing)
    expect(page.get_by_label(words.kind, exact=True)).to_be_checked()
    assert_accessible_as_shown(open_page, page, locale, javascript)
    page.get_by_label(words.identity, exact=True).fill("He signed with our invoice number.")
    page.get_by_role("button", name=words.log_button).click()
    expect(page).to_have_url(re.compile(r"/admin/requests/\d+$"))
    logged = stored(app, LETTER_FROM)
    expect(page.get_by_role("status")).to_contain_text(f"{logged.reference} {words.logged}")
    assert (logged.channel, logged.received_on) == (RequestChannel.LETTER, received)
    assert logged.identity_check == "He signed with our invoice number."
    assert_accessible_as_shown(open_page, page, locale, javascript)

    # Extend it by a month: first without the reason.
    submit_empty_first(page, "#extend-form", words.extend_button, javascript)
    expect(page.locator("#extension_reason-error")).to_have_text(words.reason_missing)
    assert_accessible_as_shown(open_page, page, locale, javascript)
    extend_form = page.locator("#extend-form")
    extend_form.get_by_label(re.compile(f"^{re.escape(words.one_month)}")).check()
    extend_form.get_by_label(words.reason, exact=True).fill("Our archive is being moved.")
    extend_form.get_by_role("button", name=words.extend_button).click()
    expect(page.get_by_role("status")).to_contain_text(words.extended)
    assert stored(app, LETTER_FROM).extension_reason == "Our archive is being moved."
    expect(page.locator("#extend-form button")).to_have_count(0)
    assert_accessible_as_shown(open_page, page, locale, javascript)

    # Complete it: first without saying what was done.
    submit_empty_first(page, "#complete-form", words.complete_button, javascript)
    expect(page.locator("#outcome-error")).to_have_text(words.outcome_missing)
    assert_accessible_as_shown(open_page, page, locale, javascript)
    page.get_by_label(words.outcome, exact=True).fill("Erased everything but the invoices.")
    page.get_by_role("button", name=words.complete_button).click()
    expect(page.get_by_role("status")).to_contain_text(words.answered)
    expect(page.locator("h1 .badge")).to_have_text(words.answered_badge)
    expect(page.get_by_role("button", name=words.complete_button)).to_have_count(0)
    assert stored(app, LETTER_FROM).status is RequestStatus.COMPLETED
    assert_accessible_as_shown(open_page, page, locale, javascript)

    # Refuse the request from the centre, found on the desk.
    page.get_by_role("navigation", name=words.menu).get_by_role("link", name=words.requests).click()
    centre_reference = stored(app, from_centre).reference
    page.get_by_role("link", name=centre_reference).click()
    refuse_form = page.locator("#refuse-form")
    refuse_form.get_by_label(words.reason, exact=True).fill("The number is the one you gave us.")
    refuse_form.get_by_role("button", name=words.refuse_button).click()
    expect(page.get_by_role("status")).to_contain_text(words.refused)
    expect(page.locator("h1 .badge")).to_have_text(words.refused_badge)
    assert stored(app, from_centre).status is RequestStatus.REFUSED
    assert_accessible_as_shown(open_page, page, locale, javascript)

    assert mail_kinds(app, LETTER_FROM) == [
        "privacy/request_received",
        "privacy/request_extended",
        "privacy/request_answered",
    ]
    assert mail_kinds(app, from_centre) == ["privacy/request_received", "privacy/request_refused"]
    # Chromium logs every 4xx response as a failed load: the three forms sent with errors.
    assert watcher.console_errors == [UNPROCESSABLE] * 3
    watcher.console_errors.clear()
    watcher.assert_clean()


@dataclass(frozen=True)
class PrivacyWords:
    erase_button: str
    erased: str
    lift_button: str
    lifted: str
    restricted: str


PRIVACY_WORDS = {
    "nl-NL": PrivacyWords(
        erase_button="Verwijderen zoals getoond",
        erased="zijn verwijderd zoals getoond",
        lift_button="Beperking opheffen en de persoon inlichten",
        lifted="De beperking is opgeheven",
        restricted="De verwerking is beperkt (art. 18 AVG).",
    ),
    "en-GB": PrivacyWords(
        erase_button="Erase as shown",
        erased="is erased as shown",
        lift_button="Lift the restriction and tell the person",
        lifted="The restriction is lifted",
        restricted="Processing is restricted (Art. 18 GDPR).",
    ),
}


@pytest.mark.parametrize("locale", LOCALES)
@JAVASCRIPT
def test_staff_carry_out_an_erasure_and_lift_a_restriction(
    open_page, app: Flask, locale: str, javascript: bool
) -> None:
    words, privacy = WORDS[locale], PRIVACY_WORDS[locale]
    with app.test_request_context():
        create_staff(STAFF_EMAIL, STAFF_PASSWORD)
        erased = client_for("eva@example.nl", "Eva Erased", "en")
        kept = client_for("rosa@example.nl", "Rosa Restrict", "en")
        db.session.commit()
        erasure = file_request("eva@example.nl", RequestKind.ERASURE, "", language="en")
        ask_restriction("rosa@example.nl", RestrictionGround.ACCURACY, "", language="en")
        erasure_id, kept_id, erased_id = erasure.id, kept.id, erased.id
    page, watcher = open_page(locale=locale, javascript=javascript)
    page.goto(f"/admin/requests/{erasure_id}")
    sign_in(page, words)
    expect(page.get_by_role("button", name=privacy.erase_button)).to_be_visible()
    assert_accessible_as_shown(open_page, page, locale, javascript)
    page.get_by_role("button", name=privacy.erase_button).click()
    expect(page.get_by_role("status").or_(page.locator(".flash")).first).to_contain_text(
        privacy.erased
    )
    expect(page.get_by_role("button", name=privacy.erase_button)).to_have_count(0)
    assert_accessible_as_shown(open_page, page, locale, javascript)

    page.goto(f"/admin/clients/{kept_id}")
    expect(page.locator("#restriction")).to_contain_text(privacy.restricted)
    assert_accessible_as_shown(open_page, page, locale, javascript)
    page.get_by_role("button", name=privacy.lift_button).click()
    expect(page.get_by_text(privacy.lifted)).to_be_visible()
    expect(page.locator("#restriction")).to_have_count(0)
    with app.app_context():
        assert not is_restricted("rosa@example.nl")
        assert db.session.get(Client, erased_id) is None  # no invoices to keep it for
    watcher.assert_clean()
