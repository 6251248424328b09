"""The request ledger: due dates, extensions, answers, refusals, mail without personal data."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.conftest import postgres_app_for
from tests.factories import make_issued_invoice
from website.admin.models import StaffMember
from website.audit.models import AuditEvent
from website.extensions import db
from website.mail.models import OutboxMessage
from website.privacy.models import PrivacyRequest, RequestChannel, RequestKind, RequestStatus
from website.privacy.requests import (
    RequestClosed,
    RequestError,
    complete,
    due_counts,
    extend,
    file_request,
    months_after,
    refuse,
    requests_of,
)
from website.privacy.subject import RECORDS, recipients
from website.privacy.verification import holds_data_about
from website.retention import run_rules

PERSON = "Noor.Bakker@example.nl"
DETAILS = "My phone number on invoice 2026-0007 is wrong: it should end in 42."
EN = "en"


@pytest.fixture
def staff_id(app: Flask, app_context: None) -> int:
    staff = StaffMember(email="desk@ivisualproductions.nl", password_hash="x")
    db.session.add(staff)
    db.session.commit()
    return staff.id


def mails() -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def file(received_on: date = date(2027, 1, 31), details: str = DETAILS) -> PrivacyRequest:
    return file_request(
        PERSON, RequestKind.CORRECTION, details, language=EN, received_on=received_on
    )


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2027, 1, 31), 1, date(2027, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # a leap year
        (date(2026, 12, 31), 1, date(2027, 1, 31)),  # across the year
        (date(2027, 3, 31), 1, date(2027, 4, 30)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),  # the longest extension
        (date(2027, 2, 15), 1, date(2027, 3, 15)),
    ],
)
def test_one_calendar_month_ends_on_the_same_day_or_the_months_last(
    day: date, months: int, expected: date
) -> None:
    assert months_after(day, months) == expected


@pytest.mark.usefixtures("app_context")
class TestFiling:
    def test_a_request_is_due_one_calendar_month_after_receipt(self) -> None:
        request = file(date(2027, 1, 31))
        assert (request.received_on, request.due_on, request.due) == (
            date(2027, 1, 31),
            date(2027, 2, 28),
            date(2027, 2, 28),
        )
        assert request.email == "noor.bakker@example.nl"
        assert request.status is RequestStatus.OPEN
        assert request.channel is RequestChannel.PRIVACY_CENTRE
        assert request.reference.startswith("P-")

    def test_the_acknowledgement_says_when_and_holds_no_personal_data(self) -> None:
        request = file(date(2027, 1, 31))
        [mail] = mails()
        assert mail.recipient == "noor.bakker@example.nl"
        assert mail.kind == "privacy/request_received"
        assert request.reference in mail.subject
        assert "February 28, 2027" in mail.text_body  # English dates as Babel writes them
        for body in (mail.text_body, mail.html_body):
            assert "phone number" not in body and "2026-0007" not in body
            assert "Noor" not in body and "noor.bakker" not in body
            assert "/privacy-centre" in body

    def test_the_same_request_twice_is_one_request(self) -> None:
        first = file()
        again = file(
            details="  my phone number on invoice 2026-0007 is WRONG: it should end in 42."
        )
        assert again.id == first.id
        assert len(requests_of(PERSON)) == 1
        assert len(mails()) == 1

    def test_a_request_logged_for_a_new_address_lets_the_person_into_the_centre(
        self, staff_id: int
    ) -> None:
        """Someone who asked by letter, unknown otherwise, can read the answer in the centre."""
        address = "by.letter@example.nl"
        assert not holds_data_about(address)
        file_request(
            address,
            RequestKind.ACCESS,
            "Letter of 2 January: what do you hold about me?",
            language=EN,
            channel=RequestChannel.LETTER,
            identity_check="Signed letter; the address matches our mail.",
            staff_id=staff_id,
        )
        assert holds_data_about(address)

    def test_another_text_or_kind_is_another_request(self) -> None:
        file()
        file(details="And my address is old.")
        file_request(PERSON, RequestKind.COMPLAINT, DETAILS, language=EN)
        assert len(requests_of(PERSON)) == 3

    def test_once_answered_the_same_text_makes_a_new_request(self, staff_id: int) -> None:
        complete(file(), "Corrected.", staff_id=staff_id)
        assert file().status is RequestStatus.OPEN
        assert [r.status for r in requests_of(PERSON)] == [
            RequestStatus.OPEN,
            RequestStatus.COMPLETED,
        ]

    def test_the_audit_log_holds_ids_only(self, staff_id: int) -> None:
        request = file()
        extend(request, 1, "Two colleagues must check.", staff_id=staff_id, today=date(2027, 2, 1))
        complete(request, "Corrected the phone number.", staff_id=staff_id)
        events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
        assert [(e.staff_member_id, e.action, e.object_id) for e in events] == [
            (None, "privacy_request.filed", str(request.id)),
            (staff_id, "privacy_request.extended", str(request.id)),
            (staff_id, "privacy_request.completed", str(request.id)),
        ]


@pytest.mark.usefixtures("app_context")
class TestAnswering:
    def test_complete_records_the_answer_and_says_there_is_news(self, staff_id: int) -> None:
        request = complete(file(), "We corrected the number.", staff_id=staff_id)
        assert request.status is RequestStatus.COMPLETED
        assert request.outcome == "We corrected the number."
        assert request.answered_by_id == staff_id and request.answered_at is not None
        answered = mails()[-1]
        assert answered.kind == "privacy/request_answered"
        assert "corrected" not in answered.text_body

    def test_a_refusal_gives_the_reason_and_names_the_authority_and_the_courts(
        self, staff_id: int
    ) -> None:
        request = refuse(file(), "The invoice is correct as issued.", staff_id=staff_id)
        assert request.status is RequestStatus.REFUSED
        refused = mails()[-1]
        for body in (refused.text_body, refused.html_body):
            assert "The invoice is correct as issued." in body
            assert "Autoriteit Persoonsgegevens" in body
            assert "court" in body

    def test_an_answered_request_cannot_be_answered_again(self, staff_id: int) -> None:
        request = complete(file(), "Done.", staff_id=staff_id)
        with pytest.raises(RequestClosed):
            refuse(request, "No.", staff_id=staff_id)
        with pytest.raises(RequestClosed):
            extend(request, 1, "Busy.", staff_id=staff_id, today=date(2027, 2, 1))
        assert db.session.get(PrivacyRequest, request.id).status is RequestStatus.COMPLETED


@pytest.mark.usefixtures("app_context")
class TestExtending:
    def test_within_the_first_month_by_one_or_two_months_with_the_reason_mailed(
        self, staff_id: int
    ) -> None:
        request = extend(
            file(date(2027, 1, 31)), 2, "We must ask our accountant.", staff_id=staff_id,
            today=date(2027, 2, 28),  # the last day of the first month
        )  # fmt: skip
        assert request.due_on == date(2027, 2, 28)
        assert request.extended_to == date(2027, 4, 30) == request.due
        extended = mails()[-1]
        assert extended.kind == "privacy/request_extended"
        assert "We must ask our accountant." in extended.text_body
        assert "April 30, 2027" in extended.text_body

    @pytest.mark.parametrize(
        ("months", "today", "message"),
        [
            (1, date(2027, 3, 1), "first month has passed"),
            (3, date(2027, 2, 1), "one or two months"),
            (0, date(2027, 2, 1), "one or two months"),
        ],
    )
    def test_refused_after_the_first_month_or_beyond_two_months(
        self, staff_id: int, months: int, today: date, message: str
    ) -> None:
        request = file(date(2027, 1, 31))
        with pytest.raises(RequestError, match=message):
            extend(request, months, "Busy.", staff_id=staff_id, today=today)
        stored = db.session.get(PrivacyRequest, request.id)
        assert stored.extended_to is None and stored.is_open

    def test_only_once(self, staff_id: int) -> None:
        request = extend(file(), 1, "Busy.", staff_id=staff_id, today=date(2027, 2, 1))
        with pytest.raises(RequestError, match="only once"):
            extend(request, 1, "Still busy.", staff_id=staff_id, today=date(2027, 2, 2))
        assert db.session.get(PrivacyRequest, request.id).extended_to == date(2027, 3, 31)


@pytest.mark.usefixtures("app_context")
def test_due_counts_for_the_dashboard(staff_id: int) -> None:
    today = date(2027, 3, 10)
    file(date(2027, 2, 1), "overdue: due 1 March")
    file(date(2027, 2, 15), "due in five days")
    file(date(2027, 2, 17), "due in seven days")
    file(date(2027, 2, 18), "due in eight days")
    extended = file(date(2027, 1, 20), "extended: due 20 March")
    extend(extended, 1, "Busy.", staff_id=staff_id, today=date(2027, 2, 1))
    complete(file(date(2027, 1, 2), "answered, though late"), "Done.", staff_id=staff_id)
    assert due_counts(today) == (1, 2)


@pytest.mark.usefixtures("app_context")
def test_requests_are_part_of_the_persons_data(staff_id: int) -> None:
    request = complete(file(), "Corrected.", staff_id=staff_id)
    [found] = RECORDS["privacy_requests"]("noor.bakker@example.nl")
    assert found["reference"] == request.reference
    assert (found["kind"], found["details"], found["outcome"]) == (
        RequestKind.CORRECTION,
        DETAILS,
        "Corrected.",
    )


@pytest.mark.usefixtures("app_context")
def test_answered_requests_are_deleted_five_years_after_the_answer(staff_id: int) -> None:
    old = complete(file(details="old"), "Done.", staff_id=staff_id)
    old.answered_at = datetime(2021, 6, 1, tzinfo=UTC)
    recent = complete(file(details="recent"), "Done.", staff_id=staff_id)
    recent.answered_at = datetime(2022, 6, 2, tzinfo=UTC)
    still_open = file(date(2021, 1, 4), "open for ever")
    db.session.commit()
    assert run_rules(datetime(2027, 6, 1, 12, tzinfo=UTC))["privacy requests"] == 1
    remaining = set(db.session.scalars(sa.select(PrivacyRequest.id)))
    assert remaining == {recent.id, still_open.id}


@pytest.fixture
def postgres_app(tmp_path: Path) -> Iterator[Flask]:
    with postgres_app_for(
        "privacy_requests",
        tmp_path,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 8, "max_overflow": 8},
    ) as app:
        yield app


def test_concurrent_submissions_make_one_request(postgres_app: Flask) -> None:
    """Eight clicks released together on PostgreSQL: one request, one acknowledgement."""
    start = threading.Barrier(8)
    ids: list[int] = []

    def click() -> None:
        with postgres_app.app_context():
            start.wait()
            ids.append(file_request(PERSON, RequestKind.ERASURE, "", language=EN).id)

    threads = [threading.Thread(target=click) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with postgres_app.app_context():
        assert len(set(ids)) == 1 and len(ids) == 8
        assert db.session.scalar(sa.select(sa.func.count(PrivacyRequest.id))) == 1
        assert len(mails()) == 1


@pytest.mark.usefixtures("app_context")
def test_the_recipients_of_a_persons_data_for_art_19() -> None:
    """Those the register names for the categories the studio holds something of."""
    assert recipients(PERSON) == []
    file()  # a request: only its acknowledgement went through our email provider
    assert [category.key for category, _text in recipients(PERSON)] == ["mail"]
    make_issued_invoice(email=PERSON, language="en")
    named = {category.key: text for category, text in recipients(PERSON)}
    assert set(named) == {"client", "invoices", "mail"}
    assert "Mollie" in named["invoices"] and "Belastingdienst" in named["invoices"]
