"""The public pages in a real browser: accessible, self-contained, with or without JS."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask import Flask
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, assert_accessible_as_shown
from tests.factories import make_policy_version
from website.policy.cli import DEFAULT_DIRECTORY
from website.policy.services import import_directory

pytestmark = pytest.mark.browser

CURRENT = "Where it names a period or limit of the site, the figure comes straight from"
NEWER = "Newer intro.\n\n## 1. What we collect {#information-we-collect}\n\nNothing new.\n"
NEWER_CHANGES = "- Much shorter: only what we collect.\n"
CHANGES_URL = re.compile(r"/privacy-policy/2026-03-01/changes$")


@pytest.fixture(autouse=True)
def policy(app: Flask) -> None:
    """The studio's real policy versions (2019 and 2026) and a test version between them, in
    both languages: another introduction and first section than 2019, the rest as before."""
    with app.app_context():
        import_directory(DEFAULT_DIRECTORY)
        for language in ("en", "nl"):
            text = (DEFAULT_DIRECTORY / f"2019-06-08.{language}.md").read_text(encoding="utf-8")
            make_policy_version(
                language=language,
                published_on=date(2026, 3, 1),
                body=NEWER + text[text.index("\n## 2. ") :],
                changes=NEWER_CHANGES,
            )


@pytest.mark.parametrize("locale", ["nl-NL", "en-GB"])
@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/privacy-policy",
        "/privacy-policy/2019-06-08",
        "/privacy-policy/2026-03-01/changes",
        "/privacy-policy/2026-12-08/changes",
        "/contact",
        "/privacy-centre",
    ],
)
def test_page_is_accessible_and_self_contained(open_page, locale: str, path: str) -> None:
    page, watcher = open_page(locale=locale)
    response = page.goto(path)
    assert response is not None and response.status == 200
    expect(page.locator("html")).to_have_attribute("lang", locale[:2])
    assert_accessible(page)
    watcher.assert_clean()


def test_error_page_is_accessible(open_page) -> None:
    page, watcher = open_page(locale="en-GB")
    response = page.goto("/no-such-page")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    assert_accessible(page)
    assert watcher.foreign_requests == []


def test_older_version_swaps_in_place_with_htmx(open_page) -> None:
    page, watcher = open_page(locale="en-GB")
    page.goto("/privacy-policy")
    expect(page.locator(".policy__body")).to_contain_text(CURRENT)
    page.evaluate("window.stillTheSamePage = true")
    page.get_by_role("link", name="June 8, 2019", exact=True).click()
    expect(page).to_have_url(re.compile(r"/privacy-policy/2019-06-08$"))
    expect(page.locator(".policy__body")).to_contain_text("Thank you for using iVisual")
    expect(page.get_by_text("You are reading an earlier version")).to_be_visible()
    assert page.evaluate("window.stillTheSamePage") is True, "htmx swapped, no reload"
    expect(page.get_by_role("heading", level=1)).to_be_focused()
    assert_accessible(page)
    page.go_back()
    expect(page).to_have_url(re.compile(r"/privacy-policy$"))
    expect(page.locator(".policy__body")).to_contain_text(CURRENT)
    watcher.assert_clean()


def test_switching_language_after_a_swap_stays_on_the_version_shown(open_page) -> None:
    page, watcher = open_page(locale="en-GB")
    page.goto("/privacy-policy")
    page.get_by_role("link", name="June 8, 2019", exact=True).click()
    expect(page).to_have_title("Privacy policy (June 8, 2019) · iVisual Productions")
    page.get_by_role("navigation", name="Language").get_by_role("link", name="Nederlands").click()
    expect(page).to_have_url(re.compile(r"/privacy-policy/2019-06-08$"))
    expect(page).to_have_title("Privacyverklaring (8 juni 2019) · iVisual Productions")
    watcher.assert_clean()


def test_older_version_is_a_plain_link_without_javascript(open_page) -> None:
    page, watcher = open_page(locale="nl-NL", javascript=False)
    page.goto("/privacy-policy")
    page.get_by_role("link", name="8 juni 2019", exact=True).click()
    expect(page).to_have_url(re.compile(r"/privacy-policy/2019-06-08$"))
    expect(page.get_by_text("U leest een eerdere versie")).to_be_visible()
    expect(page.locator(".policy__body")).to_contain_text("Bedankt")
    watcher.assert_clean()


def test_the_comparison_swaps_in_place_with_htmx(open_page) -> None:
    page, watcher = open_page(locale="en-GB")
    page.goto("/privacy-policy/2026-03-01")
    changes = page.get_by_role("region", name="What changed")
    expect(changes).to_contain_text("Much shorter: only what we collect.")
    page.evaluate("window.stillTheSamePage = true")
    changes.get_by_role("link", name="Compare with the version of June 8, 2019").click()
    expect(page).to_have_url(CHANGES_URL)
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text("What changed in the privacy policy")
    expect(heading).to_be_focused()
    expect(page).to_have_title(
        "What changed in the privacy policy (March 1, 2026) · iVisual Productions"
    )
    assert page.evaluate("window.stillTheSamePage") is True, "htmx swapped, no reload"
    collect = page.locator(".compare__section--changed").filter(has_text="Nothing new.")
    expect(collect).to_contain_text("Heading before: 1. Information we collect")
    expect(collect.locator("del").first).to_contain_text("RemovedThere are three")
    expect(collect.locator("ins")).to_have_text("AddedNothing new.")
    expect(page.locator(".compare__section--removed").first).to_contain_text("section removed")
    assert_accessible(page)
    page.go_back()
    expect(page).to_have_url(re.compile(r"/privacy-policy/2026-03-01$"))
    expect(page.locator(".policy__body")).to_contain_text("Nothing new.")
    watcher.assert_clean()


def test_the_comparison_is_a_plain_link_without_javascript(open_page) -> None:
    page, watcher = open_page(locale="nl-NL", javascript=False)
    page.goto("/privacy-policy/2026-03-01")
    page.get_by_role("link", name="Vergelijk met de versie van 8 juni 2019").click()
    expect(page).to_have_url(CHANGES_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Wat is er veranderd in de privacyverklaring"
    )
    collect = page.locator(".compare__section--changed").filter(has_text="Nothing new.")
    expect(collect.locator("ins")).to_have_text("ToegevoegdNothing new.")
    # The unchanged sections are folded without any script: native <details>.
    unchanged = page.locator(".compare__unchanged").first
    expect(unchanged.locator(".prose")).to_be_hidden()
    unchanged.locator("summary").click()
    expect(unchanged.locator(".prose")).to_be_visible()
    assert_accessible_as_shown(open_page, page, "nl-NL", javascript=False)
    page.get_by_role("link", name="Terug naar de versie van 1 maart 2026").click()
    expect(page).to_have_url(re.compile(r"/privacy-policy/2026-03-01$"))
    expect(page.locator(".policy__body")).to_contain_text("Nothing new.")
    watcher.assert_clean()


@pytest.mark.parametrize(("width", "side_by_side"), [(1280, True), (375, False)])
def test_a_rewritten_passage_is_side_by_side_on_wide_screens_only(
    open_page, width: int, side_by_side: bool
) -> None:
    page, _ = open_page(locale="en-GB")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/privacy-policy/2026-03-01/changes")
    pair = page.locator(".compare__section--changed .compare__pair").first
    old, new = pair.locator("del").bounding_box(), pair.locator("ins").bounding_box()
    assert old is not None and new is not None
    if side_by_side:
        assert old["y"] == new["y"] and old["x"] + old["width"] <= new["x"]
    else:
        assert old["x"] == new["x"] and old["y"] + old["height"] <= new["y"]


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_language_switch_is_remembered(open_page, javascript: bool) -> None:
    page, _ = open_page(locale="nl-NL", javascript=javascript)
    page.goto("/privacy-policy")
    expect(page.get_by_role("heading", level=1)).to_have_text("Privacyverklaring")
    page.get_by_role("link", name="English").click()
    expect(page).to_have_url(re.compile(r"/privacy-policy$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Privacy policy")
    page.get_by_role("link", name="Home").first.click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_table_of_contents_jumps_to_its_section(open_page) -> None:
    page, _ = open_page(locale="en-GB")
    page.goto("/privacy-policy/2019-06-08")
    page.get_by_role("navigation", name="Contents").get_by_role(
        "link", name="5. Your rights"
    ).click()
    expect(page).to_have_url(re.compile(r"#your-rights$"))
    expect(page.locator("#your-rights")).to_be_in_viewport()


def test_the_content_security_policy_blocks_injected_script(open_page) -> None:
    page, watcher = open_page(locale="en-GB")
    page.goto("/")
    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.injected = true";
            document.body.append(script);
        }"""
    )
    assert page.evaluate("window.injected") is None
    assert any("Content Security Policy" in error for error in watcher.console_errors)
