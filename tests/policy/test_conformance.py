"""The policy in force, held against the code.

Every category of the register has a section that describes it and its retention rule in
the policy; every recipient is named where the policy says who receives data; every right
the privacy centre offers is linked to its panel; every cookie the site sets (found by using
the site: every page, the forms, the pay link, both sign-ins) is in the register and the
policy; periods are placeholders, never digits. Both languages. A new category, cookie,
recipient or panel without policy text fails here (and the last tests show that it does).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale

from tests.contact.helpers import send
from tests.factories import make_issued_invoice
from tests.payments.test_payments import click_pay
from tests.privacy.helpers import KNOWN
from tests.urls import example_urls, signed_in_everywhere
from website.markdown import Rendered, render_markdown
from website.mollie_sandbox.testing import MollieSandbox
from website.policy import placeholders
from website.policy.cli import DEFAULT_DIRECTORY
from website.policy.services import current_version, import_directory, published_versions
from website.privacy import policy_values
from website.privacy.register import CATEGORIES, COOKIES, RECIPIENTS, RIGHTS, Category, Cookie

LANGUAGES = ("nl", "en")
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
POLICY_LINK = re.compile(r"policy\.show'\) \}\}#([a-z0-9-]+)")
HEADING = re.compile(r'<h([2-6]) id="([a-z0-9-]+)">')
# A period written in digits ("12 months", "30 dagen") belongs in a placeholder.
PERIOD = re.compile(
    r"\b\d+\s*-?\s*(?:minutes?|minuten|hours?|uur|days?|dagen|dag|weeks?|weken|months?|"
    r"maanden|maand|years?|jaar|jaren)\b",
    re.IGNORECASE,
)


@pytest.fixture
def app_config(mollie_sandbox: MollieSandbox) -> dict[str, Any]:
    return {"MOLLIE_API_ENDPOINT": mollie_sandbox.url, "MOLLIE_API_KEY": mollie_sandbox.api_key}


@pytest.fixture
def repository_policy(app: Flask) -> None:
    """The repository's policy versions, published as ``flask policy import`` does."""
    with app.app_context():
        import_directory(DEFAULT_DIRECTORY)


@pytest.fixture
def in_policy(app: Flask, repository_policy: None) -> Iterator[None]:
    """A request context to render the policy in (not for tests that make requests: they
    would share its ``g``)."""
    with app.test_request_context():
        yield


def policy_source(language: str) -> str:
    version = current_version(language)
    assert version is not None and version.language == language
    return version.body


def rendered(language: str) -> Rendered:
    return render_markdown(placeholders.fill(policy_source(language), language))


def plain(fragment: str) -> str:
    """The text of an HTML fragment, whitespace collapsed."""
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())
    return re.sub(r" ([:;,.)])", r"\1", text)  # "<b>Title</b>: ..." reads "Title: ..."


def sections(document: Rendered) -> dict[str, str]:
    """Each section's HTML by its anchor, with its subsections."""
    headings = [
        (match.start(), int(match[1]), match[2]) for match in HEADING.finditer(document.html)
    ]
    found = {}
    for index, (start, level, anchor) in enumerate(headings):
        end = next(
            (later for later, deeper, _ in headings[index + 1 :] if deeper <= level),
            len(document.html),
        )
        found[anchor] = document.html[start:end]
    return found


def section_text(language: str, anchor: str) -> str:
    return plain(sections(rendered(language)).get(anchor, ""))


# --- the checks: each returns what is missing, in words ---------------------------------------


def category_problems(categories: Iterable[Category] = CATEGORIES) -> list[str]:
    problems = []
    for language in LANGUAGES:
        anchors = set(sections(rendered(language)))
        retention = section_text(language, "retention")
        with force_locale(language):
            for category in categories:
                if category.policy_section not in anchors:
                    problems.append(
                        f"{language}: no section #{category.policy_section} for {category.key}"
                    )
                rule = f"{category.title}: {category.retention_text()}"
                if rule not in retention:
                    problems.append(f"{language}: #retention lacks '{rule}'")
    return problems


def recipient_problems() -> list[str]:
    problems = []
    for language in LANGUAGES:
        sharing = section_text(language, "sharing").lower()
        with force_locale(language):
            names = [str(recipient.name) for recipient in RECIPIENTS]
        problems += [
            f"{language}: #sharing does not name {name}"
            for name in names
            if name.lower() not in sharing
        ]
    return problems


def right_problems() -> list[str]:
    problems = []
    for language in LANGUAGES:
        rights_section = sections(rendered(language)).get("your-rights", "")
        for right in RIGHTS:
            url = placeholders.fill(f"{{{{ right_{right.key} }}}}", language)
            if f'href="{url}"' not in rights_section:
                problems.append(f"{language}: #your-rights does not link {right.key} ({url})")
    return problems


def cookie_problems(cookies_set: set[str], cookies: Iterable[Cookie] = COOKIES) -> list[str]:
    names = {item.name for item in cookies}
    problems = [f"the site sets {name}, which the register lacks" for name in cookies_set - names]
    for language in LANGUAGES:
        listed = section_text(language, "cookies")
        problems += [
            f"{language}: #cookies does not list {name}"
            for name in names
            if f"{name}:" not in listed
        ]
    return problems


def period_problems(source: Callable[[str], str] = policy_source) -> list[str]:
    return [
        f"{language}: '{match[0]}' is written out; use a placeholder"
        for language in LANGUAGES
        for match in PERIOD.finditer(source(language))
    ]


# --- using the site as its visitors and staff do, recording every cookie it sets -------------


def cookies_the_site_sets(app: Flask) -> set[str]:
    """The names of all cookies set (or cleared) while a browser goes through the site."""
    names: set[str] = set()
    inner = app.wsgi_app

    def recording(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        def recording_start(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
            names.update(
                value.split("=", 1)[0].strip()
                for key, value in headers
                if key.lower() == "set-cookie"
            )
            return start_response(status, headers, *args)

        return inner(environ, recording_start)

    app.wsgi_app = recording  # type: ignore[method-assign]
    try:
        visitor: FlaskClient = app.test_client()
        visitor.get("/language/nl").close()
        send(visitor).close()
        with app.app_context():
            token = make_issued_invoice(email=KNOWN)[1]
        click_pay(visitor, token).close()
        browser = signed_in_everywhere(app)  # the back office and the privacy centre
        for url in example_urls(app, "GET"):
            browser.get(url).close()
    finally:
        app.wsgi_app = inner  # type: ignore[method-assign]
    return names


# --- the policy in force conforms ------------------------------------------------------------


@pytest.mark.usefixtures("in_policy")
def test_every_category_has_its_section_and_retention_rule() -> None:
    assert category_problems() == []


@pytest.mark.usefixtures("in_policy")
def test_every_recipient_is_named_where_the_policy_says_who_receives_data() -> None:
    assert recipient_problems() == []


@pytest.mark.usefixtures("in_policy")
def test_every_right_links_to_its_panel() -> None:
    assert right_problems() == []


@pytest.mark.usefixtures("in_policy")
def test_every_link_into_the_policy_finds_its_section() -> None:
    linked = {
        anchor
        for path in TEMPLATES.rglob("*.*")
        for anchor in POLICY_LINK.findall(path.read_text(encoding="utf-8"))
    }
    assert {"your-rights", "information-required-for-contact", "cookies"} <= linked
    for language in LANGUAGES:
        assert linked - set(sections(rendered(language))) == set(), language


@pytest.mark.usefixtures("in_policy")
def test_the_anchors_of_earlier_versions_still_lead_somewhere() -> None:
    """Links into an old version's sections (#your-rights, ...) keep working in the new one."""
    for language in LANGUAGES:
        current = {heading.anchor for heading in rendered(language).headings}
        versions = published_versions(language)
        assert len(versions) >= 2
        for version in versions[1:]:
            anchors = {heading.anchor for heading in render_markdown(version.body).headings}
            assert anchors - current == set(), (language, version.slug)


@pytest.mark.usefixtures("in_policy")
def test_periods_come_from_the_code() -> None:
    assert period_problems() == []


@pytest.mark.usefixtures("repository_policy")
def test_every_cookie_the_site_sets_is_in_the_register_and_the_policy(app: Flask) -> None:
    found = cookies_the_site_sets(app)
    assert {"session", "language", "privacy_session", "staff_device"} <= found
    with app.test_request_context():
        assert cookie_problems(found) == []


def test_the_register_knows_every_panel_the_privacy_centre_offers(app: Flask) -> None:
    browser = signed_in_everywhere(app)
    pages = [browser.get(url).text for url in ("/privacy-centre/data", "/privacy-centre/requests")]
    offered = {
        link for page in pages for link in re.findall(r'href="(/privacy-centre/[a-z/-]+)"', page)
    }
    with app.test_request_context():
        panels = {placeholders.fill(f"{{{{ right_{right.key} }}}}", "en") for right in RIGHTS}
    assert offered - panels == set()
    assert len(offered) >= 9


# --- the checks can fail ---------------------------------------------------------------------


@pytest.mark.usefixtures("in_policy")
def test_a_category_without_policy_text_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    loyalty = Category(
        key="loyalty_points",
        policy_section="loyalty-programme",
        title=CATEGORIES[0].title,
        purpose=CATEGORIES[0].purpose,
        legal_basis=CATEGORIES[0].legal_basis,
        recipients=CATEGORIES[0].recipients,
        retention=CATEGORIES[0].retention,
        source=CATEGORIES[0].source,
        fields=(),
    )
    extended = (*CATEGORIES, loyalty)
    monkeypatch.setattr(policy_values, "CATEGORIES", extended)  # the generated retention list
    assert category_problems(extended) == [
        "nl: no section #loyalty-programme for loyalty_points",
        "en: no section #loyalty-programme for loyalty_points",
    ]


@pytest.mark.usefixtures("in_policy")
def test_a_category_left_out_of_the_retention_list_is_caught(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(policy_values, "CATEGORIES", CATEGORIES[1:])
    problems = category_problems()
    assert len(problems) == 2 and all("#retention lacks" in problem for problem in problems)


@pytest.mark.usefixtures("repository_policy")
def test_a_new_cookie_without_policy_text_is_caught(app: Flask) -> None:
    @app.after_request
    def track(response: Any) -> Any:
        response.set_cookie("visitor_id", "42")
        return response

    found = cookies_the_site_sets(app)
    assert "visitor_id" in found
    registered = (*COOKIES, Cookie("visitor_id", COOKIES[0].purpose, COOKIES[0].lifetime))
    with app.test_request_context():
        assert cookie_problems(found) == ["the site sets visitor_id, which the register lacks"]
        assert cookie_problems(found, registered) == [
            "nl: #cookies does not list visitor_id",
            "en: #cookies does not list visitor_id",
        ]


@pytest.mark.usefixtures("in_policy")
def test_digits_for_a_period_are_caught() -> None:
    def with_digits(language: str) -> str:
        return policy_source(language) + "\n\nWe keep backups for 30 days.\n"

    assert period_problems(with_digits) == [
        "nl: '30 days' is written out; use a placeholder",
        "en: '30 days' is written out; use a placeholder",
    ]
