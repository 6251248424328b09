"""Signing in and out: no enumeration, growing delays, safe redirects, two-factor codes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.admin.conftest import STAFF_EMAIL, STAFF_PASSWORD, csrf_token, current_code, sign_in
from website.admin.models import SignInThrottle, StaffMember, StaffSession
from website.admin.services import StaffError, create_staff, password_problem
from website.admin.services import sign_in as check_password
from website.audit.models import AuditEvent
from website.clock import utcnow
from website.extensions import db


def audit_actions(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


@pytest.mark.usefixtures("staff")
def test_signing_in_lands_on_the_dashboard(app: Flask, client: FlaskClient) -> None:
    response = sign_in(client)
    assert response.status_code == 303 and response.headers["Location"] == "/admin/"
    assert "Dashboard" in client.get("/admin/", headers={"Accept-Language": "en"}).text
    assert audit_actions(app)[-1] == "staff.signed_in"


@pytest.mark.usefixtures("staff")
def test_unknown_address_and_wrong_password_look_the_same(client: FlaskClient) -> None:
    def masked(response) -> tuple[int, str]:
        return response.status_code, re.sub(r'value="[^"]*"', 'value=""', response.text)

    unknown = masked(sign_in(client, email="nobody@example.nl"))
    wrong = masked(sign_in(client, password="not the password at all"))
    assert unknown[0] == wrong[0] == 422
    assert unknown[1].replace("nobody@example.nl", "X") == wrong[1].replace(STAFF_EMAIL, "X")
    assert "Invalid email address or password." in wrong[1]


@pytest.mark.usefixtures("staff")
def test_signing_in_starts_a_fresh_session(client: FlaskClient) -> None:
    old_token = csrf_token(client)
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    assert sign_in(client).status_code == 303
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("csrf_token") is None, "the old form token is gone"
    response = client.post("/admin/sign-out", data={"csrf_token": old_token})
    assert response.status_code == 400, "a token from before signing in is worthless"


@pytest.mark.usefixtures("staff")
@pytest.mark.parametrize(
    ("target", "landing"),
    [
        ("/admin/messages?status=new", "/admin/messages?status=new"),
        ("//evil.example/admin", "/admin/"),
        ("https://evil.example/", "/admin/"),
        ("/\\evil.example", "/admin/"),
        ("javascript:alert(1)", "/admin/"),
    ],
)
def test_next_only_leads_within_the_site(client: FlaskClient, target: str, landing: str) -> None:
    response = sign_in(client, next_url=target)
    assert response.headers["Location"] == landing


@pytest.mark.usefixtures("staff")
def test_failures_bring_a_growing_delay_even_for_the_right_password(
    app: Flask, client: FlaskClient
) -> None:
    for _ in range(3):
        assert sign_in(client, password="wrong wrong wrong").status_code == 422
    refused = sign_in(client)
    assert refused.status_code == 429
    assert "Too many attempts. Please try again in a minute." in refused.text
    with app.app_context():
        throttle = db.session.scalars(sa.select(SignInThrottle)).one()
        assert throttle.failures == 3
        first_delay = throttle.locked_until - throttle.last_failure_at
        throttle.locked_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert first_delay == timedelta(seconds=30)
    assert sign_in(client, password="wrong again, sorry").status_code == 422
    with app.app_context():
        throttle = db.session.scalars(sa.select(SignInThrottle)).one()
        assert throttle.locked_until - throttle.last_failure_at == timedelta(seconds=60)
        throttle.locked_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert sign_in(client).status_code == 303
    with app.app_context():
        assert db.session.scalars(sa.select(SignInThrottle)).all() == [], "success resets"


def test_unknown_addresses_are_delayed_just_the_same(app: Flask) -> None:
    with app.app_context():
        now = utcnow()
        for _ in range(3):
            assert check_password("nobody@example.nl", "guess", now=now).staff is None
        assert check_password("nobody@example.nl", "guess", now=now).wait_seconds == 31
        assert check_password("NOBODY@example.nl", "guess", now=now).wait_seconds == 31


def test_the_delay_stops_growing_at_an_hour(app: Flask, staff: StaffMember) -> None:
    with app.app_context():
        now = utcnow()
        for _ in range(20):
            check_password(STAFF_EMAIL, "wrong", now=now)
            now += timedelta(hours=2)
        throttle = db.session.scalars(sa.select(SignInThrottle)).one()
        assert throttle.locked_until - throttle.last_failure_at == timedelta(hours=1)


class TestAddressLimit:
    @pytest.mark.usefixtures("staff")
    def test_an_address_gets_ten_tries_a_minute(self, client: FlaskClient) -> None:
        statuses = [sign_in(client, email=f"guess{n}@example.nl").status_code for n in range(11)]
        assert statuses == [422] * 10 + [429]


def test_sign_out_needs_a_post(staff_client: FlaskClient) -> None:
    assert staff_client.get("/admin/sign-out").status_code == 405
    token = csrf_token(staff_client, "/admin/account")
    response = staff_client.post("/admin/sign-out", data={"csrf_token": token})
    assert response.status_code == 303
    assert staff_client.get("/admin/").status_code == 303


def enable_two_factor(app: Flask, staff_client: FlaskClient) -> tuple[str, list[str], str]:
    """Turn 2FA on; return the secret, the recovery codes and the code that confirmed it."""
    token = csrf_token(staff_client, "/admin/account")
    page = staff_client.post("/admin/account/two-factor/start", data={"csrf_token": token}).text
    assert 'src="data:image/svg+xml' in page
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)
    wrong = staff_client.post(
        "/admin/account/two-factor/confirm", data={"csrf_token": token, "code": "000000"}
    )
    assert wrong.status_code == 422
    first_code = current_code(secret)
    confirmed = staff_client.post(
        "/admin/account/two-factor/confirm", data={"csrf_token": token, "code": first_code}
    )
    codes = re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", confirmed.text)
    assert len(codes) == 10
    staff_client.post("/admin/sign-out", data={"csrf_token": token})
    return secret, codes, first_code


def test_two_factor_enrolment_and_sign_in(app: Flask, staff_client: FlaskClient) -> None:
    secret, _, _ = enable_two_factor(app, staff_client)
    response = sign_in(staff_client, next_url="/admin/clients")
    assert response.headers["Location"] == "/admin/sign-in/code"
    assert staff_client.get("/admin/").status_code == 303, "not signed in yet"
    token = csrf_token(staff_client, "/admin/sign-in/code")
    wrong = staff_client.post("/admin/sign-in/code", data={"csrf_token": token, "code": "123456"})
    assert wrong.status_code == 422
    # The current code confirmed the enrolment and is spent; the app accepts the next one.
    right = staff_client.post(
        "/admin/sign-in/code", data={"csrf_token": token, "code": current_code(secret, 1)}
    )
    assert right.headers["Location"] == "/admin/clients"
    assert staff_client.get("/admin/").status_code == 200
    assert "staff.two_factor_enabled" in audit_actions(app)


def test_an_authenticator_code_works_only_once(app: Flask, staff_client: FlaskClient) -> None:
    _, _, first_code = enable_two_factor(app, staff_client)
    sign_in(staff_client)
    token = csrf_token(staff_client, "/admin/sign-in/code")
    replayed = staff_client.post(
        "/admin/sign-in/code", data={"csrf_token": token, "code": first_code}
    )
    assert replayed.status_code == 422, "the code that confirmed enrolment is spent"


def test_a_recovery_code_works_once(app: Flask, staff_client: FlaskClient) -> None:
    _, codes, _ = enable_two_factor(app, staff_client)
    for expected in (303, 422):
        sign_in(staff_client)
        token = csrf_token(staff_client, "/admin/sign-in/code")
        response = staff_client.post(
            "/admin/sign-in/code", data={"csrf_token": token, "code": codes[0].upper()}
        )
        assert response.status_code == expected
        if expected == 303:
            staff_client.post(
                "/admin/sign-out", data={"csrf_token": csrf_token(staff_client, "/admin/account")}
            )
    assert "staff.recovery_code_used" in audit_actions(app)


def test_the_code_step_expires(app: Flask, staff_client: FlaskClient) -> None:
    enable_two_factor(app, staff_client)
    sign_in(staff_client)
    with app.app_context():
        pending = db.session.scalars(sa.select(StaffSession)).one()
        pending.created_at = utcnow() - timedelta(minutes=5)
        db.session.commit()
    response = staff_client.get("/admin/sign-in/code")
    assert response.status_code == 303 and response.headers["Location"] == "/admin/sign-in"


def test_the_code_step_needs_a_password_first(client: FlaskClient) -> None:
    response = client.get("/admin/sign-in/code")
    assert response.status_code == 303 and response.headers["Location"] == "/admin/sign-in"


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short", "Use at least 12 characters."),
        ("password1234", "too common"),
        ("ivisualproductions", "too common"),
        ("qwertyuiopasdf", "too common"),
    ],
)
def test_weak_passwords_are_refused(password: str, problem: str) -> None:
    assert problem in (password_problem(password, STAFF_EMAIL) or "")


def test_a_strong_password_passes() -> None:
    assert password_problem(STAFF_PASSWORD, STAFF_EMAIL) is None


@pytest.mark.usefixtures("app_context")
def test_passwords_are_stored_with_scrypt() -> None:
    member = create_staff("new@ivisualproductions.nl", STAFF_PASSWORD)
    assert member.password_hash.startswith("scrypt:")
    assert STAFF_PASSWORD not in member.password_hash
    with pytest.raises(StaffError, match="already"):
        create_staff("NEW@ivisualproductions.nl", STAFF_PASSWORD)
    assert db.session.scalars(sa.select(StaffMember)).all() == [member]


def test_five_wrong_codes_ask_for_the_password_again(app: Flask, staff_client: FlaskClient) -> None:
    enable_two_factor(app, staff_client)
    sign_in(staff_client)
    token = csrf_token(staff_client, "/admin/sign-in/code")
    statuses = [
        staff_client.post(
            "/admin/sign-in/code", data={"csrf_token": token, "code": f"00000{n}"}
        ).status_code
        for n in range(5)
    ]
    assert statuses == [422, 422, 422, 422, 303]
    assert staff_client.get("/admin/sign-in/code").headers["Location"] == "/admin/sign-in"
