"""Moving everything to another email address: proven by a code, the old address told."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import make_issued_invoice
from website.addresses import email_hash
from website.clients.models import Client
from website.clock import utcnow
from website.consents.models import ConsentAction, ConsentChannel, ConsentEvent, ConsentPurpose
from website.consents.services import has_newsletter_consent, record_consent
from website.contact.models import ContactMessage, ProductionKind
from website.extensions import db
from website.mail.models import OutboxMessage, OutboxStatus, Suppression
from website.privacy.email_change import (
    ChangeOutcome,
    confirm_change,
    not_me_token,
    read_not_me_token,
    report_not_me,
    start_change,
)
from website.privacy.models import EmailChange, PrivacyRequest, Profile, RequestKind
from website.privacy.requests import ask_restriction, requests_of
from website.restrictions.models import RestrictionGround
from website.restrictions.services import is_restricted
from website.retention import run_rules

OLD = "old.address@example.nl"
NEW = "New.Address@Example.nl"
CODE = re.compile(r"^[ \t]+(\d{8})\r?$", re.MULTILINE)
NOT_ME = re.compile(r"(https?://\S+/privacy-centre/not-me/\S+)")


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


def holds(email: str) -> None:
    """A client with a message, an invoice, a profile, a consent and an objection."""
    make_issued_invoice(email=email, name="Olga Old", language="en")
    client = db.session.scalars(sa.select(Client).filter_by(email=email)).one()
    db.session.add(
        ContactMessage(
            reference="C-MOVE-0001",
            name="Olga Old",
            email=email,
            email_normalised=email,
            production_kind=ProductionKind.VIDEO,
            body="Hello",
            language="en",
            client=client,
        )
    )
    db.session.add(Profile(email=email, preferences="Film grain"))
    record_consent(
        email,
        ConsentPurpose.NEWSLETTER,
        ConsentAction.GIVEN,
        channel=ConsentChannel.PRIVACY_CENTRE,
        language="en",
        notice=None,
    )
    db.session.add(Suppression(email_hash=email_hash(email), reason="objection"))
    db.session.commit()


def code_for(address: str) -> str:
    body = db.session.scalars(
        sa.select(OutboxMessage.text_body)
        .where(
            OutboxMessage.kind == "privacy/email_change_code", OutboxMessage.recipient == address
        )
        .order_by(OutboxMessage.id.desc())
    ).first()
    assert body is not None
    return CODE.search(body).group(1)


@pytest.mark.usefixtures("ctx")
class TestMoving:
    def test_the_code_goes_to_the_new_address_and_nothing_moves_before_it_is_typed(self) -> None:
        holds(OLD)
        start_change(OLD, NEW, "en")
        mail = db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.kind == "privacy/email_change_code")
        ).one()
        assert mail.recipient == "new.address@example.nl"
        assert mail.status is OutboxStatus.QUEUED and mail.holds_secret
        assert db.session.scalars(sa.select(Client.email)).all() == [OLD]

    def test_with_the_code_everything_moves_and_the_old_address_is_told(self) -> None:
        holds(OLD)
        secret = start_change(OLD, NEW, "en")
        new = "new.address@example.nl"
        assert confirm_change(OLD, secret, code_for(new), "en") is ChangeOutcome.MOVED
        assert db.session.scalars(sa.select(Client.email)).all() == [new]
        message = db.session.scalars(sa.select(ContactMessage)).one()
        assert (message.email, message.email_normalised) == (new, new)
        assert db.session.scalars(sa.select(Profile.email)).all() == [new]
        event = db.session.scalars(sa.select(ConsentEvent)).one()
        assert (event.email, event.email_hash) == (new, email_hash(new))
        assert has_newsletter_consent(new)
        hashes = set(db.session.scalars(sa.select(Suppression.email_hash)))
        assert hashes == {email_hash(OLD), email_hash(new)}  # the objection holds for both
        notice = db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.kind == "privacy/email_changed")
        ).one()
        assert notice.recipient == OLD
        assert new not in notice.text_body and "new.address" not in notice.text_body
        assert NOT_ME.search(notice.text_body)

    def test_a_restriction_moves_with_the_data(self) -> None:
        holds(OLD)
        ask_restriction(OLD, RestrictionGround.ACCURACY, "", language="en")
        secret = start_change(OLD, NEW, "en")
        confirm_change(OLD, secret, code_for("new.address@example.nl"), "en")
        assert is_restricted("new.address@example.nl") and not is_restricted(OLD)

    def test_a_wrong_code_moves_nothing_and_five_wrong_codes_end_it(self) -> None:
        holds(OLD)
        secret = start_change(OLD, NEW, "en")
        right = code_for("new.address@example.nl")
        wrong = f"{(int(right) + 1) % 10**8:08d}"
        assert [confirm_change(OLD, secret, wrong, "en") for _ in range(5)] == [
            ChangeOutcome.WRONG
        ] * 4 + [ChangeOutcome.SPENT]
        assert confirm_change(OLD, secret, right, "en") is ChangeOutcome.SPENT
        assert db.session.scalars(sa.select(Client.email)).all() == [OLD]

    def test_an_expired_or_another_browsers_code_does_not_work(self) -> None:
        holds(OLD)
        secret = start_change(OLD, NEW, "en")
        code = code_for("new.address@example.nl")
        assert confirm_change(OLD, "another browser", code, "en") is ChangeOutcome.SPENT
        later = utcnow() + timedelta(minutes=16)
        assert confirm_change(OLD, secret, code, "en", now=later) is ChangeOutcome.SPENT
        assert confirm_change("someone@example.nl", secret, code, "en") is ChangeOutcome.SPENT

    def test_an_address_that_holds_data_of_its_own_goes_to_staff(self) -> None:
        holds(OLD)
        make_issued_invoice(email="taken@example.nl", name="Somebody Else", language="en")
        secret = start_change(OLD, "taken@example.nl", "en")
        outcome = confirm_change(OLD, secret, code_for("taken@example.nl"), "en")
        assert outcome is ChangeOutcome.FOR_STAFF
        assert sorted(db.session.scalars(sa.select(Client.email))) == [OLD, "taken@example.nl"]
        [request] = requests_of(OLD)
        assert request.kind is RequestKind.CORRECTION
        assert "taken@example.nl" in request.details


@pytest.mark.usefixtures("ctx")
class TestNotMe:
    def test_the_link_opens_a_request_for_staff_once(self) -> None:
        holds(OLD)
        secret = start_change(OLD, NEW, "en")
        confirm_change(OLD, secret, code_for("new.address@example.nl"), "en")
        notice = db.session.scalars(
            sa.select(OutboxMessage.text_body).where(OutboxMessage.kind == "privacy/email_changed")
        ).one()
        token = NOT_ME.search(notice).group(1).rsplit("/", 1)[1]
        change_id = read_not_me_token(token)
        assert change_id == db.session.scalars(sa.select(EmailChange.id)).one()
        first = report_not_me(change_id, "en")
        again = report_not_me(change_id, "en")
        assert first is not None and again is not None and first.id == again.id
        assert first.kind is RequestKind.NOT_ME and first.email == OLD
        assert "new.address" not in first.details

    def test_a_forged_or_unknown_link_does_nothing(self) -> None:
        assert read_not_me_token("forged") is None
        assert report_not_me(12345, "en") is None
        assert db.session.scalars(sa.select(PrivacyRequest)).all() == []


@pytest.mark.usefixtures("ctx")
def test_changes_are_deleted_once_they_can_do_nothing_more() -> None:
    holds(OLD)
    unused = start_change(OLD, "unused@example.nl", "en")
    moved = start_change(OLD, NEW, "en", replacing=unused)
    confirm_change(OLD, moved, code_for("new.address@example.nl"), "en")
    assert run_rules()["email address changes"] == 1  # the replaced one
    assert run_rules(utcnow() + timedelta(days=31))["email address changes"] == 1
    assert db.session.scalars(sa.select(EmailChange)).all() == []


def test_the_not_me_page_asks_first_and_then_opens_the_request(
    app: Flask, client: FlaskClient
) -> None:
    """A mail scanner opening the link changes nothing; the button does."""
    with app.test_request_context(headers={"Accept-Language": "en"}):
        holds(OLD)
        secret = start_change(OLD, NEW, "en")
        confirm_change(OLD, secret, code_for("new.address@example.nl"), "en")
        url = "/privacy-centre/not-me/" + not_me_token(
            db.session.scalars(sa.select(EmailChange.id)).one()
        )
    shown = client.get(url, headers={"Accept-Language": "en"})
    assert shown.status_code == 200 and "This was not me" in shown.text
    with app.app_context():
        assert db.session.scalars(sa.select(PrivacyRequest)).all() == []
    assert client.post(url).status_code == 400  # no form token
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', shown.text).group(1)
    done = client.post(url, data={"csrf_token": token}, headers={"Accept-Language": "en"})
    assert done.status_code == 200 and "Thank you for telling us" in done.text
    with app.app_context():
        [request] = db.session.scalars(sa.select(PrivacyRequest)).all()
        assert (request.kind, request.email) == (RequestKind.NOT_ME, OLD)
    assert client.get("/privacy-centre/not-me/forged").status_code == 404
