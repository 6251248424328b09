"""The request desk in the back office: the list, one request, logging one, and the answers.

Dates are counted from the studio's today (``studio_today()``), so the suite means the same on
any day, also in ``make test-shifted``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.admin.conftest import Post, csrf_token
from tests.admin.test_inbox import audit_events, get, text_of
from website.admin import requests as request_views
from website.admin.models import StaffMember
from website.clients.services import client_for
from website.clock import studio_today
from website.extensions import db
from website.mail.models import OutboxMessage
from website.privacy.models import PrivacyRequest, RequestChannel, RequestKind, RequestStatus
from website.privacy.requests import complete, extend, file_request, months_after, refuse

HTMX = {"HX-Request": "true"}
PERSON = "noor.bakker@example.nl"
ASKED = "Please correct my phone number on invoice 2026-0007: it should end in 42."
ROW = re.compile(r'<tr id="request-(\d+)"')


def file(
    app: Flask,
    details: str = ASKED,
    *,
    days_ago: int = 0,
    email: str = PERSON,
    kind: RequestKind = RequestKind.CORRECTION,
    channel: RequestChannel = RequestChannel.PRIVACY_CENTRE,
) -> int:
    """A request as the ledger files it, received ``days_ago`` days before the studio's today."""
    with app.app_context():
        filed = file_request(
            email,
            kind,
            details,
            language="en",
            channel=channel,
            received_on=studio_today() - timedelta(days=days_ago),
        )
        return filed.id


def act(app: Flask, request_id: int, action: Callable[..., Any], *args: Any, **kw: Any) -> None:
    """Answer, extend or refuse through the ledger, as a staff member did earlier."""
    with app.app_context():
        action(db.session.get(PrivacyRequest, request_id), *args, **kw)


def stored(app: Flask, request_id: int) -> PrivacyRequest | None:
    with app.app_context():
        found = db.session.get(PrivacyRequest, request_id)
        db.session.expunge_all()
        return found


def all_requests(app: Flask) -> list[PrivacyRequest]:
    with app.app_context():
        found = list(db.session.scalars(sa.select(PrivacyRequest).order_by(PrivacyRequest.id)))
        db.session.expunge_all()
        return found


def mails(app: Flask) -> list[OutboxMessage]:
    with app.app_context():
        found = list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))
        db.session.expunge_all()
        return found


def listed(response: TestResponse) -> list[int]:
    """The ids of the request rows on a page, top to bottom."""
    return [int(found) for found in ROW.findall(response.text)]


def rows_by_id(response: TestResponse) -> dict[int, str]:
    """The text of each request row, by the request's id."""
    body = response.text.split("<tbody", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r'<tr id="request-(\d+)"[^>]*>(.*?)</tr>', body, re.S)
    return {int(request_id): text_of(row) for request_id, row in rows}


def set_due(app: Flask, request_id: int, due_on: date) -> None:
    """Move the day a request is due (to test the edges of the badges to the day)."""
    with app.app_context():
        db.session.get(PrivacyRequest, request_id).due_on = due_on
        db.session.commit()


def snapshot(app: Flask, request_id: int) -> tuple[Any, ...]:
    found = stored(app, request_id)
    assert found is not None
    return (
        found.status,
        found.outcome,
        found.answered_at,
        found.answered_by_id,
        found.extended_to,
        found.extension_reason,
    )


# --- the list --------------------------------------------------------------------------------


@pytest.fixture
def desk(app: Flask, staff: StaffMember) -> dict[str, int]:
    """Open requests due at different times, an extended one, an answered and a refused one."""
    ids = {
        "fresh": file(app, "received today", days_ago=0),  # due in about a month
        "soon": file(app, "due in 3 to 6 days", days_ago=25),
        "overdue": file(app, "due about ten days ago", days_ago=40),
        "extended": file(app, "extended by two months", days_ago=20),
        "answered": file(app, "answered, though late", days_ago=60),
        "refused": file(app, "refused", days_ago=10),
    }
    act(app, ids["extended"], extend, 2, "Busy.", staff_id=staff.id, today=studio_today())
    act(app, ids["answered"], complete, "Done.", staff_id=staff.id)
    act(app, ids["refused"], refuse, "No.", staff_id=staff.id)
    return ids


def test_open_requests_come_first_by_due_date_then_the_answered(
    desk: dict[str, int], staff_client: FlaskClient
) -> None:
    response = get(staff_client, "/admin/requests")
    assert response.status_code == 200
    assert listed(response) == [
        desk[key] for key in ("overdue", "soon", "fresh", "extended", "answered", "refused")
    ]
    assert '<option selected value="">All</option>' in response.text
    assert 'href="/admin/requests/new"' in response.text


def test_rows_show_the_request_and_how_urgent_it_is(
    app: Flask, desk: dict[str, int], staff_client: FlaskClient
) -> None:
    rows = rows_by_id(get(staff_client, "/admin/requests"))
    overdue = stored(app, desk["overdue"])
    assert rows[desk["overdue"]] == " ".join(
        (
            overdue.reference,
            "Correction",
            PERSON,
            "Privacy centre",
            format_medium(overdue.received_on),
            format_medium(overdue.due_on),
            "Open Overdue",
        )
    )
    assert rows[desk["soon"]].endswith("Open Due within 7 days")
    assert rows[desk["fresh"]].endswith("Open")
    extended = stored(app, desk["extended"])
    assert rows[desk["extended"]].endswith(f"{format_medium(extended.extended_to)} (extended) Open")
    # Answered requests carry no urgency, however late they were.
    assert rows[desk["answered"]].endswith("Answered")
    assert rows[desk["refused"]].endswith("Refused")


def format_medium(day: date | None) -> str:
    """A date as the English pages show it (Babel's medium format): "Mar 1, 2027"."""
    assert day is not None
    return f"{day:%b} {day.day}, {day.year}"


@pytest.mark.parametrize(
    ("due_in_days", "badge"),
    [
        (-1, "Overdue"),
        (0, "Due within 7 days"),  # due today: not late yet
        (7, "Due within 7 days"),
        (8, None),
    ],
)
def test_the_badges_to_the_day(
    app: Flask, staff_client: FlaskClient, due_in_days: int, badge: str | None
) -> None:
    request_id = file(app)
    set_due(app, request_id, studio_today() + timedelta(days=due_in_days))
    row = rows_by_id(get(staff_client, "/admin/requests"))[request_id]
    assert row.endswith(f"Open {badge}" if badge else "Open")


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("open", ["overdue", "soon", "fresh", "extended"]),
        ("completed", ["answered"]),
        ("refused", ["refused"]),
        ("", ["overdue", "soon", "fresh", "extended", "answered", "refused"]),
        ("nonsense", ["overdue", "soon", "fresh", "extended", "answered", "refused"]),
    ],
)
def test_the_status_filter(
    desk: dict[str, int], staff_client: FlaskClient, status: str, expected: list[str]
) -> None:
    response = get(staff_client, f"/admin/requests?status={status}")
    assert response.status_code == 200
    assert listed(response) == [desk[key] for key in expected]


def test_htmx_gets_only_the_rows(desk: dict[str, int], staff_client: FlaskClient) -> None:
    response = get(staff_client, "/admin/requests?status=refused", **HTMX)
    assert response.status_code == 200
    assert "<html" not in response.text and "site-header" not in response.text
    assert response.text.lstrip().startswith("<table")
    assert listed(response) == [desk["refused"]]
    assert "HX-Request" in response.vary
    full = get(staff_client, "/admin/requests?status=refused")
    assert full.text.startswith("<!doctype html>") and 'id="request-rows"' in full.text
    assert 'hx-get="/admin/requests" hx-target="#request-rows"' in full.text
    assert full.headers["Cache-Control"] == "no-store"
    empty = get(staff_client, "/admin/requests?status=open", **HTMX)
    assert listed(empty) == [desk[k] for k in ("overdue", "soon", "fresh", "extended")]


def test_an_empty_desk(staff_client: FlaskClient) -> None:
    assert "No requests found." in get(staff_client, "/admin/requests").text
    assert text_of(get(staff_client, "/admin/requests", **HTMX).text) == "No requests found."


def test_paging_25_per_page(app: Flask, staff_client: FlaskClient) -> None:
    ids = [file(app, f"request number {number}", days_ago=30 - number) for number in range(27)]
    first = get(staff_client, "/admin/requests?status=open")
    assert listed(first) == ids[:25]  # received earlier: due earlier
    assert "Page 1 of 2" in first.text
    assert 'href="/admin/requests?status=open&amp;page=2"' in first.text
    second = get(staff_client, "/admin/requests?status=open&page=2")
    assert listed(second) == ids[25:]


def test_the_desk_is_in_the_back_office_menu(staff_client: FlaskClient) -> None:
    page = get(staff_client, "/admin/requests").text
    assert '<a href="/admin/requests" aria-current="page">Requests</a>' in page
    dutch = staff_client.get("/admin/requests", headers={"Accept-Language": "nl"}).text
    assert '<a href="/admin/requests" aria-current="page">Verzoeken</a>' in dutch


# --- one request -----------------------------------------------------------------------------


def test_the_request_page_shows_it_in_full(
    app: Flask, staff: StaffMember, staff_client: FlaskClient
) -> None:
    request_id = file(app, days_ago=3)
    found = stored(app, request_id)
    response = get(staff_client, f"/admin/requests/{request_id}")
    assert response.status_code == 200
    page = response.text
    assert f"<h1>Request {found.reference} " in page
    assert f'<div class="mail-text">{ASKED}</div>' in page
    facts = text_of(page.split('<dl class="headers">', 1)[1].split("</dl>", 1)[0])
    assert facts == (
        f"Request Correction Email address {PERSON} Language English "
        f"How it came in Privacy centre Received {format_long(found.received_on)} "
        f"Answer due {format_long(found.due_on)}"
    )
    assert "Client page" not in page  # nobody with this address is a client
    for action in ("complete", "extend", "refuse"):
        assert f'action="/admin/requests/{request_id}/{action}"' in page
        assert f'hx-post="/admin/requests/{request_id}/{action}"' in page
    assert "The reason is emailed to the person: write no personal details in it." in page
    assert "Autoriteit Persoonsgegevens" in page
    mail_section = page.split('id="mail-title"', 1)[1]
    assert "We received your privacy request" in mail_section


def format_long(day: date | None) -> str:
    """A date as the English pages show it in full (Babel's long format): "March 1, 2027"."""
    assert day is not None
    return f"{day:%B} {day.day}, {day.year}"


def test_a_logged_answered_request_shows_who_did_what_and_links_the_client(
    app: Flask, staff: StaffMember, staff_client: FlaskClient
) -> None:
    with app.app_context():
        client_id = client_for(PERSON, "Noor Bakker", "nl").id
        filed = file_request(
            PERSON,
            RequestKind.ACCESS,
            "Which photos of me do you keep?",
            language="nl",
            channel=RequestChannel.PHONE,
            received_on=studio_today() - timedelta(days=5),
            identity_check="She named invoice 2026-0007 and the date of the shoot.",
            staff_id=staff.id,
        )
        request_id = filed.id
    act(app, request_id, extend, 1, "Our archive is being moved.", staff_id=staff.id,
        today=studio_today())  # fmt: skip
    act(app, request_id, complete, "Sent her the list of 12 photos.", staff_id=staff.id)
    page = get(staff_client, f"/admin/requests/{request_id}").text
    found = stored(app, request_id)
    assert f'href="/admin/clients/{client_id}">Client page</a>' in page
    facts = text_of(page.split('<dl class="headers">', 1)[1].split("</dl>", 1)[0])
    assert f"How it came in Phone · logged by {staff.email}" in facts
    assert f"Extended to {format_long(found.extended_to)}" in facts
    assert "Why extended Our archive is being moved." in facts
    assert "How identity was checked She named invoice 2026-0007" in facts
    assert f"by {staff.email} What was done Sent her the list of 12 photos." in facts
    assert "Language Nederlands" in facts
    for action in ("complete", "extend", "refuse"):  # answered: nothing more to do
        assert f"/admin/requests/{request_id}/{action}" not in page


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/admin/requests/999999"),
        ("POST", "/admin/requests/999999/complete"),
        ("POST", "/admin/requests/999999/extend"),
        ("POST", "/admin/requests/999999/refuse"),
    ],
)
def test_unknown_requests_are_not_found(
    staff_client: FlaskClient, post: Post, method: str, path: str
) -> None:
    response = get(staff_client, path) if method == "GET" else post(path, {"outcome": "x"})
    assert response.status_code == 404


# --- complete, extend, refuse ----------------------------------------------------------------


def test_complete_records_what_was_done_and_tells_the_person(
    app: Flask, staff: StaffMember, staff_client: FlaskClient, post: Post
) -> None:
    request_id = file(app)
    response = post(
        f"/admin/requests/{request_id}/complete", {"outcome": "  Corrected the number.  "}
    )
    assert response.status_code == 303
    assert response.location == f"/admin/requests/{request_id}"
    found = stored(app, request_id)
    assert found.status is RequestStatus.COMPLETED
    assert found.outcome == "Corrected the number."
    assert found.answered_by_id == staff.id and found.answered_at is not None
    assert audit_events(app, "privacy_request.")[-1] == (
        staff.id,
        "privacy_request.completed",
        "privacy_request",
        str(request_id),
    )
    answered = mails(app)[-1]
    assert (answered.kind, answered.recipient) == ("privacy/request_answered", PERSON)
    assert "Corrected" not in answered.text_body  # the mail says only that there is news
    page = get(staff_client, response.location).text
    assert f"Request {found.reference} is answered." in page
    assert '<span class="badge badge--completed">Answered</span>' in page


def test_extend_gives_more_time_and_mails_the_reason(
    app: Flask, staff: StaffMember, staff_client: FlaskClient, post: Post
) -> None:
    request_id = file(app, days_ago=10)
    page = get(staff_client, f"/admin/requests/{request_id}").text
    received = stored(app, request_id).received_on
    two_months = months_after(received, 3)
    assert f"2 months: answer by {format_long(two_months)}" in page
    response = post(
        f"/admin/requests/{request_id}/extend",
        {"months": "2", "extension_reason": "We must ask our accountant."},
    )
    assert response.status_code == 303
    assert response.location == f"/admin/requests/{request_id}"
    found = stored(app, request_id)
    assert found.is_open
    assert (found.extended_to, found.extension_reason) == (
        two_months,
        "We must ask our accountant.",
    )
    assert audit_events(app, "privacy_request.")[-1] == (
        staff.id,
        "privacy_request.extended",
        "privacy_request",
        str(request_id),
    )
    extended = mails(app)[-1]
    assert extended.kind == "privacy/request_extended" and extended.recipient == PERSON
    assert "We must ask our accountant." in extended.text_body
    page = get(staff_client, response.location).text
    assert f"Request {found.reference} is extended to {format_long(two_months)}." in page
    assert "Extended once already; a request can be extended only once." in page
    assert f'action="/admin/requests/{request_id}/extend"' not in page


def test_refuse_records_the_reason_and_names_the_authority(
    app: Flask, staff: StaffMember, staff_client: FlaskClient, post: Post
) -> None:
    request_id = file(app)
    response = post(
        f"/admin/requests/{request_id}/refuse",
        {"refusal_reason": "The invoice is correct as issued."},
    )
    assert response.status_code == 303
    found = stored(app, request_id)
    assert found.status is RequestStatus.REFUSED
    assert found.outcome == "The invoice is correct as issued."
    assert found.answered_by_id == staff.id
    assert audit_events(app, "privacy_request.")[-1] == (
        staff.id,
        "privacy_request.refused",
        "privacy_request",
        str(request_id),
    )
    refused = mails(app)[-1]
    assert refused.kind == "privacy/request_refused"
    assert "The invoice is correct as issued." in refused.text_body
    assert "Autoriteit Persoonsgegevens" in refused.text_body
    page = get(staff_client, response.location).text
    assert f"Request {found.reference} is refused." in page
    assert "Reason for the refusal" in page


@pytest.mark.parametrize(
    ("action", "data", "message"),
    [
        ("complete", {}, "Please say what was done."),
        ("complete", {"outcome": "   "}, "Please say what was done."),
        ("complete", {"outcome": "x" * 5001}, "Please use at most 5000 characters."),
        ("complete", {"outcome": "Done\x07"}, "This text contains characters we cannot store."),
        ("extend", {"extension_reason": "Busy."}, "Please choose one or two months."),
        ("extend", {"months": "3", "extension_reason": "Busy."}, "Not a valid choice."),
        ("extend", {"months": "0", "extension_reason": "Busy."}, "Not a valid choice."),
        ("extend", {"months": "1"}, "Please give the reason for the extension."),
        ("refuse", {"refusal_reason": ""}, "Please give the reason for the refusal."),
    ],
)
def test_a_form_with_errors_shows_them_and_stores_nothing(
    app: Flask, post: Post, action: str, data: dict[str, str], message: str
) -> None:
    request_id = file(app)
    before, mails_before = snapshot(app, request_id), len(mails(app))
    response = post(f"/admin/requests/{request_id}/{action}", data)
    assert response.status_code == 422
    assert message in response.text
    assert response.text.startswith("<!doctype html>")  # the whole page, without JavaScript
    assert 'class="form-errors" role="alert"' in response.text
    assert snapshot(app, request_id) == before
    assert len(mails(app)) == mails_before
    assert [event[1] for event in audit_events(app, "privacy_request.")] == [
        "privacy_request.filed"
    ]


@pytest.mark.parametrize("action", ["complete", "extend", "refuse"])
def test_htmx_gets_only_the_form_with_its_errors(app: Flask, post: Post, action: str) -> None:
    request_id = file(app)
    response = post(f"/admin/requests/{request_id}/{action}", {}, **HTMX)
    assert response.status_code == 422
    fragment = response.text.strip()
    assert fragment.startswith(f'<form id="{action}-form"') and fragment.endswith("</form>")
    assert 'aria-invalid="true"' in fragment


def test_an_answer_with_htmx_reloads_the_page(app: Flask, post: Post) -> None:
    request_id = file(app)
    response = post(f"/admin/requests/{request_id}/complete", {"outcome": "Done."}, **HTMX)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == f"/admin/requests/{request_id}"


def test_no_extension_once_the_first_month_has_passed(
    app: Flask, staff_client: FlaskClient, post: Post
) -> None:
    request_id = file(app, days_ago=40)
    found = stored(app, request_id)
    assert found.due_on < studio_today()
    page = get(staff_client, f"/admin/requests/{request_id}").text
    assert f"The first month ended on {format_long(found.due_on)}" in page
    assert f'action="/admin/requests/{request_id}/extend"' not in page

    # A page loaded earlier still has the form: the ledger refuses, shown in place.
    before = snapshot(app, request_id)
    data = {"months": "1", "extension_reason": "Busy."}
    response = post(f"/admin/requests/{request_id}/extend", data)
    assert response.status_code == 422
    assert "Not extended." in response.text
    assert "The first month has passed: the law allows an extension only within it." in (
        response.text
    )
    assert snapshot(app, request_id) == before
    fragment = post(f"/admin/requests/{request_id}/extend", data, **HTMX)
    assert fragment.status_code == 422
    assert fragment.text.strip().startswith('<div id="extend-form" class="form-errors"')
    dutch = post(f"/admin/requests/{request_id}/extend", data, **{"Accept-Language": "nl"})
    assert "De eerste maand is voorbij" in dutch.text
    assert snapshot(app, request_id) == before
    assert len(mails(app)) == 1  # only the acknowledgement


def test_the_last_day_of_the_first_month_still_allows_an_extension(
    app: Flask, staff_client: FlaskClient, post: Post
) -> None:
    request_id = file(app)
    set_due(app, request_id, studio_today())
    page = get(staff_client, f"/admin/requests/{request_id}").text
    assert f'action="/admin/requests/{request_id}/extend"' in page
    response = post(
        f"/admin/requests/{request_id}/extend", {"months": "1", "extension_reason": "Busy."}
    )
    assert response.status_code == 303
    assert stored(app, request_id).extended_to is not None


def test_a_second_extension_is_refused_in_place(app: Flask, staff: StaffMember, post: Post) -> None:
    request_id = file(app)
    act(app, request_id, extend, 1, "Busy.", staff_id=staff.id, today=studio_today())
    before = snapshot(app, request_id)
    response = post(
        f"/admin/requests/{request_id}/extend", {"months": "1", "extension_reason": "Still."}
    )
    assert response.status_code == 422
    assert "it can be extended only once" in response.text
    assert snapshot(app, request_id) == before


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("complete", {"outcome": "Done again."}),
        ("extend", {"months": "1", "extension_reason": "Busy."}),
        ("refuse", {"refusal_reason": "No."}),
    ],
)
def test_an_answered_request_cannot_be_answered_again(
    app: Flask, staff: StaffMember, post: Post, action: str, data: dict[str, str]
) -> None:
    """A double click on "Complete", or two colleagues at once: the second gets a 409."""
    request_id = file(app)
    assert post(f"/admin/requests/{request_id}/complete", {"outcome": "Done."}).status_code == 303
    before, mails_before = snapshot(app, request_id), len(mails(app))
    response = post(f"/admin/requests/{request_id}/{action}", data)
    assert response.status_code == 409
    reference = stored(app, request_id).reference
    assert f"Request {reference} already has its answer (Answered)" in response.text
    assert "Nothing was changed." in response.text
    assert snapshot(app, request_id) == before
    assert len(mails(app)) == mails_before
    assert [event[1] for event in audit_events(app, "privacy_request.")] == [
        "privacy_request.filed",
        "privacy_request.completed",
    ]
    htmx = post(f"/admin/requests/{request_id}/{action}", data, **HTMX)
    assert htmx.status_code == 409
    assert htmx.headers["HX-Retarget"] == "#main"
    assert htmx.text.strip().startswith("<h1>Already answered</h1>")


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("complete", {"outcome": "Done."}),
        ("extend", {"months": "1", "extension_reason": "Busy."}),
        ("refuse", {"refusal_reason": "No."}),
    ],
)
def test_answered_by_a_colleague_while_the_form_was_checked(
    app: Flask,
    staff: StaffMember,
    post: Post,
    monkeypatch: pytest.MonkeyPatch,
    action: str,
    data: dict[str, str],
) -> None:
    """The page found the request open; a colleague refused it just before the ledger ran.

    The real ledger function runs, after the colleague's answer in a session of its own.
    """
    request_id = file(app)
    real = getattr(request_views, action)

    def after_the_colleague(*args: Any, **kwargs: Any) -> Any:
        with app.app_context():
            refuse(db.session.get(PrivacyRequest, request_id), "Colleague.", staff_id=staff.id)
        return real(*args, **kwargs)

    monkeypatch.setattr(request_views, action, after_the_colleague)
    response = post(f"/admin/requests/{request_id}/{action}", data)
    assert response.status_code == 409
    assert "already has its answer (Refused)" in response.text
    found = stored(app, request_id)
    assert (found.status, found.outcome, found.extended_to) == (
        RequestStatus.REFUSED,
        "Colleague.",
        None,
    )
    assert [mail.kind for mail in mails(app)] == [
        "privacy/request_received",
        "privacy/request_refused",
    ]


# --- logging a request -----------------------------------------------------------------------


def log_data(**overrides: str) -> dict[str, str]:
    return {
        "email": "  Piet.Jansen@Example.NL ",
        "kind": "erasure",
        "channel": "letter",
        "received_on": (studio_today() - timedelta(days=4)).isoformat(),
        "details": "Please erase everything you hold about me.",
        "identity_check": "The letter came with our invoice number and his signature.",
        **overrides,
    }


def test_the_log_form(staff_client: FlaskClient) -> None:
    response = get(staff_client, "/admin/requests/new")
    assert response.status_code == 200
    page = response.text
    assert f'value="{studio_today().isoformat()}"' in page  # received today, unless changed
    assert f'max="{studio_today().isoformat()}"' in page
    assert 'value="not_me"' not in page and 'value="privacy_centre"' not in page
    for kind in ("access", "correction", "erasure", "restriction", "objection", "complaint"):
        assert f'value="{kind}"' in page
    assert "Never keep a copy of an ID document" in page


def test_logging_a_request_files_it_and_tells_the_person(
    app: Flask, staff: StaffMember, staff_client: FlaskClient, post: Post
) -> None:
    response = post("/admin/requests/new", log_data())
    assert response.status_code == 303
    [logged] = all_requests(app)
    assert response.location == f"/admin/requests/{logged.id}"
    assert logged.email == "piet.jansen@example.nl"
    assert (logged.kind, logged.channel) == (RequestKind.ERASURE, RequestChannel.LETTER)
    assert logged.received_on == studio_today() - timedelta(days=4)
    assert logged.due_on == months_after(logged.received_on, 1)
    assert logged.details == "Please erase everything you hold about me."
    assert logged.identity_check == "The letter came with our invoice number and his signature."
    assert logged.logged_by_id == staff.id
    assert logged.language == app.config["DEFAULT_LANGUAGE"]  # no client with this address
    [received] = mails(app)
    assert (received.kind, received.recipient) == ("privacy/request_received", logged.email)
    assert received.language == logged.language
    assert audit_events(app, "privacy_request.") == [
        (staff.id, "privacy_request.filed", "privacy_request", str(logged.id))
    ]
    page = get(staff_client, response.location).text
    assert f"Request {logged.reference} is logged." in page
    assert "Letter · logged by" in text_of(page)


@pytest.mark.parametrize("language", ["en", "nl"])
def test_a_logged_request_is_answered_in_the_clients_language(
    app: Flask, post: Post, language: str
) -> None:
    with app.app_context():
        client_for("piet.jansen@example.nl", "Piet Jansen", language)
        db.session.commit()
    assert post("/admin/requests/new", log_data()).status_code == 303
    [logged] = all_requests(app)
    assert logged.language == language
    assert mails(app)[0].language == language


def test_logging_the_same_request_twice_keeps_one(
    app: Flask, staff_client: FlaskClient, post: Post
) -> None:
    first = post("/admin/requests/new", log_data())
    again = post("/admin/requests/new", log_data())
    assert again.status_code == 303 and again.location == first.location
    [logged] = all_requests(app)
    assert len(mails(app)) == 1
    page = get(staff_client, again.location).text
    assert f"This request was open already, as {logged.reference}: nothing new was logged." in (
        page
    )


def a_year_ago() -> date:
    return months_after(studio_today(), -12)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "", "Please give the email address of the person who asked."),
        ("email", "piet.jansen", "This does not look like an email address."),
        ("email", "piet@example.nl\nbcc@example.nl", "Please use a single line"),
        ("kind", "", "Please choose what the person asks."),
        ("kind", "not_me", "Not a valid choice."),
        ("kind", "gossip", "Not a valid choice."),
        ("channel", "", "Please choose how the request came in."),
        ("channel", "privacy_centre", "Not a valid choice."),
        ("received_on", "", "Please give the day the request came in."),
        ("received_on", "2027-02-30", "Not a valid date value."),
        ("received_on", "tomorrow", "Not a valid date value."),
        ("details", "", "Please write down what the person asks, in their words."),
        ("details", " \n ", "Please write down what the person asks, in their words."),
        ("details", "x" * 5001, "Please use at most 5000 characters."),
        ("identity_check", "", "Please note how you checked who asked."),
        ("identity_check", "x" * 1001, "Please use at most 1000 characters."),
        ("identity_check", "ok\x07", "This text contains characters we cannot store."),
    ],
)
def test_logging_checks_every_field(
    app: Flask, post: Post, field: str, value: str, message: str
) -> None:
    response = post("/admin/requests/new", log_data(**{field: value}))
    assert response.status_code == 422
    assert message in response.text
    assert f'href="#{field}' in response.text  # the summary links to the field
    assert all_requests(app) == [] and mails(app) == []


@pytest.mark.parametrize(
    ("received", "accepted"),
    [
        (lambda: studio_today(), True),
        (lambda: studio_today() + timedelta(days=1), False),
        (a_year_ago, True),
        (lambda: a_year_ago() - timedelta(days=1), False),
    ],
    ids=["today", "tomorrow", "a-year-ago", "longer-ago"],
)
def test_the_received_date_is_within_the_last_year_and_not_ahead(
    app: Flask, post: Post, received: Callable[[], date], accepted: bool
) -> None:
    response = post("/admin/requests/new", log_data(received_on=received().isoformat()))
    assert response.status_code == (303 if accepted else 422)
    assert len(all_requests(app)) == (1 if accepted else 0)
    if not accepted:
        assert (
            "The day it came in cannot be in the future." in response.text
            or "Please give a day within the last year." in response.text
        )


def test_a_log_form_with_errors_over_htmx_is_the_form_alone(app: Flask, post: Post) -> None:
    response = post("/admin/requests/new", log_data(email=""), **HTMX)
    assert response.status_code == 422
    fragment = response.text.strip()
    assert fragment.startswith('<form id="log-form"') and fragment.endswith("</form>")
    assert re.search(r'<input checked[^>]* value="letter"', fragment), "the choices are kept"


# --- access and the dashboard --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/admin/requests"),
        ("GET", "/admin/requests/new"),
        ("GET", "/admin/requests/{id}"),
        ("POST", "/admin/requests/new"),
        ("POST", "/admin/requests/{id}/complete"),
        ("POST", "/admin/requests/{id}/extend"),
        ("POST", "/admin/requests/{id}/refuse"),
    ],
)
def test_signed_out_visitors_are_sent_to_sign_in(
    app: Flask, client: FlaskClient, method: str, path: str
) -> None:
    request_id = file(app)
    url = path.format(id=request_id)
    if method == "GET":
        response = client.get(url)
    else:
        data = {"csrf_token": csrf_token(client), "outcome": "Done.", **log_data()}
        response = client.post(url, data=data)
    assert response.status_code == 303
    assert response.location == f"/admin/sign-in?next={url}"
    assert [found.id for found in all_requests(app)] == [request_id]
    assert stored(app, request_id).is_open


def test_the_dashboard_counts_what_is_overdue_and_due_soon(
    app: Flask, staff: StaffMember, staff_client: FlaskClient
) -> None:
    file(app, "overdue", days_ago=40)
    for details in ("soon", "soon too"):
        file(app, details, days_ago=25)
    file(app, "later", days_ago=0)
    answered = file(app, "answered late", days_ago=60)
    act(app, answered, complete, "Done.", staff_id=staff.id)
    page = get(staff_client, "/admin/").text
    section = text_of(page.split('id="requests-title"', 1)[1].split("</section>", 1)[0])
    assert "1 request is overdue" in section
    assert "2 requests are due within 7 days" in section
    assert 'href="/admin/requests?status=open"' in page


def test_the_dashboard_with_no_request_waiting(app: Flask, staff_client: FlaskClient) -> None:
    file(app, "later", days_ago=0)
    page = get(staff_client, "/admin/").text
    assert "No privacy request is overdue or due within 7 days." in page
    assert 'href="/admin/requests?status=open"' not in page
