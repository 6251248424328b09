"""Staff accounts and signed-in clients for the back-office tests."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from website.admin.models import StaffMember
from website.admin.services import create_staff
from website.extensions import db

STAFF_EMAIL = "studio@ivisualproductions.nl"
STAFF_PASSWORD = "lantern orchard velvet quarry"


@pytest.fixture
def staff(app: Flask) -> StaffMember:
    with app.app_context():
        member = create_staff(STAFF_EMAIL, STAFF_PASSWORD)
        db.session.refresh(member)
        db.session.expunge(member)
        return member


def csrf_token(client: FlaskClient, url: str = "/admin/sign-in") -> str:
    page = client.get(url).text
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    assert match, f"{url} has a CSRF token"
    return match.group(1)


def sign_in(
    client: FlaskClient,
    email: str = STAFF_EMAIL,
    password: str = STAFF_PASSWORD,
    next_url: str = "",
    **headers: str,
) -> TestResponse:
    data = {
        "csrf_token": csrf_token(client),
        "email": email,
        "password": password,
        "next": next_url,
    }
    return client.post("/admin/sign-in", data=data, headers={"Accept-Language": "en", **headers})


@pytest.fixture
def staff_client(client: FlaskClient, staff: StaffMember) -> FlaskClient:
    """A client signed in as the staff member."""
    assert sign_in(client).status_code == 303
    return client


Post = Callable[..., TestResponse]  # the ``post`` fixture: ``post(url, data, **headers)``


@pytest.fixture
def post(staff_client: FlaskClient) -> Post:
    """POST as the signed-in member, with the session's CSRF token added."""

    def send(url: str, data: dict | None = None, **headers: str) -> TestResponse:
        token = csrf_token(staff_client, "/admin/account")
        return staff_client.post(
            url,
            data={"csrf_token": token, **(data or {})},
            headers={"Accept-Language": "en", **headers},
        )

    return send


def current_code(secret: str, step_offset: int = 0) -> str:
    """The authenticator code for now, or ``step_offset`` 30-second steps away."""
    return pyotp.TOTP(secret).at(time.time() + step_offset * 30)
