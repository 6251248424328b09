"""Staff sessions on the server: they end when they should, wherever the cookie was copied."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from werkzeug.test import TestResponse

from tests.admin.conftest import STAFF_EMAIL, STAFF_PASSWORD, csrf_token, current_code, sign_in
from tests.admin.test_auth import audit_actions, enable_two_factor
from website.admin.devices import COOKIE as DEVICE_COOKIE
from website.admin.models import SignInThrottle, StaffMember, StaffSession
from website.admin.sessions import SESSION_KEY, delete_expired
from website.clock import utcnow
from website.extensions import db

NEW_PASSWORD = "harbour pebble saffron lantern"
CODE_STEP = "/admin/sign-in/code"


def cookie(client: FlaskClient, name: str = "session", path: str = "/") -> str:
    found = client.get_cookie(name, path=path)
    assert found is not None, f"{name} is set"
    return found.value


def browser_with(app: Flask, session_cookie: str) -> FlaskClient:
    """Another browser, holding a copy of someone's session cookie."""
    other = app.test_client()
    other.set_cookie("session", session_cookie)
    return other


def opens_admin(client: FlaskClient) -> bool:
    return client.get("/admin/").status_code == 200


def post_form(
    client: FlaskClient,
    url: str,
    data: dict | None = None,
    page: str = "/admin/account",
    token: str | None = None,
    ip: str = "127.0.0.1",
) -> TestResponse:
    """POST with a CSRF token (read from ``page`` unless given), from address ``ip``."""
    return client.post(
        url,
        data={"csrf_token": token or csrf_token(client, page), **(data or {})},
        headers={"Accept-Language": "en"},
        environ_base={"REMOTE_ADDR": ip},
    )


def sessions_in_database(app: Flask) -> list[StaffSession]:
    with app.app_context():
        return list(db.session.scalars(sa.select(StaffSession)))


def test_signing_out_ends_the_session_for_every_copy_of_the_cookie(
    app: Flask, staff_client: FlaskClient
) -> None:
    copy = browser_with(app, cookie(staff_client))
    assert opens_admin(copy)
    assert post_form(staff_client, "/admin/sign-out").status_code == 303
    assert not opens_admin(copy), "the copied cookie no longer opens the back office"
    assert not opens_admin(staff_client)
    assert sessions_in_database(app) == []


@pytest.mark.parametrize(
    ("field", "age", "open"),
    [
        ("last_seen_at", timedelta(minutes=59), True),
        ("last_seen_at", timedelta(minutes=60), False),  # STAFF_SESSION_IDLE_MINUTES
        ("created_at", timedelta(hours=12), False),  # STAFF_SESSION_MAX_HOURS, however busy
    ],
)
def test_a_session_ends_when_idle_or_old(
    app: Flask, staff_client: FlaskClient, field: str, age: timedelta, open: bool
) -> None:
    with app.app_context():
        row = db.session.scalars(sa.select(StaffSession)).one()
        setattr(row, field, utcnow() - age)
        db.session.commit()
    assert opens_admin(staff_client) is open
    assert len(sessions_in_database(app)) == (1 if open else 0)


def test_using_a_session_keeps_it_alive(app: Flask, staff_client: FlaskClient) -> None:
    with app.app_context():
        row = db.session.scalars(sa.select(StaffSession)).one()
        row.last_seen_at = utcnow() - timedelta(minutes=30)
        db.session.commit()
    assert opens_admin(staff_client)
    [row] = sessions_in_database(app)
    assert utcnow() - row.last_seen_at < timedelta(minutes=1)


def test_a_new_password_signs_out_the_other_browsers(app: Flask, staff_client: FlaskClient) -> None:
    elsewhere = app.test_client()
    assert sign_in(elsewhere).status_code == 303
    page = staff_client.get("/admin/account", headers={"Accept-Language": "en"}).text
    assert "Here and in one other browser." in page

    wrong = post_form(
        staff_client,
        "/admin/account/password",
        {"current": "not it at all", "new": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert wrong.status_code == 422 and "That is not your current password." in wrong.text
    weak = post_form(
        staff_client,
        "/admin/account/password",
        {"current": STAFF_PASSWORD, "new": "short", "confirm": "short"},
    )
    assert weak.status_code == 422 and "Use at least 12 characters." in weak.text
    assert opens_admin(elsewhere), "nothing changed yet"

    changed = post_form(
        staff_client,
        "/admin/account/password",
        {"current": STAFF_PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert changed.status_code == 303
    assert opens_admin(staff_client), "this browser stays signed in"
    assert not opens_admin(elsewhere)
    assert sign_in(app.test_client()).status_code == 422, "the old password is gone"
    assert sign_in(app.test_client(), password=NEW_PASSWORD).status_code == 303
    assert "staff.password_changed" in audit_actions(app)


def test_signing_out_everywhere(app: Flask, staff_client: FlaskClient) -> None:
    elsewhere = app.test_client()
    sign_in(elsewhere)
    response = post_form(staff_client, "/admin/account/sign-out-everywhere")
    assert response.status_code == 303 and response.headers["Location"] == "/admin/sign-in"
    assert not opens_admin(staff_client) and not opens_admin(elsewhere)
    assert sessions_in_database(app) == []


@pytest.mark.parametrize(
    ("command", "answer"),
    [
        (["disable", STAFF_EMAIL], "Disabled"),
        (["password", STAFF_EMAIL, "--password", NEW_PASSWORD], "signed out everywhere"),
    ],
)
def test_the_command_line_signs_the_account_out_everywhere(
    app: Flask, staff_client: FlaskClient, runner: FlaskCliRunner, command: list[str], answer: str
) -> None:
    copy = browser_with(app, cookie(staff_client))
    result = runner.invoke(args=["staff", *command])
    assert result.exit_code == 0 and answer in result.output
    assert not opens_admin(staff_client) and not opens_admin(copy)


@pytest.mark.usefixtures("staff")
def test_a_planted_session_token_is_replaced_at_sign_in(client: FlaskClient) -> None:
    with client.session_transaction() as session:
        session[SESSION_KEY] = "known-to-whoever-planted-it"
    assert sign_in(client).status_code == 303
    with client.session_transaction() as session:
        assert session[SESSION_KEY] != "known-to-whoever-planted-it"
    assert opens_admin(client)


@pytest.mark.usefixtures("staff")
def test_the_retention_rule_deletes_sessions_nobody_can_use(app: Flask) -> None:
    for _ in range(3):
        sign_in(app.test_client())
    with app.app_context():
        rows = db.session.scalars(sa.select(StaffSession).order_by(StaffSession.id)).all()
        rows[0].last_seen_at = utcnow() - timedelta(hours=2)
        rows[1].created_at = utcnow() - timedelta(hours=13)
        db.session.commit()
        assert delete_expired(utcnow()) == 2
    assert len(sessions_in_database(app)) == 1


# The code step ---------------------------------------------------------------------------


def send_code(
    client: FlaskClient, code: str, token: str | None = None, ip: str = "127.0.0.1"
) -> TestResponse:
    return post_form(client, CODE_STEP, {"code": code}, page=CODE_STEP, token=token, ip=ip)


def test_replaying_the_cookie_gains_no_extra_codes(app: Flask, staff_client: FlaskClient) -> None:
    secret, _, _ = enable_two_factor(app, staff_client)
    attacker = app.test_client()
    assert sign_in(attacker).headers["Location"] == CODE_STEP
    token = csrf_token(attacker, CODE_STEP)
    after_password = cookie(attacker)
    statuses = []
    for n in range(8):
        attacker.set_cookie("session", after_password)  # as it was before any wrong code
        statuses.append(send_code(attacker, f"00000{n}", token).status_code)
    assert statuses == [422, 422, 422, 422, 303, 303, 303, 303]
    attacker.set_cookie("session", after_password)
    right = send_code(attacker, current_code(secret, 1), token)
    assert right.headers["Location"] == "/admin/sign-in", "five tries were used up"
    assert not opens_admin(attacker)


def test_wrong_codes_over_many_attempts_close_the_code_step(
    app: Flask, staff_client: FlaskClient
) -> None:
    secret, _, _ = enable_two_factor(app, staff_client)
    for attempt in range(2):  # from two addresses, each within its own rate limit
        sign_in(staff_client)
        for n in range(5):
            send_code(staff_client, f"99999{n}", ip=f"192.0.2.{attempt}")
    sign_in(staff_client)
    refused = send_code(staff_client, current_code(secret, 1), ip="192.0.2.9")
    assert refused.status_code == 429
    assert "Too many wrong codes. Please try again in 15 minutes." in refused.text
    assert not opens_admin(staff_client)
    with app.app_context():
        member = db.session.scalars(sa.select(StaffMember)).one()
        assert member.code_failures == 10 and member.codes_locked_until > utcnow()


def test_a_right_code_resets_the_count_of_wrong_ones(app: Flask, staff_client: FlaskClient) -> None:
    secret, _, _ = enable_two_factor(app, staff_client)
    sign_in(staff_client)
    for n in range(4):
        send_code(staff_client, f"88888{n}")
    assert send_code(staff_client, current_code(secret, 1)).status_code == 303
    with app.app_context():
        assert db.session.scalars(sa.select(StaffMember.code_failures)).one() == 0


# Lockout -------------------------------------------------------------------------------------


def test_strangers_cannot_lock_the_owner_out_of_a_known_browser(
    app: Flask, staff_client: FlaskClient, runner: FlaskCliRunner
) -> None:
    assert cookie(staff_client, DEVICE_COOKIE, path="/admin")
    post_form(staff_client, "/admin/sign-out")
    stranger = app.test_client()
    for _ in range(3):
        assert sign_in(stranger, password="guess guess guess").status_code == 422
    assert sign_in(stranger).status_code == 429, "unknown browsers are delayed"
    assert sign_in(app.test_client()).status_code == 429
    assert sign_in(staff_client).status_code == 303, "the owner's browser is not"

    result = runner.invoke(args=["staff", "unlock", STAFF_EMAIL])
    assert result.exit_code == 0 and "Unlocked" in result.output
    assert sign_in(app.test_client()).status_code == 303
    with app.app_context():
        assert db.session.scalars(sa.select(SignInThrottle)).all() == []


def test_a_known_browser_has_its_own_count(app: Flask, staff_client: FlaskClient) -> None:
    post_form(staff_client, "/admin/sign-out")
    for _ in range(3):
        sign_in(staff_client, password="my own typo, thrice")
    assert sign_in(staff_client).status_code == 429
    assert sign_in(app.test_client()).status_code == 303, "other browsers are not delayed"


@pytest.mark.usefixtures("staff")
def test_a_forged_device_cookie_counts_as_unknown(app: Flask, client: FlaskClient) -> None:
    client.set_cookie(DEVICE_COOKIE, "forged.value", path="/admin")
    for _ in range(3):
        sign_in(client, password="guess guess guess")
    assert sign_in(app.test_client()).status_code == 429, "counted with the unknown browsers"
    with app.app_context():
        assert db.session.scalars(sa.select(SignInThrottle.device)).all() == [""]


def test_a_new_password_also_replaces_this_browsers_session(
    app: Flask, staff_client: FlaskClient
) -> None:
    before = cookie(staff_client)
    changed = post_form(
        staff_client,
        "/admin/account/password",
        {"current": STAFF_PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert changed.status_code == 303
    assert opens_admin(staff_client)
    assert not opens_admin(browser_with(app, before)), "a copy of the old cookie is worthless"


def test_guessing_the_current_password_is_delayed(app: Flask, staff_client: FlaskClient) -> None:
    wrong = {"current": "guess guess guess", "new": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    answers = [
        post_form(staff_client, "/admin/account/password", wrong).status_code for _ in range(4)
    ]
    assert answers == [422, 422, 422, 429]


def test_the_code_page_leaves_a_signed_in_member_signed_in(staff_client: FlaskClient) -> None:
    """Back after the code step, a reload, or someone's link: no harm done."""
    response = staff_client.get(CODE_STEP)
    assert response.status_code == 303 and response.headers["Location"] == "/admin/"
    assert opens_admin(staff_client)


def test_signing_in_again_ends_the_session_it_replaces(
    app: Flask, staff_client: FlaskClient
) -> None:
    before = cookie(staff_client)
    again = post_form(
        staff_client, "/admin/sign-in", {"email": STAFF_EMAIL, "password": STAFF_PASSWORD}
    )
    assert again.status_code == 303
    assert opens_admin(staff_client)
    assert not opens_admin(browser_with(app, before)), "the replaced session ended"
    assert len(sessions_in_database(app)) == 1
