"""The contact inbox in the back office: dashboard, list, detail page and the staff actions."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.admin.conftest import Post
from website.admin.models import StaffMember
from website.audit.models import AuditEvent
from website.clients.models import Client
from website.clock import utcnow
from website.contact.models import ContactMessage, ProductionKind
from website.contact.services import Submission, submit_message
from website.extensions import db
from website.mail.models import OutboxMessage, OutboxStatus

HTMX = {"HX-Request": "true"}
EN = {"Accept-Language": "en"}
REFERENCE_ROW = re.compile(r'<tr id="message-(C-[A-Z2-9]{4}-[A-Z2-9]{4})">')
START = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def make_message(
    app: Flask,
    name: str = "Anna de Vries",
    email: str = "anna@example.nl",
    body: str = "A family shoot in the dunes, please.",
    *,
    received_at: datetime | None = None,
    handled: bool = False,
    archived: bool = False,
) -> str:
    """Store a message (and its two outbox mails) the way the contact form does."""
    with app.app_context():
        message = submit_message(
            Submission(
                name=name,
                email=email,
                phone="+31 6 1234 5678",
                production_kind=ProductionKind.PHOTO,
                preferred_date=None,
                message=body,
                newsletter=False,
                language="en",
            )
        )
        if received_at is not None:
            message.received_at = received_at
        if handled:
            message.handled_at = utcnow()
        if archived:
            message.archived_at = utcnow()
        db.session.commit()
        return message.reference


def get(client: FlaskClient, url: str, **headers: str) -> TestResponse:
    return client.get(url, headers={**EN, **headers})


def listed(response: TestResponse) -> list[str]:
    """The references of the message rows on a page, top to bottom."""
    return REFERENCE_ROW.findall(response.text)


def text_of(fragment: str) -> str:
    """Visible text: tags dropped, entities decoded, white space collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def table_rows(fragment: str) -> list[str]:
    """The text of every body row of the tables in ``fragment``."""
    bodies = "".join(re.findall(r"<tbody>(.*?)</tbody>", fragment, re.S))
    return [text_of(row) for row in re.findall(r"<tr[^>]*>(.*?)</tr>", bodies, re.S)]


def message_row(app: Flask, reference: str) -> ContactMessage | None:
    with app.app_context():
        found = db.session.scalar(
            sa.select(ContactMessage).where(ContactMessage.reference == reference)
        )
        db.session.expunge_all()
        return found


def mails_about(app: Flask, reference: str) -> list[OutboxMessage]:
    with app.app_context():
        found = list(
            db.session.scalars(
                sa.select(OutboxMessage)
                .where(OutboxMessage.reference == reference)
                .order_by(OutboxMessage.id)
            )
        )
        db.session.expunge_all()
        return found


def change_mail(app: Flask, mail_id: int, **values: Any) -> None:
    with app.app_context():
        mail = db.session.get(OutboxMessage, mail_id)
        for key, value in values.items():
            setattr(mail, key, value)
        db.session.commit()


def audit_events(app: Flask, prefix: str = "") -> list[tuple[int | None, str, str | None, str]]:
    """(staff id, action, object type, object id) of the events whose action starts so."""
    with app.app_context():
        events = db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.action.startswith(prefix))
            .order_by(AuditEvent.id)
        )
        return [(e.staff_member_id, e.action, e.object_type, e.object_id) for e in events]


def count(app: Flask, model: type) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# --- the dashboard ---------------------------------------------------------------------------


def test_dashboard_counts_new_messages_and_lists_mail_that_did_not_go_out(
    app: Flask, staff_client: FlaskClient
) -> None:
    new = [
        make_message(app, "Nieuwe Klant Een", "een@example.nl"),
        make_message(app, "Nieuwe Klant Twee", "twee@example.nl"),
        make_message(app, "Nieuwe Klant Drie", "drie@example.nl"),
    ]
    done = make_message(app, "Afgehandeld Persoon", "klaar@example.nl", handled=True)
    stored = make_message(app, "Gearchiveerd Persoon", "archief@example.nl", archived=True)
    dead, retrying = mails_about(app, new[0])
    change_mail(
        app, dead.id, status=OutboxStatus.DEAD, attempts=5, last_error="550 mailbox unavailable"
    )
    change_mail(app, retrying.id, attempts=2, last_error="421 try again later")
    sent = mails_about(app, done)[0]
    change_mail(app, sent.id, status=OutboxStatus.SENT, attempts=1)

    response = get(staff_client, "/admin/")
    assert response.status_code == 200
    page = response.text
    assert '<h2 id="new-title">3 new messages</h2>' in page
    new_section = page.split('id="new-title"', 1)[1].split("</section>", 1)[0]
    for reference in new:
        assert f'href="/admin/messages/{reference}"' in new_section
    assert "Nieuwe Klant Drie" in new_section
    assert done not in new_section and "Afgehandeld Persoon" not in new_section
    assert stored not in new_section and "Gearchiveerd Persoon" not in new_section

    mail_section = page.split('id="mail-title"', 1)[1].split("</section>", 1)[0]
    rows = table_rows(mail_section)
    assert len(rows) == 2, rows  # queued-and-untried and sent mail are not listed
    by_subject = {row.split(f" {new[0]} ")[0]: row for row in rows}
    assert by_subject[dead.subject].endswith(f"{new[0]} not delivered 5 550 mailbox unavailable")
    assert by_subject[retrying.subject].endswith(f"{new[0]} retrying 2 421 try again later")


def test_dashboard_with_nothing_to_do(app: Flask, staff_client: FlaskClient) -> None:
    make_message(app, handled=True)
    page = get(staff_client, "/admin/").text
    assert '<h2 id="new-title">0 new messages</h2>' in page
    assert "Nothing new." in page
    assert "All mail went out." in page


# --- the message list ------------------------------------------------------------------------


@pytest.fixture
def inbox(app: Flask) -> dict[str, str]:
    """One message in each state, and a second new one; received an hour apart."""
    return {
        "archived_handled": make_message(
            app,
            "Archie Handled",
            "archie@example.nl",
            received_at=START,
            handled=True,
            archived=True,
        ),
        "archived": make_message(
            app,
            "Arianne Archived",
            "arianne@example.nl",
            received_at=START + timedelta(hours=1),
            archived=True,
        ),
        "new": make_message(
            app, "Nina Nieuw", "nina@example.nl", received_at=START + timedelta(hours=2)
        ),
        "handled": make_message(
            app,
            "Hans Handled",
            "hans@example.nl",
            received_at=START + timedelta(hours=3),
            handled=True,
        ),
        "new2": make_message(
            app, "Noor Nieuw", "noor@example.nl", received_at=START + timedelta(hours=4)
        ),
    }


def test_the_list_shows_open_messages_newest_first_by_default(
    inbox: dict[str, str], staff_client: FlaskClient
) -> None:
    refs = inbox
    response = get(staff_client, "/admin/messages")
    assert response.status_code == 200
    assert listed(response) == [refs["new2"], refs["handled"], refs["new"]]
    assert "Arianne Archived" not in response.text and "Archie Handled" not in response.text
    assert '<option selected value="open">New and handled</option>' in response.text
    assert set(listed(get(staff_client, "/admin/messages?status=open"))) == {
        refs["new2"],
        refs["handled"],
        refs["new"],
    }


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("new", ["new2", "new"]),
        ("handled", ["handled"]),
        ("archived", ["archived", "archived_handled"]),
        ("all", ["new2", "handled", "new", "archived", "archived_handled"]),
        ("nonsense", ["new2", "handled", "new"]),
    ],
)
def test_the_status_filter(
    inbox: dict[str, str], staff_client: FlaskClient, status: str, expected: list[str]
) -> None:
    response = get(staff_client, f"/admin/messages?status={status}")
    assert response.status_code == 200
    assert listed(response) == [inbox[key] for key in expected]


def test_rows_show_name_status_and_a_button_only_for_new_messages(
    inbox: dict[str, str], staff_client: FlaskClient
) -> None:
    page = get(staff_client, "/admin/messages").text
    rows = dict(zip(REFERENCE_ROW.findall(page), table_rows(page), strict=True))
    assert rows[inbox["new"]].startswith(f"{inbox['new']} Nina Nieuw ")
    assert rows[inbox["new"]].endswith(f"New Mark handled {inbox['new']}")
    assert rows[inbox["handled"]].endswith("Handled")
    handle_url = f"/admin/messages/{inbox['new']}/handle"
    assert f'action="{handle_url}"' in page and f'hx-post="{handle_url}"' in page
    assert f"/admin/messages/{inbox['handled']}/handle" not in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("noor", ["new2"]),  # name
        ("HANS@EXAMPLE", ["handled"]),  # email, any case
        ("nieuw", ["new2", "new"]),  # a part of two names
    ],
)
def test_search_by_name_and_email(
    inbox: dict[str, str], staff_client: FlaskClient, query: str, expected: list[str]
) -> None:
    response = get(staff_client, f"/admin/messages?q={query}")
    assert listed(response) == [inbox[key] for key in expected]
    assert f'value="{query}"' in response.text  # the search box keeps what was typed


def test_search_by_reference_and_body_text(app: Flask, staff_client: FlaskClient) -> None:
    wedding = make_message(app, "Bram", "bram@example.nl", "A wedding in Haarlem, in June.")
    shoot = make_message(app, "Cees", "cees@example.nl", "Product photos for our webshop.")
    assert listed(get(staff_client, f"/admin/messages?q={wedding}")) == [wedding]
    assert listed(get(staff_client, f"/admin/messages?q={shoot[2:].lower()}")) == [shoot]
    assert listed(get(staff_client, "/admin/messages?q=haarlem")) == [wedding]
    assert listed(get(staff_client, "/admin/messages?q=WEBSHOP")) == [shoot]
    nothing = get(staff_client, "/admin/messages?q=rotterdam")
    assert listed(nothing) == []
    assert "No messages found." in nothing.text


def test_search_takes_like_wildcards_literally(app: Flask, staff_client: FlaskClient) -> None:
    percent = make_message(app, "Per Cent", "per@example.nl", "Can we get 50% off in winter?")
    digits = make_message(app, "Dee Gits", "dee@example.nl", "Can we get 500 euro off?")
    underscore = make_message(app, "Under Score", "under@example.nl", "See file shot_01.jpg")
    letter = make_message(app, "Lett Er", "lett@example.nl", "See file shotX01.jpg")
    assert listed(get(staff_client, "/admin/messages?q=50%25")) == [percent]
    assert listed(get(staff_client, "/admin/messages?q=shot_01")) == [underscore]
    assert listed(get(staff_client, "/admin/messages?q=%25")) == [percent]
    assert listed(get(staff_client, "/admin/messages?q=_")) == [underscore]
    assert digits not in listed(get(staff_client, "/admin/messages?q=50%25"))
    assert letter not in listed(get(staff_client, "/admin/messages?q=shot_01"))


def test_paging_25_per_page(app: Flask, staff_client: FlaskClient) -> None:
    references = [
        make_message(
            app,
            f"Person {number:02d}",
            f"person{number}@example.nl",
            received_at=START + timedelta(minutes=number),
        )
        for number in range(30)
    ]
    newest_first = references[::-1]
    first = get(staff_client, "/admin/messages")
    assert listed(first) == newest_first[:25]
    assert "Page 1 of 2" in first.text
    assert 'href="/admin/messages?page=2" hx-get="/admin/messages?page=2"' in first.text
    assert 'rel="prev"' not in first.text

    second = get(staff_client, "/admin/messages?page=2")
    assert second.status_code == 200
    assert listed(second) == newest_first[25:]
    assert "Page 2 of 2" in second.text and 'rel="next"' not in second.text

    searched = get(staff_client, "/admin/messages?q=person&status=new&page=2")
    assert listed(searched) == newest_first[25:]
    assert 'href="/admin/messages?q=person&amp;status=new&amp;page=1"' in searched.text

    past_the_end = get(staff_client, "/admin/messages?page=3")
    assert past_the_end.status_code == 200
    assert listed(past_the_end) == []
    assert "No messages found." in past_the_end.text


def test_htmx_gets_only_the_rows(inbox: dict[str, str], staff_client: FlaskClient) -> None:
    response = get(staff_client, "/admin/messages?q=nina", **HTMX)
    assert response.status_code == 200
    assert "<html" not in response.text and "site-header" not in response.text
    assert response.text.lstrip().startswith("<table")
    assert listed(response) == [inbox["new"]]
    assert "HX-Request" in response.vary
    full = get(staff_client, "/admin/messages?q=nina")
    assert full.text.startswith("<!doctype html>") and 'id="message-rows"' in full.text
    assert "HX-Request" in full.vary
    assert full.headers["Cache-Control"] == "no-store"


def test_htmx_gets_the_empty_state_as_rows(
    inbox: dict[str, str], staff_client: FlaskClient
) -> None:
    response = get(staff_client, "/admin/messages?q=nobody-at-all", **HTMX)
    assert text_of(response.text) == "No messages found."


# --- the message page ------------------------------------------------------------------------


def test_message_page_shows_the_message_and_its_mail(app: Flask, staff_client: FlaskClient) -> None:
    reference = make_message(
        app, "Zoë van den Berg", "Zoe@Example.org", "Een trouwreportage in Haarlem."
    )
    other = make_message(app, "Someone Else", "else@example.org")
    notification, acknowledgement = mails_about(app, reference)
    change_mail(app, notification.id, status=OutboxStatus.DEAD, attempts=5, last_error="550 no")
    change_mail(app, acknowledgement.id, status=OutboxStatus.SENT, attempts=1)

    response = get(staff_client, f"/admin/messages/{reference}")
    assert response.status_code == 200
    page = response.text
    assert f"<h1>Message {reference}</h1>" in page
    assert "Zoë van den Berg" in page and "Zoe@Example.org" in page
    assert '<div class="mail-text">Een trouwreportage in Haarlem.</div>' in page
    assert '<span class="badge badge--new">New</span>' in page
    assert "+31 6 1234 5678" in page
    with app.app_context():
        client_id = db.session.scalar(sa.select(Client.id).where(Client.email == "zoe@example.org"))
    assert f'href="/admin/clients/{client_id}"' in page

    mail_section = page.split("Mail about this message", 1)[1]
    rows = table_rows(mail_section)
    assert rows == [
        f"{app.config['STUDIO_INBOX']} {notification.subject} not delivered (550 no) 5 Send again",
        f"Zoe@Example.org {acknowledgement.subject} sent 1",
    ]
    assert f'action="/admin/mail/{notification.id}/retry"' in page
    assert f"/admin/mail/{acknowledgement.id}/retry" not in page
    assert other not in page and "Someone Else" not in page
    for action in ("handle", "archive", "delete"):
        assert f'action="/admin/messages/{reference}/{action}"' in page
    assert 'name="csrf_token"' in page


def test_message_page_of_a_handled_archived_message_offers_the_way_back(
    app: Flask, staff_client: FlaskClient
) -> None:
    reference = make_message(app, handled=True, archived=True)
    with app.app_context():
        db.session.execute(sa.delete(OutboxMessage))
        db.session.commit()
    page = get(staff_client, f"/admin/messages/{reference}").text
    assert '<span class="badge badge--archived">Archived</span>' in page
    assert f'action="/admin/messages/{reference}/reopen"' in page
    assert f'action="/admin/messages/{reference}/unarchive"' in page
    assert "Open again" in page and "Take out of the archive" in page
    assert "No mail (any more)." in page


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/admin/messages/C-AAAA-BBBB"),
        ("POST", "/admin/messages/C-AAAA-BBBB/handle"),
        ("POST", "/admin/messages/C-AAAA-BBBB/archive"),
        ("POST", "/admin/messages/C-AAAA-BBBB/delete"),
        ("POST", "/admin/mail/999999/retry"),
    ],
)
def test_unknown_records_are_not_found(
    app: Flask, staff_client: FlaskClient, post: Post, method: str, path: str
) -> None:
    make_message(app)
    response = get(staff_client, path) if method == "GET" else post(path)
    assert response.status_code == 404
    assert audit_events(app, "contact.") == audit_events(app, "mail.") == []


def test_an_unknown_action_is_not_a_route(app: Flask, post: Post) -> None:
    reference = make_message(app)
    assert post(f"/admin/messages/{reference}/publish").status_code == 404


# --- handle, reopen, archive, unarchive ------------------------------------------------------


def assert_recent(moment: datetime | None) -> None:
    assert moment is not None and moment.tzinfo is not None
    assert timedelta(0) <= utcnow() - moment < timedelta(minutes=1)


def test_handle_and_reopen_from_the_message_page(
    app: Flask, staff_client: FlaskClient, staff: StaffMember, post: Post
) -> None:
    reference = make_message(app)
    response = post(f"/admin/messages/{reference}/handle")
    assert response.status_code == 303
    assert response.location == f"/admin/messages/{reference}"
    stored = message_row(app, reference)
    assert_recent(stored.handled_at)
    assert stored.archived_at is None
    page = get(staff_client, response.location).text
    assert f"Message {reference} is now: Handled." in page
    assert '<span class="badge badge--handled">Handled</span>' in page

    response = post(f"/admin/messages/{reference}/reopen")
    assert response.status_code == 303
    assert response.location == f"/admin/messages/{reference}"
    assert message_row(app, reference).handled_at is None
    assert f"Message {reference} is now: New." in get(staff_client, response.location).text

    assert audit_events(app, "contact.") == [
        (staff.id, "contact.handled", "contact_message", reference),
        (staff.id, "contact.reopened", "contact_message", reference),
    ]


def test_archive_and_unarchive_from_the_message_page(
    app: Flask, staff_client: FlaskClient, staff: StaffMember, post: Post
) -> None:
    reference = make_message(app, handled=True)
    response = post(f"/admin/messages/{reference}/archive")
    assert response.status_code == 303
    assert response.location == f"/admin/messages/{reference}"
    stored = message_row(app, reference)
    assert_recent(stored.archived_at)
    assert stored.handled_at is not None
    assert f"Message {reference} is now: Archived." in get(staff_client, response.location).text
    assert listed(get(staff_client, "/admin/messages")) == []
    assert listed(get(staff_client, "/admin/messages?status=archived")) == [reference]

    response = post(f"/admin/messages/{reference}/unarchive")
    assert response.status_code == 303
    assert message_row(app, reference).archived_at is None
    assert f"Message {reference} is now: Handled." in get(staff_client, response.location).text
    assert listed(get(staff_client, "/admin/messages?status=handled")) == [reference]

    assert audit_events(app, "contact.") == [
        (staff.id, "contact.archived", "contact_message", reference),
        (staff.id, "contact.unarchived", "contact_message", reference),
    ]


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/admin/messages?status=new&q=anna", "/admin/messages?status=new&q=anna"),
        ("//evil.example", None),
        ("https://evil.example/admin", None),
        ("/\\evil.example", None),
        ("javascript:alert(1)", None),
        ("", None),
    ],
)
def test_actions_go_back_to_a_safe_next_only(
    app: Flask, post: Post, next_url: str, expected: str | None
) -> None:
    reference = make_message(app)
    response = post(f"/admin/messages/{reference}/handle", {"next": next_url})
    assert response.status_code == 303
    assert response.location == (expected or f"/admin/messages/{reference}")
    assert message_row(app, reference).handled_at is not None


@pytest.mark.parametrize(
    ("action", "handled", "archived", "badge", "audit"),
    [
        ("handle", False, False, "handled", "contact.handled"),
        ("reopen", True, False, "new", "contact.reopened"),
        ("archive", True, False, "archived", "contact.archived"),
        ("unarchive", True, True, "handled", "contact.unarchived"),
    ],
)
def test_htmx_actions_return_the_updated_row(
    app: Flask,
    staff: StaffMember,
    post: Post,
    action: str,
    handled: bool,
    archived: bool,
    badge: str,
    audit: str,
) -> None:
    reference = make_message(app, "Rowena Row", handled=handled, archived=archived)
    response = post(f"/admin/messages/{reference}/{action}", {"next": "/admin/messages"}, **HTMX)
    assert response.status_code == 200
    fragment = response.text.strip()
    assert fragment.startswith(f'<tr id="message-{reference}">') and fragment.endswith("</tr>")
    assert "<html" not in fragment and "flashes" not in fragment
    assert f'<span class="badge badge--{badge}">' in fragment
    assert "Rowena Row" in fragment
    assert ("Mark handled" in fragment) is (badge == "new")
    stored = message_row(app, reference)
    assert stored.status.value == badge
    assert audit_events(app, "contact.") == [(staff.id, audit, "contact_message", reference)]


def test_handling_from_the_list_with_htmx_leaves_no_flash_behind(
    app: Flask, staff_client: FlaskClient, post: Post
) -> None:
    reference = make_message(app)
    assert post(f"/admin/messages/{reference}/handle", **HTMX).status_code == 200
    page = get(staff_client, "/admin/messages").text
    assert "is now:" not in page
    assert '<span class="badge badge--handled">Handled</span>' in page


def test_actions_need_the_csrf_token(app: Flask, staff_client: FlaskClient) -> None:
    reference = make_message(app)
    for path in (
        f"/admin/messages/{reference}/handle",
        f"/admin/messages/{reference}/archive",
        f"/admin/messages/{reference}/delete",
    ):
        assert staff_client.post(path, headers=EN).status_code == 400
    stored = message_row(app, reference)
    assert stored.handled_at is None and stored.archived_at is None
    assert audit_events(app, "contact.") == []


# --- delete ----------------------------------------------------------------------------------


def test_delete_removes_the_message_its_mail_and_a_client_left_without_messages(
    app: Flask, staff_client: FlaskClient, staff: StaffMember, post: Post
) -> None:
    reference = make_message(app, "Delia Delete", "delia@example.nl")
    keep = make_message(app, "Kees Keep", "kees@example.nl")
    assert count(app, Client) == 2 and count(app, OutboxMessage) == 4

    response = post(f"/admin/messages/{reference}/delete")
    assert response.status_code == 303
    assert response.location == "/admin/messages"
    assert message_row(app, reference) is None
    assert mails_about(app, reference) == []
    with app.app_context():
        assert db.session.scalars(sa.select(Client.email)).all() == ["kees@example.nl"]
    assert len(mails_about(app, keep)) == 2
    assert audit_events(app, "contact.") == [
        (staff.id, "contact.deleted", "contact_message", reference)
    ]
    page = get(staff_client, response.location).text
    assert f"Message {reference} is deleted." in page
    assert listed(get(staff_client, "/admin/messages")) == [keep]
    assert get(staff_client, f"/admin/messages/{reference}").status_code == 404


def test_delete_keeps_a_client_who_has_other_messages(app: Flask, post: Post) -> None:
    first = make_message(app, "Rita Repeat", "rita@example.nl", "First question.")
    second = make_message(app, "Rita Repeat", "RITA@example.nl", "Second question.")
    assert post(f"/admin/messages/{first}/delete").status_code == 303
    assert message_row(app, first) is None
    assert message_row(app, second).body == "Second question."
    assert len(mails_about(app, second)) == 2
    with app.app_context():
        assert db.session.scalars(sa.select(Client.email)).all() == ["rita@example.nl"]


def test_delete_with_htmx_redirects_the_whole_page(
    app: Flask, staff_client: FlaskClient, staff: StaffMember, post: Post
) -> None:
    reference = make_message(app)
    response = post(f"/admin/messages/{reference}/delete", **HTMX)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/admin/messages"
    assert response.text == ""
    assert count(app, ContactMessage) == count(app, OutboxMessage) == count(app, Client) == 0
    assert audit_events(app, "contact.") == [
        (staff.id, "contact.deleted", "contact_message", reference)
    ]
    assert f"Message {reference} is deleted." in get(staff_client, "/admin/messages").text


# --- retrying a dead letter ------------------------------------------------------------------


def test_retry_queues_a_dead_letter_again(
    app: Flask, staff_client: FlaskClient, staff: StaffMember, post: Post
) -> None:
    reference = make_message(app)
    dead, other = mails_about(app, reference)
    long_ago = utcnow() - timedelta(days=2)
    change_mail(
        app,
        dead.id,
        status=OutboxStatus.DEAD,
        attempts=5,
        last_error="550 no such user",
        next_attempt_at=long_ago,
    )

    response = post(f"/admin/mail/{dead.id}/retry")
    assert response.status_code == 303
    assert response.location == f"/admin/messages/{reference}"
    retried = next(mail for mail in mails_about(app, reference) if mail.id == dead.id)
    assert retried.status is OutboxStatus.QUEUED
    assert retried.attempts == 0
    assert_recent(retried.next_attempt_at)
    assert audit_events(app, "mail.") == [(staff.id, "mail.retried", "mail_outbox", str(dead.id))]
    page = get(staff_client, response.location).text
    assert "The email is queued again." in page
    assert f"/admin/mail/{dead.id}/retry" not in page

    # Now it is queued, not dead: a second retry (a double click) finds nothing to do.
    assert post(f"/admin/mail/{dead.id}/retry").status_code == 404
    assert post(f"/admin/mail/{other.id}/retry").status_code == 404
    assert len(audit_events(app, "mail.")) == 1


def test_retry_of_mail_about_no_message_goes_to_the_dashboard(
    app: Flask, staff: StaffMember, post: Post
) -> None:
    reference = make_message(app)
    dead = mails_about(app, reference)[0]
    change_mail(app, dead.id, status=OutboxStatus.DEAD, attempts=5, reference=None)
    response = post(f"/admin/mail/{dead.id}/retry")
    assert response.status_code == 303
    assert response.location == "/admin/"


@pytest.mark.parametrize("status", [OutboxStatus.SENT, OutboxStatus.SUPPRESSED])
def test_only_dead_letters_can_be_retried(app: Flask, post: Post, status: OutboxStatus) -> None:
    reference = make_message(app)
    mail = mails_about(app, reference)[0]
    change_mail(app, mail.id, status=status, attempts=1)
    assert post(f"/admin/mail/{mail.id}/retry").status_code == 404
    assert mails_about(app, reference)[0].status is status
    assert audit_events(app, "mail.") == []


# --- the audit trail holds no personal data ---------------------------------------------------


def test_no_personal_data_reaches_the_audit_log(app: Flask, staff: StaffMember, post: Post) -> None:
    name, email, body = "Xandra Privé", "xandra.prive@example.com", "Secret surprise party"
    reference = make_message(app, name, email, body)
    dead = mails_about(app, reference)[1]
    change_mail(app, dead.id, status=OutboxStatus.DEAD, attempts=5)
    for action in ("handle", "archive", "unarchive", "reopen"):
        assert post(f"/admin/messages/{reference}/{action}").status_code == 303
    assert post(f"/admin/mail/{dead.id}/retry").status_code == 303
    assert post(f"/admin/messages/{reference}/delete").status_code == 303

    events = audit_events(app, "contact.") + audit_events(app, "mail.")
    assert [action for _, action, _, _ in events] == [
        "contact.handled",
        "contact.archived",
        "contact.unarchived",
        "contact.reopened",
        "contact.deleted",
        "mail.retried",
    ]
    assert {staff_id for staff_id, _, _, _ in events} == {staff.id}
    with app.app_context():
        columns = [column.name for column in AuditEvent.__table__.columns]
        stored = db.session.execute(sa.select(AuditEvent.__table__)).all()
    everything = " ".join(str(value) for row in stored for value in row).casefold()
    for secret in (name, "xandra", "privé", email, "example.com", body, "surprise", "1234 5678"):
        assert secret.casefold() not in everything, (secret, columns)


def test_an_over_long_search_is_ignored_but_the_status_filter_kept(
    inbox: dict[str, str], staff_client: FlaskClient
) -> None:
    response = get(staff_client, "/admin/messages?status=handled&q=" + "x" * 101)
    assert listed(response) == [inbox["handled"]]
