"""The htmx contract: fragments only for in-place requests, full pages otherwise, with Vary."""

from __future__ import annotations

import json
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import PolicyFactory
from website.htmx import (
    VARY_HEADERS,
    redirect_after_post,
    redirect_in_place,
    render,
    wants_fragment,
)

HX = {"HX-Request": "true"}
URL = "/privacy-policy/2019-06-08"


@pytest.fixture(autouse=True)
def policy(create_policy_version: PolicyFactory) -> None:
    create_policy_version()


def is_full_page(html: str) -> bool:
    return html.startswith("<!doctype html>") and 'class="site-header"' in html


def test_plain_request_gets_the_full_page(client: FlaskClient) -> None:
    response = client.get(URL)
    assert is_full_page(response.text)
    assert set(VARY_HEADERS) <= set(response.vary)


def test_in_place_htmx_request_gets_the_fragment(client: FlaskClient) -> None:
    response = client.get(URL, headers=HX)
    assert response.status_code == 200
    assert not is_full_page(response.text)
    assert response.text.lstrip().startswith("<article")
    assert 'id="policy-title"' in response.text and "We collect what you send us." in response.text
    assert set(VARY_HEADERS) <= set(response.vary)


@pytest.mark.parametrize(
    "extra",
    [{"HX-Boosted": "true"}, {"HX-History-Restore-Request": "true"}],
    ids=["boosted", "restore"],
)
def test_boosted_and_history_restore_requests_get_the_full_page(
    client: FlaskClient, extra: dict[str, str]
) -> None:
    response = client.get(URL, headers={**HX, **extra})
    assert is_full_page(response.text)
    assert set(VARY_HEADERS) <= set(response.vary)


def test_fragment_and_page_have_different_etags(client: FlaskClient) -> None:
    page = client.get(URL)
    fragment = client.get(URL, headers={**HX, "If-None-Match": page.headers["ETag"]})
    assert fragment.status_code == 200
    assert fragment.headers["ETag"] != page.headers["ETag"]


@pytest.mark.parametrize(
    ("headers", "fragment"),
    [
        ({}, False),
        (HX, True),
        ({"HX-Request": "false"}, False),
        ({**HX, "HX-Boosted": "true"}, False),
        ({**HX, "HX-History-Restore-Request": "true"}, False),
    ],
)
def test_wants_fragment(app: Flask, headers: dict[str, str], fragment: bool) -> None:
    with app.test_request_context(headers=headers):
        assert wants_fragment() is fragment


def test_render_without_a_partial_is_always_the_page(app: Flask) -> None:
    with app.test_request_context(headers=HX):
        response = render("errors/error.html", code=404, title="T", message="M")
        assert is_full_page(response.get_data(as_text=True))


def test_redirect_after_post(app: Flask) -> None:
    with app.test_request_context(method="POST"):
        plain = redirect_after_post("/thanks")
        assert (plain.status_code, plain.headers["Location"]) == (303, "/thanks")
    with app.test_request_context(method="POST", headers=HX):
        enhanced = redirect_after_post("/thanks")
        assert (enhanced.status_code, enhanced.headers["HX-Redirect"]) == (204, "/thanks")
        assert "Location" not in enhanced.headers


def test_redirect_in_place(app: Flask) -> None:
    """A plain post is redirected; an htmx one has htmx fetch the page into the target."""
    with app.test_request_context(method="POST"):
        plain = redirect_in_place("/privacy-centre/requests", "#privacy-panel")
        assert (plain.status_code, plain.headers["Location"]) == (303, "/privacy-centre/requests")
    with app.test_request_context(method="POST", headers=HX):
        enhanced = redirect_in_place("/privacy-centre/requests", "#privacy-panel")
        assert enhanced.status_code == 204
        assert json.loads(enhanced.headers["HX-Location"]) == {
            "path": "/privacy-centre/requests",
            "target": "#privacy-panel",
            "swap": "outerHTML",
        }
        assert "Location" not in enhanced.headers and "HX-Redirect" not in enhanced.headers


def test_a_swapped_fragment_brings_the_title_and_language_switch(
    client: FlaskClient, create_policy_version: PolicyFactory
) -> None:
    """What lies outside the swapped region follows the swap (htmx reads a root <title>)."""
    create_policy_version(published_on=date(2026, 3, 1))  # 2019-06-08 is an earlier version
    headers = {
        "HX-Request": "true",
        "HX-Current-URL": "http://localhost/privacy-policy",
        "Accept-Language": "en",
    }
    fragment = client.get("/privacy-policy/2019-06-08", headers=headers).text
    assert "<title>Privacy policy (June 8, 2019) · iVisual Productions</title>" in fragment
    assert 'id="language-switch" class="language-switch" hx-swap-oob="true"' in fragment
    assert "next=/privacy-policy/2019-06-08" in fragment
    page = client.get("/privacy-policy/2019-06-08", headers={"Accept-Language": "en"}).text
    assert page.count("<title>") == 1 and "hx-swap-oob" not in page
    here = {**headers, "HX-Current-URL": "http://localhost/privacy-policy/2019-06-08"}
    same_page = client.get("/privacy-policy/2019-06-08", headers=here).text
    assert "<title>" not in same_page, "an update of the page shown changes nothing outside"
