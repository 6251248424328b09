"""The audit log screen: newest first, who did what to which record, filtered and paged."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.admin.conftest import STAFF_EMAIL, csrf_token, sign_in
from website.admin.models import StaffMember
from website.admin.services import create_staff
from website.audit.models import AuditEvent
from website.extensions import db

HTMX = {"HX-Request": "true"}
EN = {"Accept-Language": "en"}
OTHER_EMAIL = "assistant@ivisualproductions.nl"
START = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)


def get(client: FlaskClient, url: str, **headers: str) -> TestResponse:
    return client.get(url, headers={**EN, **headers})


def rows(response: TestResponse) -> list[tuple[str, str, str]]:
    """(who, action, record) of every row shown, top to bottom."""
    assert "<tbody>" in response.text, "the page shows a table"
    body = response.text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    found = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = [
            " ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split())
            for cell in re.findall(r"<td>(.*?)</td>", row, re.S)
        ]
        found.append(tuple(cells[1:]))
    return found


def times(response: TestResponse) -> list[str]:
    return re.findall(r'<td><time datetime="([^"]+)">', response.text)


@pytest.fixture
def other(app: Flask) -> StaffMember:
    with app.app_context():
        member = create_staff(OTHER_EMAIL, "copper meadow lantern spiral")
        db.session.refresh(member)
        db.session.expunge(member)
        return member


@pytest.fixture
def history(app: Flask, staff: StaffMember, other: StaffMember) -> None:
    """Five events in the past, stored out of order; the sign-in's events come after them."""
    events = [
        (2, staff.id, "contact.handled", "contact_message", "C-AAAA-BBBB"),
        (0, other.id, "contact.archived", "contact_message", "C-CCCC-DDDD"),
        (4, staff.id, "policy.published", "policy_version", "2025-06-01"),
        (1, None, "mail.retried", "mail_outbox", "7"),
        (3, other.id, "contact.deleted", "contact_message", "C-CCCC-DDDD"),
    ]
    with app.app_context():
        for minutes, staff_id, action, object_type, object_id in events:
            db.session.add(
                AuditEvent(
                    staff_member_id=staff_id,
                    action=action,
                    object_type=object_type,
                    object_id=object_id,
                    created_at=START + timedelta(minutes=minutes),
                )
            )
        # The set-up's own events, moved before the history so the order is known.
        for event in db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "staff.created")
        ):
            event.created_at = START - timedelta(days=1)
        db.session.commit()


HISTORY = [
    (STAFF_EMAIL, "policy.published", "policy_version 2025-06-01"),
    (OTHER_EMAIL, "contact.deleted", "contact_message C-CCCC-DDDD"),
    (STAFF_EMAIL, "contact.handled", "contact_message C-AAAA-BBBB"),
    ("system", "mail.retried", "mail_outbox 7"),
    (OTHER_EMAIL, "contact.archived", "contact_message C-CCCC-DDDD"),
]


def test_the_log_lists_events_newest_first(
    history: None, staff_client: FlaskClient, staff: StaffMember, other: StaffMember
) -> None:
    response = get(staff_client, "/admin/audit")
    assert response.status_code == 200
    shown = rows(response)
    assert shown[0] == (STAFF_EMAIL, "staff.signed_in", f"staff_member {staff.id}")
    assert shown[1:6] == HISTORY
    assert sorted(shown[6:], key=lambda row: row[2] != f"staff_member {staff.id}") == [
        ("system", "staff.created", f"staff_member {staff.id}"),
        ("system", "staff.created", f"staff_member {other.id}"),
    ]
    assert times(response)[1:6] == [
        (START + timedelta(minutes=minutes)).isoformat() for minutes in (4, 3, 2, 1, 0)
    ]
    assert "<code>contact.handled</code>" in response.text
    assert response.headers["Cache-Control"] == "no-store"


def test_filter_by_action_prefix(history: None, staff_client: FlaskClient) -> None:
    response = get(staff_client, "/admin/audit?action=contact.")
    assert rows(response) == [row for row in HISTORY if row[1].startswith("contact.")]
    assert 'value="contact."' in response.text
    assert rows(get(staff_client, "/admin/audit?action=policy")) == [HISTORY[0]]
    assert rows(get(staff_client, "/admin/audit?action=+mail.retried+")) == [HISTORY[3]]
    nothing = get(staff_client, "/admin/audit?action=handled")  # a prefix, not a part
    assert "Nothing found." in nothing.text and "<tbody>" not in nothing.text


@pytest.mark.parametrize("prefix", ["%", "_ontact", "contact%handled"])
def test_like_wildcards_in_the_prefix_are_literal(
    history: None, staff_client: FlaskClient, prefix: str
) -> None:
    response = get(staff_client, f"/admin/audit?action={prefix.replace('%', '%25')}")
    assert response.status_code == 200
    assert "Nothing found." in response.text


def test_filter_by_staff_member(
    history: None, staff_client: FlaskClient, staff: StaffMember, other: StaffMember
) -> None:
    response = get(staff_client, f"/admin/audit?staff={other.id}")
    assert rows(response) == [HISTORY[1], HISTORY[4]]
    assert f'<option selected value="{other.id}">{OTHER_EMAIL}</option>' in response.text
    mine = rows(get(staff_client, f"/admin/audit?staff={staff.id}&action=contact"))
    assert mine == [HISTORY[2]]
    everyone = get(staff_client, "/admin/audit?staff=")
    assert len(rows(everyone)) == 8
    assert '<option selected value="">Everyone</option>' in everyone.text


def test_the_staff_choice_lists_every_member(
    history: None, staff_client: FlaskClient, staff: StaffMember, other: StaffMember
) -> None:
    page = get(staff_client, "/admin/audit").text
    select = page.split('<select id="staff" name="staff">', 1)[1].split("</select>", 1)[0]
    assert re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>', select) == [
        ("", "Everyone"),
        (str(other.id), OTHER_EMAIL),
        (str(staff.id), STAFF_EMAIL),
    ]


def test_htmx_gets_only_the_rows(history: None, staff_client: FlaskClient) -> None:
    response = get(staff_client, "/admin/audit?action=mail.", **HTMX)
    assert response.status_code == 200
    assert "<html" not in response.text and "site-header" not in response.text
    assert response.text.lstrip().startswith("<table")
    assert rows(response) == [HISTORY[3]]
    assert "HX-Request" in response.vary
    empty = get(staff_client, "/admin/audit?action=zzz", **HTMX)
    assert empty.text.strip() == "<p>Nothing found.</p>"
    full = get(staff_client, "/admin/audit?action=mail.")
    assert full.text.startswith("<!doctype html>") and 'id="audit-rows"' in full.text


def test_the_log_is_paged(app: Flask, staff_client: FlaskClient, staff: StaffMember) -> None:
    with app.app_context():
        for number in range(30):
            db.session.add(
                AuditEvent(
                    staff_member_id=staff.id,
                    action="contact.handled",
                    object_type="contact_message",
                    object_id=f"C-TEST-{number:04d}",
                    created_at=START + timedelta(minutes=number),
                )
            )
        db.session.commit()
    first = get(staff_client, "/admin/audit?action=contact.")
    assert [record for _, _, record in rows(first)] == [
        f"contact_message C-TEST-{number:04d}" for number in range(29, 4, -1)
    ]
    assert "Page 1 of 2" in first.text
    assert 'href="/admin/audit?action=contact.&amp;page=2"' in first.text
    second = get(staff_client, "/admin/audit?action=contact.&page=2", **HTMX)
    assert [record for _, _, record in rows(second)] == [
        f"contact_message C-TEST-{number:04d}" for number in range(4, -1, -1)
    ]
    assert 'hx-target="#audit-rows"' in second.text and 'rel="prev"' in second.text


def test_staff_actions_appear_in_the_log(app: Flask, staff_client: FlaskClient) -> None:
    """The screen shows what the services record, e.g. a sign-out and the next sign-in."""
    token = csrf_token(staff_client, "/admin/account")
    assert staff_client.post("/admin/sign-out", data={"csrf_token": token}).status_code == 303
    assert sign_in(staff_client).status_code == 303
    actions = [action for _, action, _ in rows(get(staff_client, "/admin/audit?action=staff."))]
    assert actions[:3] == ["staff.signed_in", "staff.signed_out", "staff.signed_in"]


def test_an_unknown_staff_member_does_not_drop_the_action_filter(
    history: None, staff_client: FlaskClient
) -> None:
    response = get(staff_client, "/admin/audit?action=contact.&staff=999")
    assert rows(response) == [row for row in HISTORY if row[1].startswith("contact.")]


def test_a_page_of_events_takes_a_fixed_number_of_queries(
    app: Flask, staff_client: FlaskClient, staff: StaffMember
) -> None:
    with app.app_context():
        members = [
            create_staff(f"m{n}@example.nl", "lantern orchard velvet quarry") for n in range(5)
        ]
        for number in range(25):
            db.session.add(
                AuditEvent(
                    staff_member_id=members[number % 5].id,
                    action="contact.handled",
                    object_type="contact_message",
                    object_id=f"C-TEST-{number:04}",
                )
            )
        db.session.commit()
        statements: list[str] = []
        sa.event.listen(
            db.engine, "before_cursor_execute", lambda *args: statements.append(args[2])
        )
    response = get(staff_client, "/admin/audit")
    assert len(rows(response)) == 25
    assert len(statements) <= 8, "one query per page, not one per row"
