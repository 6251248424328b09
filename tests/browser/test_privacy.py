"""The privacy centre in a real browser, in Dutch and English, with and without JavaScript.

The code travels through the outbox to a real SMTP server; every panel is checked by axe;
the photo's metadata and the downloaded ZIP are checked against what the database holds.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from babel.dates import format_date
from flask import Flask
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import assert_accessible_as_shown
from tests.conftest import PolicyFactory
from tests.privacy.helpers import mailed_codes
from tests.privacy.images import CAMERA, exif_of, jpeg_with_location
from tests.smtp import SmtpServer
from website.addresses import email_hash
from website.clients.models import Client
from website.clients.services import client_for
from website.clock import studio_today
from website.consents.models import ConsentAction, ConsentEvent
from website.contact.models import ContactMessage, ProductionKind
from website.contact.services import Submission, submit_message
from website.extensions import db
from website.mail.models import OutboxMessage, Suppression
from website.mail.services import deliver_due
from website.mail.unsubscribe import unsubscribe_token
from website.privacy import verification
from website.privacy.models import PrivacyRequest, ProfilePhoto, RemovalRequest
from website.privacy.requests import months_after
from website.privacy.session import COOKIE
from website.restrictions.services import is_restricted

pytestmark = pytest.mark.browser

CODE = re.compile(r"^[ \t]+(\d{8})\r?$", re.MULTILINE)


@dataclass(frozen=True)
class Words:
    email: str
    send_code: str
    code: str
    confirm: str
    data: str
    download: str
    profile: str
    consents: str
    give: str
    withdraw: str
    given: str
    withdrawn_notice: str
    photo: str
    upload: str
    photo_added: str
    download_button: str
    sign_out: str
    signed_out: str
    portfolio: str
    code_subject: str


WORDS = {
    "nl-NL": Words(
        email="E-mailadres",
        send_code="Stuur mij een code",
        code="Code uit de e-mail",
        confirm="Bevestigen",
        data="Uw gegevens",
        download="Downloaden",
        profile="Profiel",
        consents="Toestemmingen",
        give="Toestemming geven",
        withdraw="Toestemming intrekken",
        given="Gegeven",
        withdrawn_notice="Drukwerk dat al is uitgedeeld, kan niet worden teruggehaald.",
        photo="Voorbeeldfoto (JPEG, PNG of WebP)",
        upload="Foto uploaden",
        photo_added="We hebben de cameragegevens en locatie verwijderd.",
        download_button="Download mijn gegevens (ZIP)",
        sign_out="Uitloggen",
        signed_out="U bent uitgelogd uit het privacycentrum.",
        portfolio="Portfolio",
        code_subject="Uw code voor het privacycentrum",
    ),
    "en-GB": Words(
        email="Email address",
        send_code="Send me a code",
        code="Code from the email",
        confirm="Confirm",
        data="Your data",
        download="Download",
        profile="Profile",
        consents="Consents",
        give="Give consent",
        withdraw="Withdraw consent",
        given="Given",
        withdrawn_notice="Printed material that was already handed out cannot be recalled.",
        photo="Sample photo (JPEG, PNG or WebP)",
        upload="Upload photo",
        photo_added="We removed its camera data and location.",
        download_button="Download my data (ZIP)",
        sign_out="Sign out",
        signed_out="You have signed out of the privacy centre.",
        portfolio="Portfolio",
        code_subject="Your code for the privacy centre",
    ),
}
LOCALES = list(WORDS)
UNSUBSCRIBE = {"nl-NL": "Afmelden", "en-GB": "Unsubscribe"}
UNSUBSCRIBED = {"nl-NL": "U bent afgemeld", "en-GB": "You are unsubscribed"}
JAVASCRIPT = pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])


@pytest.fixture
def app_config(smtp_server: SmtpServer) -> dict[str, object]:
    return smtp_server.config


def receive_code(app: Flask, smtp_server: SmtpServer, address: str, subject: str) -> str:
    with app.app_context():
        assert deliver_due().sent == 1
    [mail] = smtp_server.inbox.to(address)
    assert mail["Subject"] == subject
    return CODE.search(mail.get_body(preferencelist=("plain",)).get_content()).group(1)


def open_panel(page: Page, name: str, heading: str, javascript: bool) -> None:
    page.get_by_role("navigation", name=re.compile("Privac")).get_by_role(
        "link", name=name, exact=True
    ).click()
    expect(page.get_by_role("heading", level=2, name=heading, exact=True)).to_be_visible()
    if javascript:
        assert page.evaluate("window.stillTheSamePage") is True, "htmx swapped the panel"
    # What lies outside the panel follows it: the title, and the language switch's way back.
    expect(page).to_have_title(re.compile(f"^{re.escape(heading)} · "))
    path = page.evaluate("location.pathname")
    switch = page.get_by_role("navigation", name=re.compile("^(Taal|Language)$")).get_by_role(
        "link"
    )
    expect(switch).to_have_attribute("href", re.compile(f"next={re.escape(path)}$"))


def loaded_width(image: Locator) -> int:
    """The image's decoded width once it has loaded (0 if it never does)."""
    for _ in range(50):
        if image.evaluate("image => image.complete"):
            break
        image.page.wait_for_timeout(100)
    return image.evaluate("image => image.naturalWidth")


@pytest.mark.parametrize("locale", LOCALES)
@JAVASCRIPT
def test_the_whole_privacy_centre(
    open_page,
    app: Flask,
    smtp_server: SmtpServer,
    create_policy_version: PolicyFactory,
    locale: str,
    javascript: bool,
    tmp_path: Path,
) -> None:
    words = WORDS[locale]
    address = f"anna.{locale.lower()}.{'js' if javascript else 'nojs'}@example.org"
    create_policy_version(language=locale[:2])
    with app.app_context():
        reference = submit_message(
            Submission(
                name="Anna de Vries",
                email=address,
                phone=None,
                production_kind=ProductionKind.PHOTO,
                preferred_date=None,
                message="=SUM(1,2) A portrait, please.",
                newsletter=False,
                language=locale[:2],
            )
        ).reference
        deliver_due()
    smtp_server.inbox.messages.clear()
    page, watcher = open_page(locale=locale, javascript=javascript)

    # Ask for a code, read it from the real mail, type it in.
    page.goto("/privacy-centre")
    assert_accessible_as_shown(open_page, page, locale, javascript)
    page.get_by_label(words.email, exact=True).fill(address)
    page.get_by_role("button", name=words.send_code).click()
    code_field = page.get_by_label(words.code, exact=True)
    expect(code_field).to_be_visible()
    assert_accessible_as_shown(open_page, page, locale, javascript)
    code_field.fill(receive_code(app, smtp_server, address, words.code_subject))
    page.get_by_role("button", name=words.confirm, exact=True).click()

    # Your data.
    expect(page.get_by_role("heading", level=2, name=words.data)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/privacy-centre/data$"))
    expect(page.locator("#privacy-panel")).to_contain_text(reference)
    assert_accessible_as_shown(open_page, page, locale, javascript)
    if javascript:
        page.evaluate("window.stillTheSamePage = true")

    # Consents: give, then withdraw, portfolio use.
    open_panel(page, words.consents, words.consents, javascript)
    assert_accessible_as_shown(open_page, page, locale, javascript)
    portfolio = page.locator("section.consent").filter(
        has=page.get_by_role("heading", name=words.portfolio, exact=True)
    )
    portfolio.get_by_role("button", name=words.give).click()
    expect(portfolio).to_contain_text(words.given)
    portfolio = page.locator("section.consent").filter(
        has=page.get_by_role("heading", name=words.portfolio, exact=True)
    )
    portfolio.get_by_role("button", name=words.withdraw).click()
    expect(page.get_by_role("status").first).to_contain_text(words.withdrawn_notice)
    assert_accessible_as_shown(open_page, page, locale, javascript)
    with app.app_context():
        actions = db.session.scalars(
            sa.select(ConsentEvent.action).where(ConsentEvent.email == address)
        ).all()
        assert actions == [ConsentAction.GIVEN, ConsentAction.WITHDRAWN]
        assert db.session.scalar(sa.select(sa.func.count(RemovalRequest.id))) == 1

    # Profile: a photo with camera data and a location.
    open_panel(page, words.profile, words.profile, javascript)
    assert_accessible_as_shown(open_page, page, locale, javascript)
    page.get_by_label(words.photo).set_input_files(
        {"name": "holiday.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_location()}
    )
    page.get_by_role("button", name=words.upload).click()
    expect(page.get_by_role("status").first).to_contain_text(words.photo_added)
    expect(page.locator(".photo img")).to_have_count(1)
    assert loaded_width(page.locator(".photo img")) == 320, "the photo is served and shown"
    assert_accessible_as_shown(open_page, page, locale, javascript)
    with app.app_context():
        photo = db.session.scalar(sa.select(ProfilePhoto))
        stored = Path(app.config["PRIVACY_UPLOAD_FOLDER"]) / "photos" / photo.file_name
        stored_bytes = stored.read_bytes()
        photo_name = photo.file_name
    assert exif_of(stored_bytes) == {} and CAMERA.encode() not in stored_bytes

    # Download: the ZIP against the database.
    open_panel(page, words.download, words.download, javascript)
    assert_accessible_as_shown(open_page, page, locale, javascript)
    with page.expect_download() as download:
        page.get_by_role("button", name=words.download_button).click()
    archive = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes()))
    data = json.loads(archive.read("data.json"))
    assert data["email"] == address
    with app.app_context():
        message = db.session.scalar(sa.select(ContactMessage))
        events = db.session.scalars(sa.select(ConsentEvent).order_by(ConsentEvent.id)).all()
        [record] = data["categories"]["contact_messages"]["records"]
        assert (record["reference"], record["message"]) == (message.reference, message.body)
        assert [(e["purpose"], e["action"]) for e in data["categories"]["consents"]["records"]] == [
            (event.purpose.value, event.action.value) for event in events
        ]
    assert archive.read(f"photos/{photo_name}") == stored_bytes
    assert "'=SUM(1,2)" in archive.read("contact_messages.csv").decode()
    assert "Autoriteit Persoonsgegevens" in archive.read("README.txt").decode()

    # Sign out.
    page.get_by_role("button", name=words.sign_out).click()
    expect(page.get_by_role("status").first).to_contain_text(words.signed_out)
    expect(page.get_by_label(words.email, exact=True)).to_be_visible()
    watcher.assert_clean()


@pytest.mark.parametrize("locale", LOCALES)
@JAVASCRIPT
def test_the_unsubscribe_link_asks_first_then_unsubscribes(
    open_page, app: Flask, locale: str, javascript: bool
) -> None:
    with app.app_context():
        token = unsubscribe_token(email_hash("reader@example.org"))
    page, watcher = open_page(locale=locale, javascript=javascript)
    page.goto(f"/privacy-centre/unsubscribe/{token}")
    assert_accessible_as_shown(open_page, page, locale, javascript)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Suppression.id))) == 0
    page.get_by_role("button", name=UNSUBSCRIBE[locale]).click()
    expect(page.get_by_role("status")).to_contain_text(UNSUBSCRIBED[locale])
    assert_accessible_as_shown(open_page, page, locale, javascript)
    with app.app_context():
        assert db.session.scalar(sa.select(Suppression.email_hash)) == email_hash(
            "reader@example.org"
        )
    watcher.assert_clean()


@dataclass(frozen=True)
class RequestWords:
    requests: str
    empty: str
    check_form: str
    received: str
    status_open: str
    forms: dict[str, tuple[str, str, str, str]]  # kind: title, field, button, label in list


REQUEST_WORDS = {
    "nl-NL": RequestWords(
        requests="Verzoeken",
        empty="U heeft ons nog geen verzoeken of klachten gestuurd.",
        check_form="Controleer het formulier",
        received="Ontvangen: referentie P-",
        status_open="Open",
        forms={
            "correction": (
                "Om een correctie vragen",
                "Wat klopt er niet, en wat moet het zijn?",
                "Correctieverzoek versturen",
                "Correctie",
            ),
            "objection": (
                "Bezwaar maken tegen verwerking",
                "Waarom maakt u bezwaar?",
                "Bezwaar versturen",
                "Bezwaar tegen verwerking",
            ),
            "complaint": ("Een klacht indienen", "Uw klacht", "Klacht versturen", "Klacht"),
        },
    ),
    "en-GB": RequestWords(
        requests="Requests",
        empty="You have not sent us any requests or complaints.",
        check_form="Please check the form",
        received="Received: reference P-",
        status_open="Open",
        forms={
            "correction": (
                "Ask for a correction",
                "What is wrong, and what should it be?",
                "Send correction request",
                "Correction",
            ),
            "objection": (
                "Object to processing",
                "Why do you object?",
                "Send objection",
                "Objection to processing",
            ),
            "complaint": ("Make a complaint", "Your complaint", "Send complaint", "Complaint"),
        },
    ),
}
UNPROCESSABLE = (
    "Failed to load resource: the server responded with a status of 422 (UNPROCESSABLE ENTITY)"
)
REQUEST_TEXTS = {
    "correction": "Het adres op factuur 2026-0007 is oud: het moet Kerkstraat 1, Utrecht zijn.",
    "objection": "Ik wil niet dat bijgehouden wordt of uw mail bij mij aankomt.",
    "complaint": "Mijn foto's zijn zonder te vragen naar de drukker gestuurd.",
}


@pytest.mark.parametrize("locale", LOCALES)
@JAVASCRIPT
def test_asking_for_a_correction_objecting_and_complaining(
    open_page, app: Flask, live_server: str, locale: str, javascript: bool
) -> None:
    words = REQUEST_WORDS[locale]
    address = f"noor.{locale.lower()}.{'js' if javascript else 'nojs'}@example.org"
    with app.app_context():
        client_for(address, "Noor Bakker", locale[:2])
        db.session.commit()
        challenge = verification.request_code(address, locale[:2])
    with app.app_context():
        session = verification.check_code(challenge, mailed_codes(app, address)[-1])
    page, watcher = open_page(locale=locale, javascript=javascript)
    page.context.add_cookies([{"name": COOKIE, "value": session, "url": live_server}])
    page.goto("/privacy-centre/data")
    if javascript:
        page.evaluate("window.stillTheSamePage = true")

    open_panel(page, words.requests, words.requests, javascript)
    panel = page.locator("#privacy-panel")
    expect(panel).to_contain_text(words.empty)
    assert_accessible_as_shown(open_page, page, locale, javascript)

    due = format_date(months_after(studio_today(), 1), "long", locale=locale[:2])
    for number, (kind, (title, field, button, label)) in enumerate(words.forms.items()):
        panel.get_by_role("link", name=title, exact=True).click()
        expect(page.get_by_role("heading", level=2, name=title, exact=True)).to_be_visible()
        expect(page).to_have_url(re.compile(f"/privacy-centre/requests/{kind}$"))
        if number == 0:  # sent empty: the error, inline
            page.get_by_role("button", name=button).click()
            expect(page.get_by_role("alert")).to_contain_text(words.check_form)
            expect(page.get_by_label(field, exact=True)).to_have_attribute("aria-invalid", "true")
            # Chromium logs every 4xx response as a failed load; the 422 is the only complaint.
            assert watcher.console_errors == [UNPROCESSABLE]
            watcher.console_errors.clear()
        assert_accessible_as_shown(open_page, page, locale, javascript)
        page.get_by_label(field, exact=True).fill(REQUEST_TEXTS[kind])
        page.get_by_role("button", name=button).click()

        expect(page.get_by_role("heading", level=2, name=words.requests)).to_be_visible()
        expect(page).to_have_url(re.compile(r"/privacy-centre/requests$"))
        expect(page).to_have_title(re.compile(f"^{words.requests} · "))
        status = page.get_by_role("status").first
        expect(status).to_contain_text(words.received)
        expect(status).to_contain_text(due)
        newest = page.locator("ol.records > li").first
        expect(newest.get_by_role("heading", level=4)).to_contain_text(f"{label} · P-")
        expect(newest).to_contain_text(due)
        expect(newest).to_contain_text(REQUEST_TEXTS[kind])
        expect(page.locator("ol.records > li")).to_have_count(number + 1)
        assert_accessible_as_shown(open_page, page, locale, javascript)
    if javascript:
        assert page.evaluate("window.stillTheSamePage") is True, "htmx swapped every step"

    with app.app_context():
        filed = db.session.scalars(
            sa.select(PrivacyRequest)
            .where(PrivacyRequest.email == address)
            .order_by(PrivacyRequest.id)
        ).all()
        assert [(request.kind.value, request.details) for request in filed] == list(
            REQUEST_TEXTS.items()
        )
        assert {request.language for request in filed} == {locale[:2]}
        assert {request.due for request in filed} == {months_after(studio_today(), 1)}
    watcher.assert_clean()


@dataclass(frozen=True)
class RightsWords:
    requests: str
    erase: str  # the link, and the form's heading
    preview: str  # the preview table's caption
    confirm: str  # the box to tick
    erase_button: str
    erasure: str  # the kind, as the list shows it
    restrict: str  # the link, the heading and the button
    ground: str  # one of the four grounds
    restriction: str
    check_form: str


RIGHTS_WORDS = {
    "nl-NL": RightsWords(
        requests="Verzoeken",
        erase="Uw gegevens verwijderen",
        preview="Wat verwijderen van uw gegevens zou doen",
        confirm="Ik heb gelezen wat wordt verwijderd en wat wordt bewaard, en vraag u mijn "
        "gegevens te verwijderen.",
        erase_button="Vraag om mijn gegevens te verwijderen",
        erasure="Verwijdering",
        restrict="Verwerking beperken",
        ground="Ik betwist dat mijn gegevens kloppen, zolang u dat nagaat",
        restriction="Beperking van de verwerking",
        check_form="Controleer het formulier",
    ),
    "en-GB": RightsWords(
        requests="Requests",
        erase="Erase your data",
        preview="What erasing your data would do",
        confirm="I have read what is erased and what is kept, and ask you to erase my data.",
        erase_button="Ask us to erase my data",
        erasure="Erasure",
        restrict="Restrict processing",
        ground="I contest that my data is correct, while you check it",
        restriction="Restriction of processing",
        check_form="Please check the form",
    ),
}


@pytest.mark.parametrize("locale", LOCALES)
@JAVASCRIPT
def test_asking_for_erasure_after_the_preview_and_restricting_processing(
    open_page, app: Flask, live_server: str, locale: str, javascript: bool
) -> None:
    words = RIGHTS_WORDS[locale]
    address = f"eva.{locale.lower()}.{'js' if javascript else 'nojs'}@example.org"
    with app.app_context():
        client_for(address, "Eva Erased", locale[:2])
        db.session.commit()
        challenge = verification.request_code(address, locale[:2])
    with app.app_context():
        session = verification.check_code(challenge, mailed_codes(app, address)[-1])
    page, watcher = open_page(locale=locale, javascript=javascript)
    page.context.add_cookies([{"name": COOKIE, "value": session, "url": live_server}])
    page.goto("/privacy-centre/data")
    if javascript:
        page.evaluate("window.stillTheSamePage = true")
    open_panel(page, words.requests, words.requests, javascript)
    panel = page.locator("#privacy-panel")

    panel.get_by_role("link", name=words.erase, exact=True).click()
    expect(page.get_by_role("heading", level=2, name=words.erase, exact=True)).to_be_visible()
    expect(page.get_by_role("table", name=words.preview)).to_be_visible()
    assert_accessible_as_shown(open_page, page, locale, javascript)
    page.get_by_role("button", name=words.erase_button).click()  # the box not ticked
    expect(page.get_by_role("alert")).to_contain_text(words.check_form)
    assert watcher.console_errors == [UNPROCESSABLE]
    watcher.console_errors.clear()
    assert_accessible_as_shown(open_page, page, locale, javascript)
    page.get_by_label(words.confirm).check()
    page.get_by_role("button", name=words.erase_button).click()
    expect(page).to_have_url(re.compile(r"/privacy-centre/requests$"))
    newest = page.locator("ol.records > li").first
    expect(newest.get_by_role("heading", level=4)).to_contain_text(f"{words.erasure} · P-")

    page.locator("#privacy-panel").get_by_role("link", name=words.restrict, exact=True).click()
    expect(page.get_by_role("heading", level=2, name=words.restrict, exact=True)).to_be_visible()
    assert_accessible_as_shown(open_page, page, locale, javascript)
    page.get_by_label(words.ground).check()
    page.get_by_role("button", name=words.restrict).click()
    expect(page).to_have_url(re.compile(r"/privacy-centre/requests$"))
    newest = page.locator("ol.records > li").first
    expect(newest.get_by_role("heading", level=4)).to_contain_text(f"{words.restriction} · P-")
    assert_accessible_as_shown(open_page, page, locale, javascript)

    with app.app_context():
        kinds = db.session.scalars(
            sa.select(PrivacyRequest.kind)
            .where(PrivacyRequest.email == address)
            .order_by(PrivacyRequest.id)
        ).all()
        assert [kind.value for kind in kinds] == ["erasure", "restriction"]
        assert is_restricted(address)
    if javascript:
        assert page.evaluate("window.stillTheSamePage") is True, "htmx swapped every step"
    watcher.assert_clean()


@dataclass(frozen=True)
class DetailsWords:
    details: str  # the panel
    name: str
    phone: str
    save: str
    saved: str
    new_email: str
    send_code: str
    code: str
    move: str
    moved: str
    not_me: str
    thanks: str


DETAILS_WORDS = {
    "nl-NL": DetailsWords(
        details="Uw contactgegevens",
        name="Naam",
        phone="Telefoonnummer (niet verplicht)",
        save="Gegevens opslaan",
        saved="Uw gegevens zijn opgeslagen.",
        new_email="Nieuw e-mailadres",
        send_code="Stuur een code naar dit adres",
        code="Code uit de e-mail",
        move="Mijn gegevens verhuizen",
        moved="Uw gegevens staan nu onder",
        not_me="Dit was ik niet",
        thanks="Bedankt dat u het ons laat weten",
    ),
    "en-GB": DetailsWords(
        details="Your details",
        name="Name",
        phone="Phone number (optional)",
        save="Save details",
        saved="Your details are saved.",
        new_email="New email address",
        send_code="Send a code to this address",
        code="Code from the email",
        move="Move my data",
        moved="Your data is now held under",
        not_me="This was not me",
        thanks="Thank you for telling us",
    ),
}
NOT_ME_PATH = re.compile(r"/privacy-centre/not-me/\S+")


@pytest.mark.parametrize("locale", LOCALES)
@JAVASCRIPT
def test_correcting_ones_details_and_moving_to_another_address(
    open_page, app: Flask, live_server: str, locale: str, javascript: bool
) -> None:
    words = DETAILS_WORDS[locale]
    suffix = f"{locale.lower()}.{'js' if javascript else 'nojs'}"
    address, new = f"sam.{suffix}@example.org", f"sam.new.{suffix}@example.org"
    with app.app_context():
        client_for(address, "Sam Smit", locale[:2])
        db.session.commit()
        challenge = verification.request_code(address, locale[:2])
    with app.app_context():
        session = verification.check_code(challenge, mailed_codes(app, address)[-1])
    page, watcher = open_page(locale=locale, javascript=javascript)
    page.context.add_cookies([{"name": COOKIE, "value": session, "url": live_server}])
    page.goto("/privacy-centre/data")
    if javascript:
        page.evaluate("window.stillTheSamePage = true")
    open_panel(page, words.details, words.details, javascript)
    assert_accessible_as_shown(open_page, page, locale, javascript)

    page.get_by_label(words.name, exact=True).fill("Sam Smit-Visser")
    page.get_by_label(words.phone, exact=True).fill("+31 6 1234 5678")
    page.get_by_role("button", name=words.save).click()
    expect(page.get_by_role("status").first).to_contain_text(words.saved)
    expect(page.get_by_label(words.name, exact=True)).to_have_value("Sam Smit-Visser")

    page.get_by_label(words.new_email, exact=True).fill(new)
    page.get_by_role("button", name=words.send_code).click()
    expect(page).to_have_url(re.compile(r"/privacy-centre/details/email$"))
    assert_accessible_as_shown(open_page, page, locale, javascript)
    with app.app_context():
        body = db.session.scalars(
            sa.select(OutboxMessage.text_body).where(OutboxMessage.recipient == new)
        ).one()
    page.get_by_label(words.code, exact=True).fill(CODE.search(body).group(1))
    page.get_by_role("button", name=words.move).click()
    expect(page.get_by_role("status").first).to_contain_text(f"{words.moved} {new}")
    assert_accessible_as_shown(open_page, page, locale, javascript)
    if javascript:
        assert page.evaluate("window.stillTheSamePage") is True, "htmx swapped every step"
    watcher.assert_clean()

    with app.app_context():
        moved = db.session.scalars(sa.select(Client).where(Client.email == new)).one()
        assert (moved.name, moved.phone) == ("Sam Smit-Visser", "+31 6 1234 5678")
        notice = db.session.scalars(
            sa.select(OutboxMessage.text_body).where(
                OutboxMessage.recipient == address, OutboxMessage.kind == "privacy/email_changed"
            )
        ).one()
    # The old address's owner follows the link: it asks first, then opens a request.
    other, watcher = open_page(locale=locale, javascript=javascript)
    other.goto(NOT_ME_PATH.search(notice).group(0))  # the link's path, on the test server
    assert_accessible_as_shown(open_page, other, locale, javascript)
    other.get_by_role("button", name=words.not_me).click()
    expect(other.get_by_role("heading", level=2)).to_have_text(words.thanks)
    with app.app_context():
        kinds = db.session.scalars(
            sa.select(PrivacyRequest.kind).where(PrivacyRequest.email == address)
        ).all()
        assert [kind.value for kind in kinds] == ["not_me"]
    watcher.assert_clean()
