"""No back-office URL answers anyone but a signed-in, active staff member."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.admin.conftest import csrf_token, sign_in
from tests.urls import example_urls
from website.admin.models import StaffMember
from website.admin.services import set_active

OPEN = {"/admin/sign-in", "/admin/sign-in/code"}


def protected(app: Flask, method: str) -> list[str]:
    urls = [url for url in example_urls(app, method, prefix="/admin") if url not in OPEN]
    assert len(urls) >= 5, "the URL map has the back-office screens"
    return urls


def assert_sent_to_sign_in(response, url: str) -> None:
    assert response.status_code == 303, url
    location = urlsplit(response.headers["Location"])
    assert location.path == "/admin/sign-in", url
    assert parse_qs(location.query)["next"] == [url], url


def test_every_screen_refuses_anonymous_visitors(app: Flask, client: FlaskClient) -> None:
    for url in protected(app, "GET"):
        assert_sent_to_sign_in(client.get(url), url)


def test_every_action_refuses_anonymous_visitors_even_with_a_token(
    app: Flask, client: FlaskClient
) -> None:
    token = csrf_token(client)
    for url in protected(app, "POST"):
        assert_sent_to_sign_in(client.post(url, data={"csrf_token": token}), url)


def test_a_disabled_member_is_signed_out_everywhere(
    app: Flask, staff_client: FlaskClient, staff: StaffMember
) -> None:
    assert staff_client.get("/admin/").status_code == 200
    with app.app_context():
        set_active(staff.email, active=False)
    for url in protected(app, "GET"):
        assert_sent_to_sign_in(staff_client.get(url), url)
    with app.app_context():
        set_active(staff.email, active=True)
    assert staff_client.get("/admin/").status_code == 303, "the old session stays invalid"
    assert sign_in(staff_client).status_code == 303
    assert staff_client.get("/admin/").status_code == 200


def test_a_disabled_member_cannot_sign_in(
    app: Flask, client: FlaskClient, staff: StaffMember
) -> None:
    with app.app_context():
        set_active(staff.email, active=False)
    response = sign_in(client)
    assert response.status_code == 422
    assert "Invalid email address or password." in response.text


def test_every_post_needs_the_csrf_token(app: Flask, staff_client: FlaskClient) -> None:
    for url in protected(app, "POST"):
        response = staff_client.post(url, data={}, headers={"Accept-Language": "en"})
        assert response.status_code == 400, url
        assert "This form has expired" in response.text, url


def test_an_expired_session_sends_htmx_to_the_sign_in_page(client: FlaskClient) -> None:
    response = client.get("/admin/messages?q=anna", headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/admin/sign-in?next=/admin/messages?q%3Danna"
    assert response.data == b""


@pytest.mark.parametrize("url", ["/admin/", "/admin/messages", "/admin/sign-in"])
def test_back_office_pages_are_never_cached(client: FlaskClient, url: str) -> None:
    assert client.get(url).headers["Cache-Control"] == "no-store"


def test_signed_in_members_see_every_screen(app: Flask, staff_client: FlaskClient) -> None:
    for url in protected(app, "GET"):
        assert staff_client.get(url).status_code in (200, 404), url
