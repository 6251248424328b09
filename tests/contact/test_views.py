"""The contact form: valid messages are kept and mailed, bad input gets a clear answer."""

from __future__ import annotations

import re
import secrets
import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
import redis
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeSerializer

from tests.conftest import PolicyFactory
from tests.contact.helpers import VALID, form_tokens, send
from website.addresses import normalise_email
from website.clients.models import Client
from website.clock import studio_today
from website.consents.models import ConsentAction, ConsentChannel, ConsentEvent, ConsentPurpose
from website.contact import services as contact_services
from website.contact.models import ContactMessage, ProductionKind
from website.contact.services import form_token
from website.extensions import db
from website.mail.models import OutboxMessage, OutboxStatus
from website.policy.models import PolicyVersion


def rows(app: Flask, model: type) -> list:
    with app.app_context():
        found = list(db.session.scalars(sa.select(model).order_by(model.id)))
        db.session.expunge_all()
        return found


def assert_nothing_stored(app: Flask) -> None:
    assert rows(app, ContactMessage) == []
    assert rows(app, OutboxMessage) == []
    assert rows(app, ConsentEvent) == []


def test_the_form_has_its_fields_notice_and_traps(client: FlaskClient) -> None:
    page = client.get("/contact", headers={"Accept-Language": "en"}).text
    for label in ("Your name", "Email address", "Phone number (optional)", "Your message"):
        assert label in page
    assert '<legend class="field__label">What would you like us to make?</legend>' in page
    assert re.search(r'<input id="newsletter" name="newsletter" type="checkbox" value="y">', page)
    assert '<div class="form-trap" aria-hidden="true">' in page
    assert '<input autocomplete="off" id="website" name="website" tabindex="-1"' in page
    notice = page.split('id="privacy-notice-title"', 1)[1].split("</aside>", 1)[0]
    assert "We delete it 12 months after your last message" in notice
    assert 'href="/privacy-policy#your-rights"' in notice
    assert 'href="/privacy-policy#information-required-for-contact"' in notice
    # It promises only what the centre does: erasure is asked for, not done at will.
    assert "ask us to delete or restrict your data" in notice and "at any time" not in notice
    assert 'href="/privacy-centre"' in notice
    assert "Autoriteit Persoonsgegevens" in notice


def test_the_notice_follows_the_configured_retention(database_url: str, tmp_path) -> None:
    from tests.conftest import make_config
    from website import create_app

    app = create_app(make_config(database_url, CONTACT_RETENTION_MONTHS=6))
    page = app.test_client().get("/contact", headers={"Accept-Language": "nl"}).text
    assert "We verwijderen het 6 maanden na uw laatste bericht" in page


def test_a_message_is_stored_and_both_mails_queued(app: Flask, client: FlaskClient) -> None:
    response = send(client, preferred_date=(studio_today() + timedelta(days=30)).isoformat())
    assert response.status_code == 303
    assert response.headers["Location"] == "/contact/thanks"
    [message] = rows(app, ContactMessage)
    assert (message.name, message.email, message.email_normalised) == (
        "Anna de Vries",
        "Anna@Example.nl",
        "anna@example.nl",
    )
    assert message.production_kind is ProductionKind.PHOTO
    assert message.body == VALID["message"]
    assert message.language == "en"
    assert re.fullmatch(r"C-[A-Z2-9]{4}-[A-Z2-9]{4}", message.reference)
    notification, acknowledgement = rows(app, OutboxMessage)
    assert (notification.recipient, notification.reply_to) == (
        "info@ivisualproductions.nl",
        "Anna@Example.nl",
    )
    assert notification.language == "nl" and message.reference in notification.subject
    assert VALID["message"] in notification.text_body
    assert acknowledgement.recipient == "Anna@Example.nl" and acknowledgement.auto_reply
    assert acknowledgement.subject == f"We received your message ({message.reference})"
    for text in (acknowledgement.text_body, acknowledgement.html_body):
        assert "Anna" not in text and "dunes" not in text and message.reference in text
    assert {m.status for m in (notification, acknowledgement)} == {OutboxStatus.QUEUED}
    assert rows(app, ConsentEvent) == []
    thanks = client.get("/contact/thanks", headers={"Accept-Language": "en"}).text
    assert f"Your reference is {message.reference}." in thanks
    again = client.get("/contact/thanks", headers={"Accept-Language": "en"}).text
    assert message.reference not in again, "the reference is shown once"


def test_a_message_never_renames_a_known_client(app: Flask, client: FlaskClient) -> None:
    """Anyone can type any address: the message keeps what was typed, the record stays."""
    assert send(client, language="en").status_code == 303
    assert send(client, language="nl", name="Someone Else").status_code == 303

    [anna] = rows(app, Client)
    assert (anna.name, anna.language) == ("Anna de Vries", "en")
    _, second = rows(app, ContactMessage)
    assert (second.name, second.language, second.client_id) == ("Someone Else", "nl", anna.id)


def test_addresses_are_lowered_not_folded(app: Flask, client: FlaskClient) -> None:
    """Folding made "ΐ" three letters (too long to store) and "ß" into "ss" (someone else)."""
    long_greek = "ΐ" * 64 + "@" + "a" * 55 + "." + "b" * 57 + ".example.nl"  # 253 bytes
    for address in (long_greek, "Straße@Example.de"):
        assert send(client, email=address).status_code == 303
    clients = {client.email for client in rows(app, Client)}
    assert clients == {long_greek.lower(), "straße@example.de"}
    assert normalise_email("Strasse@Example.de") not in clients


def test_with_htmx_the_form_is_swapped_for_the_thanks(app: Flask, client: FlaskClient) -> None:
    response = send(client, htmx=True)
    assert response.status_code == 200
    assert "<html" not in response.text
    assert response.text.startswith('<section id="contact-thanks"')
    [message] = rows(app, ContactMessage)
    assert f"Your reference is {message.reference}." in response.text
    assert "HX-Request" in response.headers["Vary"]


def test_the_newsletter_box_records_consent_with_the_policy_shown(
    app: Flask, client: FlaskClient, create_policy_version: PolicyFactory
) -> None:
    create_policy_version(language="nl")
    send(client, language="nl", newsletter="y")
    [event] = rows(app, ConsentEvent)
    [version] = rows(app, PolicyVersion)
    assert event.email == "anna@example.nl"
    assert (event.purpose, event.action, event.channel) == (
        ConsentPurpose.NEWSLETTER,
        ConsentAction.GIVEN,
        ConsentChannel.CONTACT_FORM,
    )
    assert event.policy_version_id == version.id
    assert event.actor == "subject"
    assert rows(app, ContactMessage)[0].newsletter is True


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("name", "", "Please tell us your name."),
        ("name", "x" * 101, "Please use at most 100 characters."),
        ("email", "", "Please give your email address, so we can reply."),
        ("email", "anna@", "This does not look like an email address."),
        ("email", "a" * 250 + "@example.nl", "Please use at most 254 characters."),
        ("phone", "call me", "Please use digits, spaces and + ( ) - only."),
        ("production_kind", None, "Please choose what you would like us to make."),
        ("production_kind", "drone", "Not a valid choice."),
        ("preferred_date", "2020-01-01", "Please choose a date from today onwards."),
        ("preferred_date", "next week", "Not a valid date value."),
        ("message", "", "Please write a message."),
        ("message", "x" * 5001, "Please keep your message under 5,000 characters."),
        ("message", "Hello\x01there", "Your message contains characters we cannot store."),
        ("name", " \t ", "Please tell us your name."),
        ("message", " \r\n\t ", "Please write a message."),
    ],
)
def test_bad_input_gets_an_inline_error_and_keeps_the_rest(
    app: Flask, client: FlaskClient, field: str, value: str | None, error: str
) -> None:
    response = send(client, **{field: value})
    assert response.status_code == 422
    page = response.text
    assert page.startswith("<!doctype html>")
    shown = re.search(rf'<p class="field__error" id="{field}-error">([^<]*)</p>', page)
    assert shown is not None and error in shown.group(1)
    assert 'role="alert"' in page
    if field != "name":
        assert 'value="Anna de Vries"' in page
    if field != "message":
        assert VALID["message"] in page
    assert_nothing_stored(app)


def test_htmx_gets_the_form_fragment_with_errors(app: Flask, client: FlaskClient) -> None:
    response = send(client, htmx=True, name="")
    assert response.status_code == 422
    assert response.text.startswith('<form id="contact-form"')
    assert 'aria-invalid="true"' in response.text
    assert "HX-Retarget" not in response.headers
    assert_nothing_stored(app)


def test_errors_are_in_the_visitors_language(client: FlaskClient) -> None:
    response = send(client, language="nl", email="geen-adres")
    assert response.status_code == 422
    assert "Dit lijkt geen e-mailadres." in response.text


@pytest.mark.parametrize("field", ["name", "email", "phone"])
@pytest.mark.parametrize("breaker", ["\r\n", "\n", "\r"])
def test_line_breaks_in_one_line_fields_are_refused(
    app: Flask, client: FlaskClient, field: str, breaker: str
) -> None:
    value = f"{VALID[field]}{breaker}Bcc: victim@example.org"
    response = send(client, **{field: value})
    assert response.status_code == 422
    assert "Please use a single line, without special characters." in response.text
    assert_nothing_stored(app)


@pytest.mark.parametrize("field", ["production_kind", "preferred_date"])
def test_line_breaks_in_choice_fields_are_refused(
    app: Flask, client: FlaskClient, field: str
) -> None:
    value = {"production_kind": "photo\r\nX: y", "preferred_date": "2030-01-01\r\n"}[field]
    assert send(client, **{field: value}).status_code == 422
    assert_nothing_stored(app)


def test_line_breaks_in_the_message_are_kept(app: Flask, client: FlaskClient) -> None:
    assert send(client, message="Line one\r\nLine two\n\tIndented").status_code == 303
    assert rows(app, ContactMessage)[0].body == "Line one\r\nLine two\n\tIndented"


@pytest.mark.parametrize(
    "changes",
    [{"website": "http://spam.example"}, {"website": None}, {"website": "\r\n"}],
    ids=["honeypot-filled", "honeypot-missing", "honeypot-line-break"],
)
def test_honeypot_spam_is_thanked_but_goes_nowhere(
    app: Flask, client: FlaskClient, changes: dict
) -> None:
    response = send(client, **changes)
    assert response.status_code == 303
    assert response.headers["Location"] == "/contact/thanks"
    thanks = client.get("/contact/thanks", headers={"Accept-Language": "en"}).text
    assert re.search(r"Your reference is C-[A-Z2-9]{4}-[A-Z2-9]{4}\.", thanks)
    assert_nothing_stored(app)


def test_spam_and_real_messages_get_the_same_htmx_answer(app: Flask, client: FlaskClient) -> None:
    spam = send(client, htmx=True, website="buy now")
    real = send(client, htmx=True)
    mask = re.compile(r"C-[A-Z2-9]{4}-[A-Z2-9]{4}")
    assert spam.status_code == real.status_code == 200
    assert mask.sub("REF", spam.text) == mask.sub("REF", real.text)
    assert len(rows(app, ContactMessage)) == 1


@pytest.fixture
def trap_config() -> dict:
    return {"CONTACT_MIN_SECONDS": 3}


class TestTimeTrap:
    @pytest.fixture
    def app_config(self, trap_config: dict) -> dict:
        return trap_config

    def test_a_form_sent_too_fast_comes_back_to_be_sent_once_more(
        self, app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        response = send(client, message="Sent in a hurry")  # the token was made a moment ago
        assert response.status_code == 422
        assert "please check your message and send it once more" in response.text
        assert "Sent in a hurry" in response.text, "nothing typed is lost"
        assert_nothing_stored(app)
        started = re.search(r'name="started" type="hidden" value="([^"]*)"', response.text)[1]
        later = time.time() + 5
        monkeypatch.setattr(contact_services, "time", SimpleNamespace(time=lambda: later))
        assert send(client, started=started).status_code == 303
        assert len(rows(app, ContactMessage)) == 1

    def test_an_incomplete_form_sent_too_fast_gets_its_errors(
        self, app: Flask, client: FlaskClient
    ) -> None:
        response = send(client, message="")
        assert response.status_code == 422
        assert "Please write a message." in response.text
        assert "Thank you" not in response.text
        assert_nothing_stored(app)

    def test_a_form_that_took_long_enough_is_accepted(
        self, app: Flask, client: FlaskClient
    ) -> None:
        with app.app_context():
            token = form_token(time.time() - 10)
        assert send(client, started=token).status_code == 303
        assert len(rows(app, ContactMessage)) == 1

    @pytest.mark.parametrize("token", ["", "forged", "MTc5NTYyMTMzMy40.forgedsignature", None])
    def test_a_missing_or_forged_token_is_spam(
        self, app: Flask, client: FlaskClient, token
    ) -> None:
        assert send(client, started=token).status_code == 303
        assert_nothing_stored(app)

    def test_a_form_is_accepted_once(self, app: Flask, client: FlaskClient) -> None:
        """A bot replaying one filled-in form (or a double click) stores one message."""
        with app.app_context():
            token = form_token(time.time() - 10)
        answers = [send(client, started=token, htmx=True) for _ in range(3)]
        assert [answer.status_code for answer in answers] == [200, 200, 200]
        assert len(rows(app, ContactMessage)) == 1
        [stored] = rows(app, ContactMessage)
        assert stored.reference in answers[0].text
        assert "Your reference is" not in answers[1].text, "no made-up reference"

    def test_two_forms_handed_out_at_once_are_both_accepted(
        self, app: Flask, client: FlaskClient
    ) -> None:
        with app.app_context():
            moment = time.time() - 10
            tokens = [form_token(moment), form_token(moment)]  # two tabs, the same second
        for token in tokens:
            assert send(client, started=token).status_code == 303
        assert len(rows(app, ContactMessage)) == 2

    def test_a_token_from_before_forms_had_a_nonce_still_works(
        self, app: Flask, client: FlaskClient
    ) -> None:
        with app.app_context():
            old_style = URLSafeSerializer(
                app.config["SECRET_KEY"], salt="contact-form-started"
            ).dumps(time.time() - 10)
        assert send(client, started=old_style).status_code == 303
        assert len(rows(app, ContactMessage)) == 1

    def test_a_stale_form_is_shown_again_with_what_was_typed(
        self, app: Flask, client: FlaskClient
    ) -> None:
        with app.app_context():
            stale = form_token(time.time() - 25 * 60 * 60)
        response = send(client, started=stale)
        assert response.status_code == 422
        assert "This form was open for a long time." in response.text
        assert VALID["message"] in response.text
        assert stale not in response.text, "a fresh token replaces the stale one"
        assert_nothing_stored(app)


@pytest.mark.parametrize("token", [None, "not-a-token"], ids=["missing", "wrong"])
def test_csrf_token_is_required(app: Flask, client: FlaskClient, token: str | None) -> None:
    response = send(client, csrf_token=token)
    assert response.status_code == 400
    assert "This form has expired or was not sent from this site" in response.text
    assert_nothing_stored(app)


def test_a_body_that_is_not_utf8_gets_the_400_page(app: Flask, client: FlaskClient) -> None:
    # Werkzeug drops a form it cannot decode, so even the CSRF token is gone: a 400 page.
    tokens = form_tokens(client)
    body = "&".join(f"{k}={v}" for k, v in {**tokens, "website": "", "name": "x"}.items()).encode()
    body += b"&email=anna%40example.nl&production_kind=photo&message=caf\xe9+\xff\xfe"
    response = client.post(
        "/contact",
        data=body,
        content_type="application/x-www-form-urlencoded; charset=latin-1",
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 400
    assert '<h1 id="error-title">Bad request</h1>' in response.text
    assert_nothing_stored(app)


def test_a_huge_message_is_refused_inline(app: Flask, client: FlaskClient) -> None:
    response = send(client, message="x" * 600_000)
    assert response.status_code == 422
    assert "Please keep your message under 5,000 characters." in response.text
    assert_nothing_stored(app)


class TestHugeBody:
    @pytest.fixture
    def app_config(self) -> dict:
        return {"MAX_CONTENT_LENGTH": 100_000}

    def test_a_body_over_the_limit_gets_the_413_page(self, app: Flask, client: FlaskClient) -> None:
        tokens = form_tokens(client)
        response = client.post(
            "/contact",
            data={**tokens, **VALID, "attachment": "y" * 200_000},
            headers={"Accept-Language": "en"},
        )
        assert response.status_code == 413
        assert "Too large" in response.text


class TestRateLimits:
    @pytest.fixture
    def app_config(self) -> dict:
        return {"CONTACT_RATE_LIMIT_IP": "3 per minute", "CONTACT_RATE_LIMIT_EMAIL": "2 per minute"}

    def test_per_email_address(self, app: Flask, client: FlaskClient) -> None:
        assert send(client, email="anna@example.nl").status_code == 303
        assert send(client, email="ANNA@example.nl").status_code == 303
        refused = send(client, email="Anna@Example.NL", message="Third message")
        assert refused.status_code == 429
        assert "Please wait a minute and send again" in refused.text
        assert "Third message" in refused.text, "what was typed is still there"
        assert "Retry-After" in refused.headers
        assert len(rows(app, ContactMessage)) == 2

    def test_per_ip_address_whatever_the_email(self, app: Flask, client: FlaskClient) -> None:
        for number in range(3):
            assert send(client, email=f"person{number}@example.nl").status_code == 303
        assert send(client, email="someone.else@example.nl").status_code == 429
        assert len(rows(app, ContactMessage)) == 3

    def test_an_empty_address_is_nobodys_count(self, app: Flask, client: FlaskClient) -> None:
        """Everyone who forgets the field is not one sender: each is told what is missing."""
        for number in range(3):
            forgot = send(client, email="", remote_addr=f"10.0.3.{number}")
            assert forgot.status_code == 422
            assert "Please give your email address, so we can reply." in forgot.text
        assert send(client, email="", remote_addr="10.0.3.9").status_code == 422

    def test_spam_counts_too(self, app: Flask, client: FlaskClient) -> None:
        for _ in range(3):
            send(client, website="spam")
        assert send(client).status_code == 429

    def test_htmx_gets_the_form_back_with_the_message(
        self, app: Flask, client: FlaskClient
    ) -> None:
        for _ in range(2):
            send(client, htmx=True)
        refused = send(client, htmx=True)
        assert refused.status_code == 429
        assert refused.text.startswith('<form id="contact-form"')
        assert "Please wait" in refused.text


class TestRateLimitsInRedis:
    """The production storage: counters in the real Redis server on 127.0.0.1."""

    @pytest.fixture
    def app_config(self) -> dict:
        return {
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
            "CONTACT_RATE_LIMIT_IP": "2 per minute",
        }

    def test_the_limit_holds_in_redis(self, app: Flask, client: FlaskClient) -> None:
        # A made-up address of our own, so parallel runs sharing this Redis never meet.
        address = "10." + ".".join(str(secrets.randbelow(256)) for _ in range(3))
        for number, expected in enumerate((303, 303, 429)):
            email = f"redis-{address}-{number}@example.nl"
            assert send(client, email=email, remote_addr=address).status_code == expected
        store = redis.Redis.from_url("redis://127.0.0.1:6379/0")
        assert store.keys(f"*/{address}/*"), "the counters live in Redis"
        assert store.keys("*contact-email:*"), "so do the per-address ones"
        assert not store.keys(f"*redis-{address}*"), "under a keyed hash, not the address"


class TestBehindAProxy:
    @pytest.fixture
    def app_config(self) -> dict:
        return {"PROXY_HOPS": 1, "CONTACT_RATE_LIMIT_IP": "1 per minute"}

    def test_each_visitor_behind_the_proxy_has_a_bucket_of_their_own(
        self, app: Flask, client: FlaskClient
    ) -> None:
        def from_visitor(address: str, email: str) -> int:
            data = {**form_tokens(client), **VALID, "email": email}
            return client.post(
                "/contact", data=data, headers={"X-Forwarded-For": address}
            ).status_code

        assert from_visitor("203.0.113.7", "a@example.nl") == 303
        assert from_visitor("203.0.113.8", "b@example.nl") == 303
        assert from_visitor("203.0.113.7", "c@example.nl") == 429


def test_without_a_proxy_forwarded_addresses_are_ignored(client: FlaskClient) -> None:
    """Nobody can dodge the limit by making up an X-Forwarded-For header."""
    statuses = []
    for number in range(6):
        data = {**form_tokens(client), **VALID, "email": f"p{number}@example.nl"}
        headers = {"X-Forwarded-For": f"198.51.100.{number}"}
        statuses.append(client.post("/contact", data=data, headers=headers).status_code)
    assert statuses == [303] * 5 + [429]
