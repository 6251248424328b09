"""The back office in a real browser: sign in, work through the inbox, preview a policy."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible, assert_accessible_as_shown
from website.admin.services import create_staff
from website.contact.models import ContactMessage, ProductionKind
from website.contact.services import Submission, submit_message
from website.extensions import db
from website.policy.cli import DEFAULT_DIRECTORY
from website.policy.services import import_directory

pytestmark = pytest.mark.browser

EMAIL = "studio@ivisualproductions.nl"
PASSWORD = "lantern orchard velvet quarry"
LOCALE = "en-GB"


@dataclass(frozen=True)
class Inbox:
    anna: str
    bram: str


@pytest.fixture
def inbox(app: Flask) -> Inbox:
    """A staff member, the studio's real policy, and two new messages."""
    with app.app_context():
        create_staff(EMAIL, PASSWORD)
        import_directory(DEFAULT_DIRECTORY)
        references = [
            submit_message(
                Submission(
                    name=name,
                    email=email,
                    phone=None,
                    production_kind=ProductionKind.PHOTO,
                    preferred_date=None,
                    message=body,
                    newsletter=False,
                    language="nl",
                )
            ).reference
            for name, email, body in (
                ("Anna de Vries", "anna@example.nl", "A family shoot in the dunes."),
                ("Bram Jansen", "bram@example.nl", "Product photos for our webshop."),
            )
        ]
    return Inbox(*references)


def handled_at(app: Flask, reference: str):
    with app.app_context():
        return db.session.scalar(
            sa.select(ContactMessage.handled_at).where(ContactMessage.reference == reference)
        )


def sign_in(page: Page) -> None:
    page.get_by_label("Email address", exact=True).fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_staff_work_through_the_back_office(open_page, app: Flask, inbox: Inbox) -> None:
    page, watcher = open_page(locale=LOCALE)

    # Signing in: the back office sends a stranger to the form, and back afterwards.
    response = page.goto("/admin/")
    assert response is not None and response.status == 200
    expect(page).to_have_url(re.compile(r"/admin/sign-in\?next=/admin/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    assert_accessible(page)
    sign_in(page)
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    expect(page.get_by_role("heading", name="2 new messages")).to_be_visible()
    expect(page.get_by_role("link", name=inbox.anna)).to_be_visible()
    assert_accessible(page)

    # The inbox: a search swaps the rows in place and puts the query in the address bar.
    page.get_by_role("navigation", name="Back office").get_by_role("link", name="Messages").click()
    expect(page).to_have_url(re.compile(r"/admin/messages$"))
    rows = page.locator("#message-rows tbody tr")
    expect(rows).to_have_count(2)
    assert_accessible(page)
    page.evaluate("window.stillTheSamePage = true")
    page.get_by_role("searchbox", name="Search").fill("bram")
    expect(page).to_have_url(re.compile(r"/admin/messages\?q=bram&status=open$"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_id(f"message-{inbox.bram}")
    assert page.evaluate("window.stillTheSamePage") is True, "htmx swapped, no reload"

    # Marking a message handled from the list: only its row changes.
    row = page.locator(f"#message-{inbox.bram}")
    row.get_by_role("button", name=f"Mark handled {inbox.bram}").click()
    expect(row.locator(".badge")).to_have_text("Handled")
    expect(row.get_by_role("button")).to_have_count(0)
    assert page.evaluate("window.stillTheSamePage") is True, "the row was swapped, no reload"
    expect(page.get_by_role("searchbox", name="Search")).to_have_value("bram")
    assert handled_at(app, inbox.bram) is not None
    assert handled_at(app, inbox.anna) is None
    assert_accessible(page)

    # The message itself.
    row.get_by_role("link", name=inbox.bram).click()
    expect(page).to_have_url(re.compile(rf"/admin/messages/{inbox.bram}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Message {inbox.bram}")
    expect(page.locator(".mail-text")).to_have_text("Product photos for our webshop.")
    expect(page.get_by_role("button", name="Open again")).to_be_visible()
    expect(page.get_by_role("heading", name="Mail about this message")).to_be_visible()
    assert_accessible(page)

    # A client's details, corrected from their page.
    page.get_by_role("navigation", name="Back office").get_by_role("link", name="Clients").click()
    page.get_by_role("link", name="Bram Jansen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bram Jansen")
    page.get_by_role("link", name="Edit details").click()
    expect(page).to_have_url(re.compile(r"/admin/clients/\d+/edit$"))
    assert_accessible(page)
    page.get_by_label("Company name (optional)").fill("Jansen Webshop")
    page.get_by_role("button", name="Save details").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bram Jansen")
    expect(page.get_by_text("The details are saved.")).to_be_visible()
    expect(page.get_by_text("Jansen Webshop")).to_be_visible()
    assert_accessible(page)

    # The policy: the list of versions, then a new version previewed in place.
    page.get_by_role("navigation", name="Back office").get_by_role("link", name="Policy").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Privacy policy versions")
    expect(page.get_by_role("cell", name="published").first).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Write a new version").click()
    expect(page).to_have_url(re.compile(r"/admin/policy/new$"))
    english = page.get_by_label("English text (Markdown)")
    expect(english).not_to_be_empty()
    assert_accessible(page)
    english.fill("## 1. A test section {#test}\n\nA **fresh** text.\n")
    page.evaluate("window.stillTheSamePage = true")
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("section.preview")
    expect(preview.get_by_role("heading", name="Preview", level=2)).to_be_visible()
    expect(preview).to_be_focused()
    article = preview.get_by_role("article", name="English")
    expect(article.get_by_role("heading", name="1. A test section")).to_be_visible()
    expect(article.locator("strong")).to_have_text("fresh")
    expect(preview.get_by_role("article", name="Nederlands")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/admin/policy/new$"))
    assert page.evaluate("window.stillTheSamePage") is True, "htmx swapped the form, no reload"
    assert_accessible(page)
    watcher.assert_clean()


def test_without_javascript_a_message_is_handled_from_its_page(
    open_page, app: Flask, inbox: Inbox
) -> None:
    page, watcher = open_page(locale=LOCALE, javascript=False)
    response = page.goto(f"/admin/messages/{inbox.anna}")
    assert response is not None and response.status == 200
    expect(page).to_have_url(re.compile(r"/admin/sign-in\?next="))
    assert_accessible_as_shown(open_page, page, LOCALE, javascript=False)
    sign_in(page)
    expect(page).to_have_url(re.compile(rf"/admin/messages/{inbox.anna}$"))
    expect(page.locator("dl .badge")).to_have_text("New")

    page.get_by_role("button", name="Mark handled").click()
    expect(page).to_have_url(re.compile(rf"/admin/messages/{inbox.anna}$"))
    expect(page.get_by_role("status")).to_have_text(f"Message {inbox.anna} is now: Handled.")
    expect(page.locator("dl .badge")).to_have_text("Handled")
    expect(page.get_by_role("button", name="Open again")).to_be_visible()
    assert handled_at(app, inbox.anna) is not None
    assert handled_at(app, inbox.bram) is None
    assert_accessible_as_shown(open_page, page, LOCALE, javascript=False)
    watcher.assert_clean()
