"""Language choice: the visitor's remembered choice, else the browser, else the default."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po
from flask.testing import FlaskClient

from website import PROJECT_ROOT
from website.i18n import LANGUAGE_COOKIE

CATALOG = Path(PROJECT_ROOT) / "website" / "translations" / "nl" / "LC_MESSAGES" / "messages.po"


@pytest.mark.parametrize(
    ("accept_language", "expected"),
    [
        ("nl-NL,nl;q=0.9,en;q=0.8", "nl"),
        ("en-GB,en;q=0.9", "en"),
        ("de-DE,de;q=0.9,en;q=0.5", "en"),
        ("fr-FR", "nl"),
        (None, "nl"),
    ],
)
def test_browser_preference_decides_without_a_choice(
    client: FlaskClient, accept_language: str | None, expected: str
) -> None:
    headers = {"Accept-Language": accept_language} if accept_language else {}
    response = client.get("/", headers=headers)
    assert f'<html lang="{expected}">' in response.text
    assert response.headers["Content-Language"] == expected
    assert {"Accept-Language", "Cookie"} <= set(response.vary)


def test_pages_are_translated(client: FlaskClient) -> None:
    dutch = client.get("/", headers={"Accept-Language": "nl"}).text
    english = client.get("/", headers={"Accept-Language": "en"}).text
    assert "Zo werkt een boeking" in dutch
    assert "How a booking works" in english
    assert "aanbetaling van 50%," in dutch
    assert "50% deposit" in english


def test_switch_remembers_the_choice_and_returns(client: FlaskClient) -> None:
    response = client.get("/language/en?next=/privacy-policy", headers={"Accept-Language": "nl"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/privacy-policy"
    cookie = client.get_cookie(LANGUAGE_COOKIE)
    assert cookie is not None and cookie.value == "en"
    assert cookie.http_only and cookie.same_site == "Lax"
    later = client.get("/", headers={"Accept-Language": "nl"})
    assert '<html lang="en">' in later.text


def test_switch_keeps_the_query_string(client: FlaskClient) -> None:
    response = client.get("/language/nl", query_string={"next": "/privacy-policy?x=1"})
    assert response.headers["Location"] == "/privacy-policy?x=1"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
        "evil",
        "/x\r\nSet-Cookie: a=b",
    ],
)
def test_switch_never_redirects_off_site(client: FlaskClient, target: str) -> None:
    response = client.get("/language/nl", query_string={"next": target})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_unknown_language_is_not_found(client: FlaskClient) -> None:
    assert client.get("/language/de").status_code == 404
    assert client.get_cookie(LANGUAGE_COOKIE) is None


def test_a_tampered_cookie_is_ignored(client: FlaskClient) -> None:
    client.set_cookie(LANGUAGE_COOKIE, "xx")
    assert '<html lang="en">' in client.get("/", headers={"Accept-Language": "en"}).text


def test_every_page_links_to_the_other_language(client: FlaskClient) -> None:
    page = client.get("/privacy-centre", headers={"Accept-Language": "nl"}).text
    assert 'href="/language/en?next=/privacy-centre" lang="en" hreflang="en"' in page


def test_visitors_get_no_cookie_unless_they_choose(client: FlaskClient) -> None:
    # (The privacy centre, like the contact page, has a form: its token needs the session.)
    for path in ("/", "/privacy-policy", "/no-such-page"):
        response = client.get(path)
        assert "Set-Cookie" not in response.headers, path


def test_a_form_sets_only_the_session_cookie_its_token_needs(client: FlaskClient) -> None:
    cookies = client.get("/contact").headers.getlist("Set-Cookie")
    assert len(cookies) == 1
    assert cookies[0].startswith("session=")
    assert "HttpOnly" in cookies[0] and "SameSite=Lax" in cookies[0]


def test_every_string_has_a_dutch_translation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    template = tmp_path / "messages.pot"
    monkeypatch.chdir(PROJECT_ROOT)
    CommandLineInterface().run(
        ["pybabel", "-q", "extract", "-F", "babel.cfg", "-k", "_l", "-o", str(template), "."]
    )
    with template.open("rb") as source:
        wanted = {message.id for message in read_po(source) if message.id}
    with CATALOG.open("rb") as source:
        catalog = read_po(source)
    translated = {m.id for m in catalog if m.id and m.string and not m.fuzzy}
    assert wanted - translated == set(), "run `make translations-update` and translate these"
