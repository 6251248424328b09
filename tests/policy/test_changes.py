"""What changed: the summary on the policy page, and the comparison with the version before."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.conftest import PolicyFactory
from website.clock import studio_today

OLD_EN = """Intro.

## 1. What we collect {#collect}

Your name.

Your email address.

## 2. Cookies {#cookies}

None at all.

## 3. Contact {#contact}

Write to us.
"""
NEW_EN = """Intro.

## 1. Information we collect {#collect}

Your name.

Your email address and phone number, kept {{ contact_months }} months.

## 2. Sharing {#sharing}

With nobody.

## 3. Contact {#contact}

Write to us.
"""
OLD_NL = "## 1. Wat we verzamelen {#collect}\n\nUw naam.\n"
NEW_NL = "## 1. Wat we verzamelen {#collect}\n\nUw naam en telefoonnummer.\n"
SUMMARY_EN = "- We now keep your **phone number**.\n- No more cookies.\n"
SUMMARY_NL = "- We bewaren nu uw **telefoonnummer**.\n"
OLD_DAY, NEW_DAY = date(2019, 6, 8), date(2026, 3, 1)
CHANGES_URL = "/privacy-policy/2026-03-01/changes"


@pytest.fixture
def two_versions(create_policy_version: PolicyFactory) -> None:
    """2019 and 2026, in both languages; the 2026 ones with their summary of changes."""
    for language, old, new, summary in (
        ("en", OLD_EN, NEW_EN, SUMMARY_EN),
        ("nl", OLD_NL, NEW_NL, SUMMARY_NL),
    ):
        create_policy_version(language=language, published_on=OLD_DAY, body=old)
        create_policy_version(language=language, published_on=NEW_DAY, body=new, changes=summary)


def get(client: FlaskClient, url: str, language: str = "en", **headers: str) -> TestResponse:
    return client.get(url, headers={"Accept-Language": language, **headers})


def htmx_get(client: FlaskClient, url: str, language: str = "en") -> TestResponse:
    """As the compare link asks: in place, from the policy page."""
    return get(
        client,
        url,
        language,
        **{"HX-Request": "true", "HX-Current-URL": "http://localhost/privacy-policy"},
    )


def box(page: str) -> str:
    assert '<section class="policy__changes"' in page, "the page has a 'What changed' box"
    return page.split('<section class="policy__changes"', 1)[1].split("</section>", 1)[0]


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def sections(page: str) -> list[tuple[str, str]]:
    """(status, heading text) of each compared section."""
    found = re.findall(
        r'<div class="compare__section compare__section--(\w+)">\s*<h(\d) class="compare__heading">'
        r"(.*?)</h\2>",
        page,
        re.S,
    )
    return [(status, text(heading)) for status, _level, heading in found]


# --- the box on the policy page ---------------------------------------------------------------


@pytest.mark.usefixtures("two_versions")
def test_a_version_with_a_predecessor_says_what_changed(client: FlaskClient) -> None:
    page = get(client, "/privacy-policy").text
    summary = box(page)
    assert '<h2 id="what-changed-title">What changed</h2>' in summary
    assert '<div class="prose" lang="en"><ul>' in summary
    assert "We now keep your <strong>phone number</strong>." in summary
    assert (
        f'<a href="{CHANGES_URL}"\n         hx-get="{CHANGES_URL}"\n'
        '         hx-target="#policy-document" hx-push-url="true"'
    ) in summary
    assert ">Compare with the version of June 8, 2019</a>" in summary
    # Under the header, before the contents.
    assert page.index("</header>") < page.index("policy__changes") < page.index('id="toc-title"')


@pytest.mark.usefixtures("two_versions")
def test_the_box_is_in_the_visitors_language(client: FlaskClient) -> None:
    summary = box(get(client, "/privacy-policy", "nl").text)
    assert ">Wat is er veranderd</h2>" in summary
    assert "We bewaren nu uw <strong>telefoonnummer</strong>." in summary
    assert ">Vergelijk met de versie van 8 juni 2019</a>" in summary


@pytest.mark.usefixtures("two_versions")
def test_the_first_version_has_no_box(client: FlaskClient) -> None:
    page = get(client, "/privacy-policy/2019-06-08").text
    assert "Last updated" in page
    assert "policy__changes" not in page and "/changes" not in page


def test_a_predecessor_in_another_language_does_not_count(
    client: FlaskClient, create_policy_version: PolicyFactory
) -> None:
    create_policy_version(language="en", published_on=OLD_DAY, body=OLD_EN)
    create_policy_version(language="en", published_on=NEW_DAY, body=NEW_EN, changes=SUMMARY_EN)
    create_policy_version(language="nl", published_on=NEW_DAY, body=NEW_NL)
    assert "policy__changes" not in get(client, "/privacy-policy", "nl").text
    assert get(client, CHANGES_URL, "nl").status_code == 404
    assert "policy__changes" in get(client, "/privacy-policy", "en").text


def test_a_version_without_a_summary_still_links_to_the_comparison(
    client: FlaskClient, create_policy_version: PolicyFactory
) -> None:
    create_policy_version(published_on=OLD_DAY, body=OLD_EN)
    create_policy_version(published_on=NEW_DAY, body=NEW_EN)
    summary = box(get(client, "/privacy-policy").text)
    assert "prose" not in summary and f'href="{CHANGES_URL}"' in summary


def test_the_summary_is_sanitised(
    client: FlaskClient, create_policy_version: PolicyFactory
) -> None:
    create_policy_version(published_on=OLD_DAY, body=OLD_EN)
    create_policy_version(
        published_on=NEW_DAY, body=NEW_EN, changes="- <script>alert(1)</script> [x](javascript:1)\n"
    )
    for url in ("/privacy-policy", CHANGES_URL):
        page = get(client, url).text
        assert "<script>alert" not in page and "&lt;script&gt;" in page
        assert 'href="javascript' not in page


# --- the comparison page ----------------------------------------------------------------------


@pytest.mark.usefixtures("two_versions")
def test_without_javascript_the_comparison_is_a_whole_page(client: FlaskClient) -> None:
    response = get(client, CHANGES_URL)
    assert response.status_code == 200
    page = response.text
    assert page.startswith("<!doctype html>")
    assert "<title>What changed in the privacy policy (March 1, 2026) · iVisual Productions" in page
    assert '<div id="policy-document" class="policy">' in page
    assert '<h1 id="policy-title" tabindex="-1">What changed in the privacy policy</h1>' in page
    assert "The version of March 1, 2026 compared with the version before it, of June 8, 2019." in (
        page
    )
    assert "We now keep your <strong>phone number</strong>." in page
    assert sections(page) == [
        ("unchanged", "Introduction (unchanged)"),
        ("changed", "1. Information we collect (changed)"),
        ("removed", "2. Cookies (section removed)"),
        ("added", "2. Sharing (new section)"),
        ("unchanged", "3. Contact (unchanged)"),
    ]
    # The main navigation marks its part of the site, as on the policy page.
    assert 'href="/privacy-policy" aria-current="true"' in page


@pytest.mark.usefixtures("two_versions")
def test_a_changed_section_marks_the_passages_that_differ_with_labels(client: FlaskClient) -> None:
    page = get(client, CHANGES_URL).text
    changed = page.split("compare__section--changed", 1)[1].split("compare__section--", 1)[0]
    assert 'Heading before: <span lang="en">1. What we collect</span>' in changed
    assert '<div class="compare__same prose" lang="en"><p>Your name.</p>' in changed
    removed = re.findall(r"<del [^>]*>(.*?)</del>", changed, re.S)
    added = re.findall(r"<ins [^>]*>(.*?)</ins>", changed, re.S)
    assert [text(html) for html in removed] == ["Removed Your email address."]
    assert [text(html) for html in added] == [
        "Added Your email address and phone number, kept 12 months."
    ]
    assert "Your name." not in "".join(removed + added)
    unchanged = page.split("compare__section--unchanged", 2)[2]
    assert "<details" in unchanged and "Show the unchanged text" in unchanged
    assert "Write to us." in unchanged


@pytest.mark.usefixtures("two_versions")
def test_the_comparison_links_back_to_the_version(client: FlaskClient) -> None:
    page = get(client, CHANGES_URL).text
    header = page.split('<header class="policy__header">', 1)[1].split("</header>", 1)[0]
    assert '<a href="/privacy-policy/2026-03-01" hx-get="/privacy-policy/2026-03-01"' in header
    assert ">Back to the version of March 1, 2026</a> (current version)" in header
    versions = page.split('id="compared-title"', 1)[1]
    assert versions.index("/privacy-policy/2026-03-01") < versions.index(
        "/privacy-policy/2019-06-08"
    )


@pytest.mark.usefixtures("two_versions")
def test_htmx_gets_only_the_comparison(client: FlaskClient) -> None:
    response = htmx_get(client, CHANGES_URL)
    assert response.status_code == 200
    fragment = response.text.strip()
    assert fragment.startswith("<article") and "<html" not in fragment
    assert "site-header" not in fragment and 'id="policy-document"' not in fragment
    assert '<h1 id="policy-title" tabindex="-1" autofocus>' in fragment
    assert "<ins " in fragment and "We now keep your <strong>phone number</strong>." in fragment
    assert "<title>What changed in the privacy policy (March 1, 2026) · iVisual" in fragment
    assert "next=/privacy-policy/2026-03-01/changes" in fragment  # the language switch
    assert "HX-Request" in response.vary


@pytest.mark.usefixtures("two_versions")
def test_a_history_restore_gets_the_whole_page(client: FlaskClient) -> None:
    page = get(
        client, CHANGES_URL, **{"HX-Request": "true", "HX-History-Restore-Request": "true"}
    ).text
    assert page.startswith("<!doctype html>")


@pytest.mark.usefixtures("two_versions")
def test_the_comparison_in_dutch(client: FlaskClient) -> None:
    page = get(client, CHANGES_URL, "nl").text
    assert '<html lang="nl">' in page
    assert ">Wat is er veranderd in de privacyverklaring</h1>" in page
    assert "Samenvatting van de wijzigingen" in page
    assert sections(page) == [("changed", "1. Wat we verzamelen (gewijzigd)")]
    assert re.search(r"<del [^>]*><span class=\"compare__label\">Verwijderd</span>", page)
    assert re.search(r"<ins [^>]*><span class=\"compare__label\">Toegevoegd</span>", page)
    assert '<div class="prose" lang="nl"><p>Uw naam en telefoonnummer.</p>' in page
    assert ">Terug naar de versie van 1 maart 2026</a>" in page


def test_an_english_comparison_on_a_dutch_page_says_so(
    client: FlaskClient, create_policy_version: PolicyFactory
) -> None:
    create_policy_version(language="en", published_on=OLD_DAY, body=OLD_EN)
    create_policy_version(language="en", published_on=NEW_DAY, body=NEW_EN, changes=SUMMARY_EN)
    page = get(client, CHANGES_URL, "nl").text
    assert "Deze versie is alleen beschikbaar in het English." in page
    assert '<span lang="en">1. Information we collect</span>' in page
    assert "(gewijzigd)" in page


@pytest.mark.usefixtures("two_versions")
@pytest.mark.parametrize(
    "url",
    [
        "/privacy-policy/2019-06-08/changes",  # the first version: nothing to compare with
        "/privacy-policy/2020-01-01/changes",  # no version of that date
        "/privacy-policy/not-a-date/changes",
        "/privacy-policy/2026-02-30/changes",
    ],
)
def test_nothing_to_compare_is_not_found(client: FlaskClient, url: str) -> None:
    assert get(client, url).status_code == 404
    assert htmx_get(client, url).status_code == 404


@pytest.mark.usefixtures("two_versions")
def test_a_future_version_cannot_be_compared_yet(
    client: FlaskClient, create_policy_version: PolicyFactory
) -> None:
    later = studio_today() + timedelta(days=1)
    create_policy_version(published_on=later, body="Later.\n", changes="- Later.\n")
    assert get(client, f"/privacy-policy/{later.isoformat()}/changes").status_code == 404
    assert "Later." not in get(client, "/privacy-policy").text


@pytest.mark.usefixtures("two_versions")
def test_the_comparison_is_revalidated_and_answers_304(client: FlaskClient) -> None:
    first = get(client, CHANGES_URL)
    assert first.headers["Cache-Control"] == "no-cache"
    etag = first.headers["ETag"]
    again = get(client, CHANGES_URL, **{"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert get(client, CHANGES_URL, "nl", **{"If-None-Match": etag}).status_code == 200


@pytest.mark.usefixtures("two_versions")
def test_the_comparison_fills_values_from_the_configuration(
    app: Flask, client: FlaskClient
) -> None:
    app.config.update(CONTACT_RETENTION_MONTHS=7)
    page = get(client, CHANGES_URL).text
    assert "Your email address and phone number, kept 7 months." in page
    assert "{{" not in page
