"""Security headers on every response, whatever its status or type."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import PRODUCTION_DETAILS, PolicyFactory, make_config
from tests.urls import example_urls, signed_in_everywhere
from website import create_app

EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def assert_secure_headers(response, url: str) -> None:
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (url, name)
    policy = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "camera=()" in response.headers["Permissions-Policy"]


def test_every_route_sends_the_headers(
    app: Flask, client: FlaskClient, create_policy_version: PolicyFactory
) -> None:
    create_policy_version()
    urls = example_urls(app)
    assert "/privacy-policy" in urls and "/static/css/site.css" in urls
    for url in [*urls, "/no-such-page"]:
        with client.get(url) as response:
            assert response.status_code in (200, 303, 404), url
            assert_secure_headers(response, url)
            assert "Strict-Transport-Security" not in response.headers


def test_every_html_answer_is_labelled_html(
    app: Flask, create_policy_version: PolicyFactory
) -> None:
    """A page sent as text/plain shows its source: every route, signed in everywhere, and
    the pages for links that do not work."""
    create_policy_version()
    browser = signed_in_everywhere(app)
    for url in [*example_urls(app), "/pay/no-such-link", "/pay/no-such-link/transfer-qr.svg"]:
        with browser.get(url, headers={"Accept-Language": "en"}) as response:
            body = response.get_data(as_text=True).lstrip().lower()
            if body.startswith(("<!doctype html", "<html", "<section", "<div", "<main")):
                assert response.headers["Content-Type"] == "text/html; charset=utf-8", url
    unknown = browser.get("/pay/no-such-link", headers={"Accept-Language": "en"})
    assert unknown.status_code == 404
    assert unknown.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "This payment link does not work" in unknown.text


def test_not_modified_and_error_responses_send_them_too(
    client: FlaskClient, create_policy_version: PolicyFactory
) -> None:
    create_policy_version()
    etag = client.get("/privacy-policy").headers["ETag"]
    not_modified = client.get("/privacy-policy", headers={"If-None-Match": etag})
    assert not_modified.status_code == 304
    assert_secure_headers(not_modified, "304")
    assert_secure_headers(client.post("/"), "405")


def test_hsts_and_secure_cookies_in_production(database_url: str) -> None:
    app = create_app(
        make_config(
            database_url,
            APP_ENV="production",
            MAIL_TRANSPORT="smtp",
            RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0",
            **PRODUCTION_DETAILS,
        )
    )
    client = app.test_client()
    response = client.get("/language/en", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=63072000")
    assert "Secure" in response.headers["Set-Cookie"]
    assert "HttpOnly" in response.headers["Set-Cookie"]
    assert "SameSite=Lax" in response.headers["Set-Cookie"]
