"""Verifying who you are: one answer for every address, codes that resist guessing, sessions."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask, template_rendered
from flask.testing import FlaskClient

from tests.privacy.helpers import (
    CSRF,
    KNOWN,
    UNKNOWN,
    ask_code,
    check,
    csrf_token,
    mailed_codes,
    make_client,
    post,
    sign_in,
)
from website.addresses import email_hash
from website.clock import utcnow
from website.contact import views as contact_views
from website.extensions import db
from website.mail.models import FORGOTTEN_BODY, OutboxMessage, OutboxStatus
from website.mail.unsubscribe import unsubscribe_token
from website.privacy import verification
from website.privacy import views as privacy_views
from website.privacy.models import VerificationChallenge, VerifiedSession
from website.privacy.session import COOKIE
from website.privacy.verification import delete_spent_verification
from website.retention import run_rules

# These depend on the moment of the request (the rate limit's reset and retry times count
# down by the second) or on the random session, never on the address.
VARYING_HEADERS = {"Set-Cookie", "Date", "X-RateLimit-Reset", "Retry-After"}


@pytest.fixture(autouse=True)
def known(app: Flask) -> int:
    return make_client(app)


def comparable(response) -> tuple:
    headers = sorted((k, v) for k, v in response.headers.items() if k not in VARYING_HEADERS)
    return response.status_code, headers, response.data


def without_tokens(html: str) -> str:
    return CSRF.sub('name="csrf_token" type="hidden" value=""', html)


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_known_and_unknown_addresses_get_identical_answers(app: Flask, htmx: bool) -> None:
    answers, pages = [], []
    for email in (KNOWN, UNKNOWN):
        browser = app.test_client()
        answers.append(comparable(ask_code(browser, email, htmx=htmx)))
        pages.append(without_tokens(browser.get("/privacy-centre/code").text))
    assert answers[0] == answers[1]
    assert answers[0][0] == (204 if htmx else 303)
    assert pages[0] == pages[1]
    assert "If we hold data for this address, we have sent a code to it." in pages[0]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(VerificationChallenge.id))) == 2
    assert len(mailed_codes(app, KNOWN)) == 1
    assert mailed_codes(app, UNKNOWN) == []
    with app.app_context():
        kept = db.session.scalars(sa.select(OutboxMessage.holds_secret)).all()
        assert kept == [True, True], "no code outlives its delivery in the outbox"


def table_counts() -> dict[str, int]:
    return {
        table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def test_known_and_unknown_addresses_cost_the_same_work(app: Flask) -> None:
    """No quick exit for an unknown address: the same rows written, the same mail rendered."""
    work = []
    for email in (KNOWN, UNKNOWN):
        rendered: list[str] = []

        def note(sender, template, context, rendered=rendered, **extra) -> None:
            rendered.append(template.name)

        with app.app_context():
            before = table_counts()
        with template_rendered.connected_to(note, app):
            ask_code(app.test_client(), email)
        with app.app_context():
            after = table_counts()
        written = {name: after[name] - count for name, count in before.items()}
        work.append(({name: n for name, n in written.items() if n}, rendered))
    assert work[0] == work[1]
    assert work[0][0] == {"mail_outbox": 1, "privacy_challenge": 1}
    assert "mail/privacy/code.txt" in work[0][1]
    with app.app_context():
        unknown_mail = db.session.scalar(
            sa.select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.SUPPRESSED)
        )
        assert unknown_mail is not None, "stored, never sent"
        assert unknown_mail.recipient == "" and unknown_mail.text_body == FORGOTTEN_BODY
        assert unknown_mail.html_body is None, "neither the code nor the typed address is kept"
        assert delete_spent_verification(utcnow() + timedelta(minutes=16)) >= 2
        assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0


def test_the_right_code_starts_a_verified_session(app: Flask, client: FlaskClient) -> None:
    assert ask_code(client, "  Anna@Example.NL ").status_code == 303
    [code] = mailed_codes(app)
    with app.app_context():
        challenge = db.session.scalar(sa.select(VerificationChallenge))
        assert code not in challenge.code_hash and len(challenge.code_hash) == 64
    response = check(client, f"{code[:4]} {code[4:]}")
    assert response.status_code == 303
    assert response.headers["Location"] == "/privacy-centre/data"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/privacy-centre" in cookie
    secret = client.get_cookie(COOKIE, path="/privacy-centre").value
    with app.app_context():
        stored = db.session.scalar(sa.select(VerifiedSession))
        assert stored.email == KNOWN and secret not in stored.token_hash
    page = client.get("/privacy-centre/data")
    assert page.status_code == 200
    assert "Confirmed as anna@example.nl." in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert client.get("/privacy-centre").headers["Location"].endswith("/privacy-centre/data")


def test_production_cookie_is_secure(app: Flask, client: FlaskClient) -> None:
    app.config["SESSION_COOKIE_SECURE"] = True
    ask_code(client)
    response = check(client, mailed_codes(app)[0])
    assert "Secure" in response.headers["Set-Cookie"]


def test_a_wrong_code_is_refused_inline(app: Flask, client: FlaskClient) -> None:
    ask_code(client)
    [code] = mailed_codes(app)
    wrong = f"{(int(code) + 1) % 10**8:08d}"
    response = check(client, wrong)
    assert response.status_code == 422
    assert "This code is not right." in response.text
    assert COOKIE not in response.headers.get("Set-Cookie", "")
    fragment = check(client, wrong, htmx=True)
    assert fragment.status_code == 422
    assert fragment.text.startswith('<section id="privacy-panel"')


def test_five_wrong_codes_lock_the_code(app: Flask, client: FlaskClient) -> None:
    ask_code(client)
    [code] = mailed_codes(app)
    wrong = [f"{(int(code) + n) % 10**8:08d}" for n in range(1, 6)]
    answers = [check(client, guess).text for guess in wrong]
    assert all("This code is not right." in answer for answer in answers[:4])
    assert "This code no longer works" in answers[4]
    locked = check(client, code)
    assert locked.status_code == 422
    assert "This code no longer works" in locked.text
    with app.app_context():
        assert db.session.scalar(sa.select(VerificationChallenge.attempts)) == 5
        assert db.session.scalar(sa.select(sa.func.count(VerifiedSession.id))) == 0


def test_an_expired_code_fails(app: Flask, client: FlaskClient) -> None:
    ask_code(client)
    with app.app_context():
        challenge = db.session.scalar(sa.select(VerificationChallenge))
        challenge.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert "This code no longer works" in check(client, mailed_codes(app)[0]).text


def test_a_code_works_once(app: Flask, client: FlaskClient) -> None:
    ask_code(client)
    [code] = mailed_codes(app)
    with client.session_transaction() as session:
        browser_secret = session["privacy_challenge"]
    assert check(client, code).status_code == 303
    with client.session_transaction() as session:
        session["privacy_challenge"] = browser_secret  # as if the browser kept it
    again = check(client, code)
    assert again.status_code == 422
    assert "This code no longer works" in again.text


TWO_CODES = ("11111111", "22222222")


def two_fixed_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The code generator gives two known, different codes, so the old one is really old."""
    codes = iter(TWO_CODES)
    monkeypatch.setattr(verification, "new_code", lambda: next(codes))


def test_a_new_code_replaces_the_old_one(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    two_fixed_codes(monkeypatch)
    ask_code(client)
    response = post(client, "/privacy-centre/code/resend", token_from="/privacy-centre/code")
    assert response.status_code == 303
    old, new = mailed_codes(app)
    assert (old, new) == TWO_CODES
    page = client.get("/privacy-centre/code").text
    assert "we have sent a new code" in page
    refused = check(client, old)
    assert refused.status_code == 422
    assert COOKIE not in refused.headers.get("Set-Cookie", "")
    assert check(client, new).status_code == 303


def test_asking_again_in_the_same_browser_closes_its_earlier_code(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    two_fixed_codes(monkeypatch)
    ask_code(client)
    with client.session_transaction() as session:
        first_challenge = dict(session)
    ask_code(client)
    old, new = mailed_codes(app)
    assert (old, new) == TWO_CODES
    with client.session_transaction() as session:
        session.update(first_challenge)  # the first page, still open in another tab
    assert "This code no longer works" in check(client, old).text


def test_another_browser_asking_leaves_the_code_alone(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Someone else typing the address (a stranger, or the owner's other device) must not
    void the code its owner is about to type."""
    two_fixed_codes(monkeypatch)
    owner, someone = app.test_client(), app.test_client()
    ask_code(owner)
    ask_code(someone)
    owners, _ = mailed_codes(app)
    assert check(owner, owners).status_code == 303


def test_the_code_only_works_in_the_browser_that_asked(app: Flask) -> None:
    asking, other = app.test_client(), app.test_client()
    ask_code(asking)
    [code] = mailed_codes(app)
    other.get("/privacy-centre")
    assert check(other, code).status_code == 422
    assert check(asking, code).status_code == 303


def test_an_unknown_address_gets_no_code_that_works(app: Flask, client: FlaskClient) -> None:
    ask_code(client, UNKNOWN)
    assert mailed_codes(app, UNKNOWN) == []
    assert check(client, "00000000").status_code == 422


def test_a_session_ends_after_idling(app: Flask, client: FlaskClient) -> None:
    sign_in(app, client)
    assert client.get("/privacy-centre/data").status_code == 200
    with app.app_context():
        stored = db.session.scalar(sa.select(VerifiedSession))
        stored.last_seen_at = utcnow() - timedelta(minutes=19)
        db.session.commit()
    assert client.get("/privacy-centre/data").status_code == 200, "use keeps it alive"
    with app.app_context():
        stored = db.session.scalar(sa.select(VerifiedSession))
        assert utcnow() - stored.last_seen_at < timedelta(minutes=1)
        stored.last_seen_at = utcnow() - timedelta(minutes=21)
        db.session.commit()
    response = client.get("/privacy-centre/data")
    assert response.status_code == 303
    assert response.headers["Location"] == "/privacy-centre"
    assert f"{COOKIE}=;" in response.headers["Set-Cookie"]
    assert "Your session has ended" in client.get("/privacy-centre").text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(VerifiedSession.id))) == 0


def test_htmx_requests_after_the_session_ended_go_to_the_start(
    app: Flask, client: FlaskClient
) -> None:
    response = client.get("/privacy-centre/data", headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/privacy-centre"


def test_signing_out_ends_the_session(app: Flask, client: FlaskClient) -> None:
    sign_in(app, client)
    secret = client.get_cookie(COOKIE, path="/privacy-centre").value
    response = post(client, "/privacy-centre/sign-out", token_from="/privacy-centre/data")
    assert response.status_code == 303
    assert "You have signed out" in client.get("/privacy-centre").text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(VerifiedSession.id))) == 0
    client.set_cookie(COOKIE, secret, path="/privacy-centre")
    assert client.get("/privacy-centre/data").status_code == 303, "a kept cookie is worthless"


def test_an_invalid_address_is_refused_inline(client: FlaskClient) -> None:
    response = ask_code(client, "not an address")
    assert response.status_code == 422
    assert "This does not look like an email address." in response.text


class TestRateLimits:
    @pytest.fixture
    def app_config(self) -> dict:
        return {
            "DEFAULT_LANGUAGE": "en",
            "PRIVACY_RATE_LIMIT_IP": "3 per minute",
            "PRIVACY_RATE_LIMIT_EMAIL": "2 per minute",
        }

    def test_per_address_from_one_requester(self, app: Flask, client: FlaskClient) -> None:
        assert ask_code(client, KNOWN, remote_addr="10.0.0.1").status_code == 303
        assert ask_code(client, KNOWN.upper(), remote_addr="10.0.0.1").status_code == 303
        refused = ask_code(client, KNOWN, remote_addr="10.0.0.1")
        assert refused.status_code == 429
        assert "Please wait a minute and try again." in refused.text
        assert ask_code(client, KNOWN, remote_addr="10.0.0.2").status_code == 303, "not others"
        assert len(mailed_codes(app)) == 3

    def test_per_ip_whatever_the_address(self, app: Flask, client: FlaskClient) -> None:
        for number in range(3):
            assert ask_code(client, f"person{number}@example.nl").status_code == 303
        assert ask_code(client, "someone.else@example.nl").status_code == 429

    def test_unknown_addresses_count_the_same(self, app: Flask, client: FlaskClient) -> None:
        for _ in range(2):
            assert ask_code(client, UNKNOWN, remote_addr="10.0.0.9").status_code == 303
        assert ask_code(client, UNKNOWN, remote_addr="10.0.0.9").status_code == 429

    def test_a_stranger_neither_voids_nor_blocks_the_owners_code(
        self, app: Flask, client: FlaskClient
    ) -> None:
        assert ask_code(client, KNOWN, remote_addr="10.0.0.1").status_code == 303
        [owners_code] = mailed_codes(app)
        stranger = app.test_client()
        answers = [ask_code(stranger, KNOWN, remote_addr="10.6.6.6").status_code for _ in range(3)]
        assert answers == [303, 303, 429]
        assert ask_code(app.test_client(), KNOWN, remote_addr="10.0.0.1").status_code == 303
        assert check(client, owners_code).headers["Location"] == "/privacy-centre/data"

    def test_an_empty_address_is_nobodys_count(self, app: Flask, client: FlaskClient) -> None:
        for number in range(3):
            empty = ask_code(client, "", remote_addr=f"10.0.1.{number}")
            assert empty.status_code == 422
            assert "Please give your email address." in empty.text
        assert ask_code(client, KNOWN, remote_addr="10.0.1.9").status_code == 303

    def test_mail_to_one_address_is_capped(self, app: Flask, client: FlaskClient) -> None:
        app.config["PRIVACY_MAIL_LIMIT_EMAIL"] = "2 per day"
        pages = [ask_code(app.test_client(), KNOWN, remote_addr=f"10.0.2.{n}") for n in range(3)]
        assert [page.status_code for page in pages] == [303, 303, 303], "the same answer"
        assert len(mailed_codes(app)) == 2

    def test_new_codes_count_for_the_address(self, app: Flask, client: FlaskClient) -> None:
        assert ask_code(client, KNOWN, remote_addr="10.0.0.1").status_code == 303
        resend = post(
            client,
            "/privacy-centre/code/resend",
            token_from="/privacy-centre/code",
            remote_addr="10.0.0.1",
        )
        assert resend.status_code == 303
        again = post(
            client,
            "/privacy-centre/code/resend",
            token_from="/privacy-centre/code",
            remote_addr="10.0.0.1",
        )
        assert again.status_code == 429

    def test_downloads_per_ip(self, app: Flask, client: FlaskClient) -> None:
        sign_in(app, client)
        for _ in range(3):
            with post(client, "/privacy-centre/download", remote_addr="10.0.0.7") as answer:
                assert answer.status_code == 200
        refused = post(client, "/privacy-centre/download", remote_addr="10.0.0.7")
        assert refused.status_code == 429

    def test_unsubscribes_per_link_not_per_ip(self, app: Flask, client: FlaskClient) -> None:
        """One-click unsubscribes of many people come from their provider's few servers."""
        with app.app_context():
            links = [
                "/privacy-centre/unsubscribe/" + unsubscribe_token(email_hash(f"p{n}@example.nl"))
                for n in range(5)
            ]
        for url in links:  # more people than the limit, all from one IP
            assert client.post(url).status_code == 200
        url = links[0]
        assert client.get(url).status_code == 200
        assert client.post(url).status_code == 200
        assert client.post(url, environ_base={"REMOTE_ADDR": "10.0.0.4"}).status_code == 429

    def test_code_checks_per_ip(self, app: Flask, client: FlaskClient) -> None:
        ask_code(client)
        for _ in range(3):
            check(client, "00000000")
        assert check(client, "00000000").status_code == 429


def test_no_code_token_or_address_in_any_log_line(
    app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["PRIVACY_RATE_LIMIT_EMAIL"] = "1 per minute"
    caplog.set_level(logging.DEBUG)
    ask_code(client)
    ask_code(client)  # over the limit: the limiter logs the breach
    [code] = mailed_codes(app)
    check(client, "00000000")
    check(client, code)
    secret = client.get_cookie(COOKIE, path="/privacy-centre").value
    with client.session_transaction() as session:
        leftovers = [value for value in session.values() if isinstance(value, str)]
    client.get("/privacy-centre/data")
    post(client, "/privacy-centre/sign-out", token_from="/privacy-centre/data")
    lines = [record.getMessage() for record in caplog.records]
    assert any("ratelimit" in line.lower() for line in lines), "the breach was logged"
    for line in lines:
        for secret_value in (code, secret, KNOWN, *leftovers):
            assert secret_value not in line


def test_retention_deletes_spent_codes_idle_sessions_and_code_mail(
    app: Flask, client: FlaskClient
) -> None:
    sign_in(app, client)
    ask_code(app.test_client())
    with app.app_context():
        later = utcnow() + timedelta(minutes=30)
        assert delete_spent_verification(utcnow()) == 1, "only the used code goes now"
        assert "privacy centre codes and sessions" in run_rules(later)
        for model in (VerificationChallenge, VerifiedSession):
            assert db.session.scalar(sa.select(sa.func.count(model.id))) == 0
        kinds = db.session.scalars(sa.select(OutboxMessage.kind)).all()
        assert "privacy/code" not in kinds


def test_the_start_page_explains_and_asks_nothing_more(client: FlaskClient) -> None:
    page = client.get("/privacy-centre", headers={"Accept-Language": "en"}).text
    assert "We never ask for a copy of your ID." in page
    assert re.findall(r'<input[^>]+name="(\w+)"', page) == ["csrf_token", "email"]
    assert csrf_token(client)


def backdate_session(app: Flask, minutes: int) -> None:
    """The code was typed ``minutes`` ago, and the session was used just now."""
    with app.app_context():
        stored = db.session.scalar(sa.select(VerifiedSession))
        stored.created_at = utcnow() - timedelta(minutes=minutes)
        stored.last_seen_at = utcnow()
        db.session.commit()


def test_a_session_ends_at_its_maximum_age_however_busy(app: Flask, client: FlaskClient) -> None:
    sign_in(app, client)
    backdate_session(app, 119)
    assert client.get("/privacy-centre/data").status_code == 200
    backdate_session(app, 121)
    response = client.get("/privacy-centre/data")
    assert response.status_code == 303
    assert response.headers["Location"] == "/privacy-centre"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(VerifiedSession.id))) == 0


def test_the_maximum_age_is_a_setting_and_retention_follows_it(app: Flask) -> None:
    app.config["PRIVACY_SESSION_MAX_MINUTES"] = 30
    sign_in(app, app.test_client())
    with app.app_context():
        later = utcnow() + timedelta(minutes=31)
        stored = db.session.scalar(sa.select(VerifiedSession))
        stored.last_seen_at = later - timedelta(minutes=1)  # busy, but too old
        db.session.commit()
        assert delete_spent_verification(later) >= 1
        assert db.session.scalar(sa.select(sa.func.count(VerifiedSession.id))) == 0


def test_the_download_wants_a_fresh_code_after_fifteen_minutes(
    app: Flask, client: FlaskClient
) -> None:
    sign_in(app, client)
    panel = client.get("/privacy-centre/download").text
    assert "Download my data (ZIP)" in panel and "Email me a new code" not in panel
    backdate_session(app, 16)
    panel = client.get("/privacy-centre/download").text
    assert "You typed your code more than 15 minutes ago." in panel
    assert "Email me a new code" in panel and "Download my data (ZIP)" not in panel
    response = post(client, "/privacy-centre/download", token_from="/privacy-centre/download")
    assert response.status_code == 303
    assert response.headers["Location"] == "/privacy-centre/code"
    assert "please confirm it is you once more" in client.get("/privacy-centre/code").text
    [_, fresh] = mailed_codes(app)
    answer = check(client, fresh, token_from="/privacy-centre/code")
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/privacy-centre/download", "back where it was"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(VerifiedSession.id))) == 1, "renewed"
    assert "Download my data (ZIP)" in client.get("/privacy-centre/download").text
    download = post(client, "/privacy-centre/download", token_from="/privacy-centre/download")
    assert download.status_code == 200 and download.mimetype == "application/zip"
    download.close()


def test_the_contact_forms_rate_limit_key_is_a_keyed_hash(app: Flask) -> None:
    with app.test_request_context("/contact", method="POST", data={"email": KNOWN}):
        key = contact_views._email_key()
    secret = app.config["SECRET_KEY"].encode()
    expected = hmac.new(secret, f"address:{KNOWN}".encode(), hashlib.sha256).hexdigest()
    assert key == "contact-email:" + expected and KNOWN not in key


def test_rate_limit_keys_for_addresses_are_keyed_hashes(app: Flask) -> None:
    """A plain SHA-256 of an address can be matched against a list; an HMAC cannot."""
    form = {"email": " Anna@Example.NL "}
    with app.test_request_context("/privacy-centre/code", method="POST", data=form):
        key = privacy_views._typed_email_key()
    secret = app.config["SECRET_KEY"].encode()
    expected = hmac.new(secret, f"address:{KNOWN}".encode(), hashlib.sha256).hexdigest()
    assert key == f"privacy-email:{expected}:127.0.0.1"
    assert hashlib.sha256(KNOWN.encode()).hexdigest() not in key
