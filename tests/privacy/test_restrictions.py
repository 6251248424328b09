"""Restriction of processing (Art. 18): asked for, in force at once, every mail path held."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.smtp import SmtpServer
from website.admin.models import StaffMember
from website.audit.models import AuditEvent
from website.extensions import db
from website.mail.models import OutboxMessage, OutboxStatus
from website.mail.services import deliver_due, queue_mail
from website.privacy.models import PrivacyRequest, RequestKind
from website.privacy.requests import ask_restriction, lift_restriction
from website.privacy.verification import request_code
from website.restrictions.models import Restriction, RestrictionGround
from website.restrictions.services import is_restricted, restriction_of

PERSON = "sam@example.nl"


@pytest.fixture
def app_config(smtp_server: SmtpServer) -> dict:
    return {**smtp_server.config, "MAIL_TIMEOUT": 1}


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


def staff() -> int:
    member = StaffMember(email="desk@ivisualproductions.nl", password_hash="x")
    db.session.add(member)
    db.session.commit()
    return member.id


def invoice_mail(**options: object) -> OutboxMessage:
    """A mail of the kind a client gets: it says nothing about their rights."""
    message = queue_mail(
        "contact/acknowledgement",
        to=PERSON,
        subject="We received your message",
        language="en",
        contact_reference="C-TEST-0001",
        **options,
    )
    db.session.commit()
    return message


def restrict_now() -> PrivacyRequest:
    return ask_restriction(
        PERSON, RestrictionGround.ACCURACY, "My address is wrong.", language="en"
    )


@pytest.mark.usefixtures("ctx")
class TestAsking:
    def test_the_restriction_is_in_force_at_once_and_the_request_records_it(self) -> None:
        request = restrict_now()
        assert request.kind is RequestKind.RESTRICTION
        assert "My address is wrong." in request.details
        restriction = restriction_of(PERSON)
        assert restriction is not None and restriction.request_id == request.id
        assert restriction.ground is RestrictionGround.ACCURACY

    def test_asking_twice_is_one_restriction_and_one_request(self) -> None:
        restrict_now()
        restrict_now()
        assert db.session.scalar(sa.select(sa.func.count(Restriction.id))) == 1
        assert db.session.scalar(sa.select(sa.func.count(PrivacyRequest.id))) == 1

    def test_the_acknowledgement_still_goes_out(self) -> None:
        restrict_now()
        [ack] = db.session.scalars(sa.select(OutboxMessage)).all()
        assert ack.kind == "privacy/request_received"
        assert ack.status is OutboxStatus.QUEUED


@pytest.mark.usefixtures("ctx")
class TestEveryMailPathIsHeld:
    def test_mail_queued_while_restricted_is_held(self) -> None:
        restrict_now()
        assert invoice_mail().status is OutboxStatus.RESTRICTED
        assert invoice_mail(marketing=True).status is OutboxStatus.RESTRICTED

    def test_mail_queued_before_the_restriction_is_held_at_delivery(
        self, smtp_server: SmtpServer
    ) -> None:
        queued = invoice_mail()
        restrict_now()
        report = deliver_due()
        db.session.refresh(queued)
        assert queued.status is OutboxStatus.RESTRICTED
        assert report.restricted == 1
        reference = db.session.scalars(sa.select(PrivacyRequest.reference)).one()
        assert [m["Subject"] for m in smtp_server.inbox.to(PERSON)] == [
            f"We received your privacy request ({reference})"
        ]

    def test_mail_about_their_rights_goes_through(self, smtp_server: SmtpServer) -> None:
        restrict_now()
        request_code(PERSON, "en")
        code_mail = db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.kind == "privacy/code")
        ).one()
        assert code_mail.status is OutboxStatus.QUEUED
        deliver_due()
        assert len(smtp_server.inbox.to(PERSON)) == 2  # the acknowledgement and the code

    def test_another_address_is_not_affected(self) -> None:
        restrict_now()
        other = queue_mail(
            "contact/acknowledgement",
            to="someone.else@example.nl",
            subject="x",
            language="en",
            contact_reference="C-TEST-0002",
        )
        assert other.status is OutboxStatus.QUEUED


@pytest.mark.usefixtures("ctx")
class TestLifting:
    def test_lifting_tells_the_person_and_mail_flows_again(self) -> None:
        staff_id = staff()
        restrict_now()
        lift_restriction(restriction_of(PERSON), staff_id=staff_id)
        assert not is_restricted(PERSON)
        lifted = db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.kind == "privacy/restriction_lifted")
        ).one()
        assert lifted.status is OutboxStatus.QUEUED
        assert "lifted" in lifted.text_body
        assert invoice_mail().status is OutboxStatus.QUEUED
        assert db.session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.staff_member_id == staff_id)
        ).all() == ["privacy_restriction.lifted"]

    def test_after_lifting_a_new_restriction_can_be_asked_for(self) -> None:
        staff_id = staff()
        restrict_now()
        lift_restriction(restriction_of(PERSON), staff_id=staff_id)
        ask_restriction(PERSON, RestrictionGround.OBJECTION, "", language="en")
        assert restriction_of(PERSON).ground is RestrictionGround.OBJECTION
        assert db.session.scalar(sa.select(sa.func.count(Restriction.id))) == 2
