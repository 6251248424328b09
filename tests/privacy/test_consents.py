"""Consents in the privacy centre, objecting to marketing, and the unsubscribe link."""

from __future__ import annotations

import hashlib
import html
import logging
import re

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale
from jinja2 import ChoiceLoader, DictLoader

from tests.privacy.helpers import KNOWN, make_client, post, sign_in
from website.addresses import email_hash
from website.consents.models import (
    ConsentAction,
    ConsentChannel,
    ConsentEvent,
    ConsentNotice,
    ConsentPurpose,
)
from website.consents.services import record_consent
from website.contact.forms import NEWSLETTER_CONSENT
from website.contact.models import ProductionKind
from website.contact.services import Submission, submit_message
from website.extensions import db
from website.mail.models import OutboxMessage, OutboxStatus, Suppression
from website.mail.services import deliver_due, queue_mail
from website.mail.unsubscribe import read_unsubscribe_token, unsubscribe_token
from website.policy.models import PolicyVersion
from website.privacy.models import RemovalRequest

PANEL = "/privacy-centre/consents"


@pytest.fixture
def signed_in(app: Flask, client: FlaskClient, create_policy_version) -> FlaskClient:
    create_policy_version()
    make_client(app)
    sign_in(app, client)
    return client


def change(client: FlaskClient, purpose: str, action: str, **kwargs):
    return post(client, f"{PANEL}/{purpose}/{action}", token_from=PANEL, **kwargs)


def events(app: Flask) -> list[ConsentEvent]:
    with app.app_context():
        found = list(db.session.scalars(sa.select(ConsentEvent).order_by(ConsentEvent.id)))
        db.session.expunge_all()
        return found


def test_nothing_is_given_until_the_person_gives_it(signed_in: FlaskClient) -> None:
    page = signed_in.get(PANEL).text
    assert page.count("Not given") == 4
    assert page.count(">Give consent</button>") == 4
    assert "checked" not in page
    assert "You have not given or withdrawn any consent yet." in page


@pytest.mark.parametrize("purpose", [purpose.value for purpose in ConsentPurpose])
def test_give_then_withdraw_each_in_one_click(
    app: Flask, signed_in: FlaskClient, purpose: str
) -> None:
    given = change(signed_in, purpose, "give")
    assert given.status_code == 303
    assert given.headers["Location"] == PANEL
    page = signed_in.get(PANEL).text
    assert "is recorded" in page
    assert ">Withdraw consent</button>" in page
    withdrawn = change(signed_in, purpose, "withdraw")
    assert withdrawn.status_code == 303
    assert "is withdrawn" in signed_in.get(PANEL).text
    first, second = events(app)
    assert (first.purpose.value, first.action, second.action) == (
        purpose,
        ConsentAction.GIVEN,
        ConsentAction.WITHDRAWN,
    )
    for event in (first, second):
        assert event.channel == ConsentChannel.PRIVACY_CENTRE
        assert event.actor == "subject"
        assert event.email == KNOWN
        assert event.policy_version_id is not None
    with app.app_context():
        removals = db.session.scalars(sa.select(RemovalRequest)).all()
        expected = [] if purpose == "newsletter" else [(purpose, second.id)]
        assert [(item.purpose.value, item.consent_event_id) for item in removals] == expected


def notices(app: Flask) -> dict[str, ConsentNotice]:
    with app.app_context():
        found = {notice.hash: notice for notice in db.session.scalars(sa.select(ConsentNotice))}
        db.session.expunge_all()
        return found


def test_each_decision_keeps_the_exact_text_shown_in_its_language(
    app: Flask, signed_in: FlaskClient, create_policy_version
) -> None:
    create_policy_version(language="nl")
    shown = [html.unescape(signed_in.get(PANEL).text)]
    change(signed_in, "portfolio", "give")
    signed_in.set_cookie("language", "nl")
    shown.append(html.unescape(signed_in.get(PANEL).text))
    change(signed_in, "portfolio", "withdraw")
    change(signed_in, "portfolio", "give")  # in Dutch: a text not stored yet
    given, withdrawn, given_again = events(app)
    kept = notices(app)
    for event, page, language in ((given, shown[0], "en"), (withdrawn, shown[1], "nl")):
        notice = kept[event.notice_hash]
        assert event.notice_hash == hashlib.sha256(notice.text.encode()).hexdigest()
        assert notice.language == language
        for paragraph in notice.text.split("\n"):
            assert paragraph in page, "stored exactly as the page showed it"
        with app.app_context():
            version = db.session.get(PolicyVersion, event.policy_version_id)
            assert version.language == language
    assert kept[given.notice_hash].text.startswith("We may show photos and videos of you")
    assert "Printed material that was already handed out" not in kept[given.notice_hash].text
    assert "\n" in kept[withdrawn.notice_hash].text, "the withdrawal note was shown too"
    assert given_again.notice_hash not in (given.notice_hash, withdrawn.notice_hash)
    change(signed_in, "portfolio", "withdraw")
    assert len(notices(app)) == 3, "a text shown again is stored once"
    assert events(app)[-1].notice_hash == withdrawn.notice_hash


def test_the_newsletter_box_of_the_contact_form_is_kept_as_shown(app: Flask) -> None:
    with app.app_context():
        submit_message(
            Submission(
                name="Eva",
                email="eva@example.nl",
                phone=None,
                production_kind=ProductionKind.PHOTO,
                preferred_date=None,
                message="Hallo",
                newsletter=True,
                language="nl",
            )
        )
        event = db.session.scalar(sa.select(ConsentEvent))
        with force_locale("nl"):
            label = str(NEWSLETTER_CONSENT)
        assert event.notice.text == label and event.notice.language == "nl"
        assert label.startswith("Ja"), "the Dutch text, as the Dutch form showed it"


def test_the_panel_links_the_policy_in_force(signed_in: FlaskClient) -> None:
    page = signed_in.get(PANEL).text
    assert 'href="/privacy-policy/2019-06-08"' in page


def test_withdrawing_published_work_explains_what_cannot_be_undone(
    signed_in: FlaskClient,
) -> None:
    change(signed_in, "portfolio", "give")
    page = signed_in.get(PANEL).text
    assert "Printed material that was already handed out cannot be recalled." in page
    response = change(signed_in, "portfolio", "withdraw", htmx=True)
    assert response.status_code == 200
    assert response.text.startswith('<section id="privacy-panel"')
    assert "Our staff take your photos out of the portfolio." in response.text
    assert 'class="flashes" role="status"' in response.text


def test_the_same_click_twice_records_nothing_more(app: Flask, signed_in: FlaskClient) -> None:
    change(signed_in, "social_media", "give")
    change(signed_in, "social_media", "give")
    change(signed_in, "social_media", "withdraw")
    change(signed_in, "social_media", "withdraw")
    assert [event.action for event in events(app)] == [
        ConsentAction.GIVEN,
        ConsentAction.WITHDRAWN,
    ]


def test_unknown_purposes_are_not_found(signed_in: FlaskClient) -> None:
    assert change(signed_in, "mind_reading", "give").status_code == 404


def test_consents_need_a_verified_session(app: Flask, client: FlaskClient) -> None:
    make_client(app)
    client.get("/privacy-centre")
    assert change(client, "portfolio", "give").status_code == 303
    assert events(app) == []


def test_stop_marketing_is_absolute_and_withdraws_the_newsletter(
    app: Flask, signed_in: FlaskClient
) -> None:
    change(signed_in, "newsletter", "give")
    response = post(signed_in, f"{PANEL}/stop-marketing", token_from=PANEL)
    assert response.status_code == 303
    page = signed_in.get(PANEL).text
    assert "we will never send you marketing email again" in page
    assert "You have objected to direct marketing" in page
    with app.app_context():
        [entry] = db.session.scalars(sa.select(Suppression)).all()
        assert entry.email_hash == email_hash(KNOWN)
    assert [event.action for event in events(app)] == [
        ConsentAction.GIVEN,
        ConsentAction.WITHDRAWN,
    ]
    # Asking for the newsletter again, verified, lifts the objection.
    change(signed_in, "newsletter", "give")
    with app.app_context():
        assert db.session.scalars(sa.select(Suppression)).all() == []


def register_marketing_template(app: Flask) -> None:
    """A marketing mail template of the tests' own (the site has no newsletter screen yet)."""
    app.jinja_env.loader = ChoiceLoader(
        [
            DictLoader(
                {
                    "mail/test/offer.txt": "Our autumn offer.",
                    "mail/test/offer.html": (
                        '{% extends "mail/_layout.html" %}{% block body %}'
                        "<p>Our autumn offer.</p>{% endblock %}"
                    ),
                }
            ),
            app.jinja_env.loader,
        ]
    )


def subscribe(app: Flask, email: str) -> None:
    with app.app_context():
        record_consent(
            email,
            ConsentPurpose.NEWSLETTER,
            ConsentAction.GIVEN,
            channel=ConsentChannel.CONTACT_FORM,
            language="en",
            notice="Yes, send me the newsletter.",
        )
        db.session.commit()


def queue_offer(app: Flask, to: str) -> None:
    with app.app_context():
        queue_mail("test/offer", to=to, subject="Autumn", language="en", marketing=True)
        db.session.commit()


@pytest.fixture
def app_config(smtp_server) -> dict:
    return {"DEFAULT_LANGUAGE": "en", **smtp_server.config}


def test_marketing_mail_carries_a_one_click_unsubscribe(
    app: Flask, client: FlaskClient, smtp_server
) -> None:
    register_marketing_template(app)
    subscribe(app, "bas@example.nl")
    queue_offer(app, "Bas@Example.nl")
    with app.app_context():
        assert deliver_due().sent == 1
    [mail] = smtp_server.inbox.messages
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = re.fullmatch(r"<(.+)>", mail["List-Unsubscribe"]).group(1)
    text = mail.get_body(preferencelist=("plain",)).get_content()
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert url in text and url in html.replace("&amp;", "&")
    assert url.startswith(app.config["PUBLIC_BASE_URL"] + "/privacy-centre/unsubscribe/")
    assert "bas@example.nl" not in url.lower()
    path = url.removeprefix(app.config["PUBLIC_BASE_URL"])

    # A mail scanner opening the link unsubscribes nobody: GET only asks to confirm.
    page = client.get(path)
    assert page.status_code == 200 and ">Unsubscribe</button>" in page.text
    with app.app_context():
        assert db.session.scalars(sa.select(Suppression)).all() == []

    # The mail program's one-click POST: no session, no CSRF token.
    answer = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200
    assert "You are unsubscribed" in answer.text
    with app.app_context():
        [entry] = db.session.scalars(sa.select(Suppression)).all()
        assert entry.email_hash == email_hash("bas@example.nl")

    # The suppression list stops the next marketing mail, before and at delivery.
    queue_offer(app, "bas@example.nl")
    with app.app_context():
        report = deliver_due()
        assert report.sent == 0
        statuses = db.session.scalars(sa.select(OutboxMessage.status)).all()
    assert sorted(statuses) == sorted([OutboxStatus.SENT, OutboxStatus.SUPPRESSED])
    assert len(smtp_server.inbox.messages) == 1


def test_unsubscribing_withdraws_newsletter_consent(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        record_consent(
            "cees@example.nl",
            ConsentPurpose.NEWSLETTER,
            ConsentAction.GIVEN,
            channel=ConsentChannel.CONTACT_FORM,
            language="en",
            notice="Yes, send me the newsletter.",
        )
        db.session.commit()
        token = unsubscribe_token(email_hash("cees@example.nl"))
    assert client.post(f"/privacy-centre/unsubscribe/{token}").status_code == 200
    assert client.post(f"/privacy-centre/unsubscribe/{token}").status_code == 200, "idempotent"
    actions = [(event.action, event.channel) for event in events(app)]
    assert actions == [
        (ConsentAction.GIVEN, ConsentChannel.CONTACT_FORM),
        (ConsentAction.WITHDRAWN, ConsentChannel.UNSUBSCRIBE_LINK),
    ]
    withdrawal = events(app)[-1]
    assert (withdrawal.notice_hash, withdrawal.policy_version_id) == (None, None), "none shown"
    assert {event.email_hash for event in events(app)} == {email_hash("cees@example.nl")}


def test_an_unsubscribe_reads_only_that_addresses_events(app: Flask, client: FlaskClient) -> None:
    for number in range(5):
        subscribe(app, f"reader{number}@example.nl")
    subscribe(app, "Dora@Example.nl ")
    statements: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
        token = unsubscribe_token(email_hash("dora@example.nl"))
    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        assert client.post(f"/privacy-centre/unsubscribe/{token}").status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)
    lookups = [s for s in statements if "FROM consent_event" in s and "DISTINCT" in s]
    assert lookups and all("consent_event.email_hash = " in s for s in lookups)
    withdrawn = [e.email for e in events(app) if e.action == ConsentAction.WITHDRAWN]
    assert withdrawn == ["dora@example.nl"]


def test_marketing_mail_queued_before_a_withdrawal_is_never_sent(
    app: Flask, signed_in: FlaskClient, smtp_server
) -> None:
    register_marketing_template(app)
    change(signed_in, "newsletter", "give")
    queue_offer(app, KNOWN)
    queue_offer(app, "never-subscribed@example.nl")
    change(signed_in, "newsletter", "withdraw")
    with app.app_context():
        report = deliver_due()
        statuses = db.session.scalars(
            sa.select(OutboxMessage.status).where(OutboxMessage.marketing)
        ).all()
    assert report.suppressed == 2
    assert statuses == [OutboxStatus.SUPPRESSED, OutboxStatus.SUPPRESSED]
    assert [mail["Subject"] for mail in smtp_server.inbox.messages] == [
        "Your code for the privacy centre"
    ], "only the sign-in code went out"


def test_a_marketing_mail_to_an_objector_is_never_sent(app: Flask) -> None:
    register_marketing_template(app)
    with app.app_context():
        db.session.add(Suppression(email_hash=email_hash("dirk@example.nl"), reason="objection"))
        db.session.commit()
    queue_offer(app, "Dirk@example.nl")
    with app.app_context():
        assert deliver_due().sent == 0
        assert db.session.scalar(sa.select(OutboxMessage.status)) == OutboxStatus.SUPPRESSED


def test_forged_tokens_are_not_found(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        assert read_unsubscribe_token("not-a-token") is None
        good = unsubscribe_token(email_hash("x@example.nl"))
        assert read_unsubscribe_token(good) == email_hash("x@example.nl")
    assert client.get("/privacy-centre/unsubscribe/forged").status_code == 404
    assert client.post("/privacy-centre/unsubscribe/" + good[:-2] + "xx").status_code == 404


def test_no_unsubscribe_token_in_the_logs(
    app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with app.app_context():
        token = unsubscribe_token(email_hash("eva@example.nl"))
    client.get(f"/privacy-centre/unsubscribe/{token}")
    client.post(f"/privacy-centre/unsubscribe/{token}")
    assert all(token not in record.getMessage() for record in caplog.records)
