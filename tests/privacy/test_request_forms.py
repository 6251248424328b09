"""The Requests panel: corrections, objections and complaints filed in the centre, and the
list of everything the person asked, with the dates we answer by."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from babel.dates import format_date
from flask import Flask
from flask.testing import FlaskClient

from tests.privacy.helpers import HTMX, KNOWN, make_client, post, sign_in
from website.admin.models import StaffMember
from website.clock import studio_today
from website.extensions import db
from website.mail.models import OutboxMessage
from website.privacy.models import PrivacyRequest, RequestChannel, RequestKind, RequestStatus
from website.privacy.register import legitimate_interests
from website.privacy.requests import complete, extend, file_request, months_after, refuse

PANEL = "/privacy-centre/requests"
KINDS = ["correction", "objection", "complaint"]
OTHER = "bram@example.nl"
TEXTS = {
    "correction": "The address on invoice 2026-0007 is old: it should be Kerkstraat 1, Utrecht.",
    "objection": "I am a journalist and would rather no records of my mail were kept.",
    "complaint": "You sent my photos to the print lab without asking.",
}


@pytest.fixture
def signed_in(app: Flask, client: FlaskClient) -> FlaskClient:
    make_client(app)
    sign_in(app, client)
    return client


def send(client: FlaskClient, kind: str, text: str, **kwargs):
    url = f"{PANEL}/{kind}"
    return post(client, url, {"details": text}, token_from=url, **kwargs)


def stored(app: Flask) -> list[PrivacyRequest]:
    with app.app_context():
        found = list(db.session.scalars(sa.select(PrivacyRequest).order_by(PrivacyRequest.id)))
        db.session.expunge_all()
        return found


def long_date(day: date) -> str:
    return format_date(day, "long", locale="en")


def staff(app: Flask) -> int:
    with app.app_context():
        member = StaffMember(email="desk@ivisualproductions.nl", password_hash="x")
        db.session.add(member)
        db.session.commit()
        return member.id


@pytest.mark.parametrize("url", [PANEL, *(f"{PANEL}/{kind}" for kind in KINDS)])
def test_without_a_verified_session_everything_leads_to_the_start(
    app: Flask, client: FlaskClient, url: str
) -> None:
    make_client(app)
    assert client.get(url).headers["Location"] == "/privacy-centre"
    if url != PANEL:
        response = post(client, url, {"details": "Please correct my name."})
        assert (response.status_code, response.headers["Location"]) == (303, "/privacy-centre")
        htmx = post(client, url, {"details": "Please correct my name."}, htmx=True)
        assert htmx.headers["HX-Redirect"] == "/privacy-centre"
    assert stored(app) == []


@pytest.mark.parametrize("kind", KINDS)
def test_each_form_files_its_kind_for_the_verified_address_only(
    app: Flask, signed_in: FlaskClient, kind: str
) -> None:
    make_client(app, OTHER, "Bram")
    response = send(signed_in, kind, f"  {TEXTS[kind]}\r\n")
    assert (response.status_code, response.headers["Location"]) == (303, PANEL)
    [request] = stored(app)
    assert request.kind is RequestKind(kind)
    assert request.details == TEXTS[kind], "trimmed, stored as written"
    assert (request.email, request.language) == (KNOWN, "en")
    assert request.channel is RequestChannel.PRIVACY_CENTRE
    assert request.status is RequestStatus.OPEN
    assert request.due_on == months_after(studio_today(), 1)

    page = signed_in.get(PANEL).text
    due = long_date(request.due_on)
    notice = re.search(r'<div class="flashes" role="status">(.*?)</div>', page, re.DOTALL)
    assert notice, "the confirmation is announced"
    assert f"Received: reference {request.reference}. We will answer by {due}" in notice.group(1)
    assert f"{request.kind.label} · {request.reference}" in page
    assert TEXTS[kind] in html.unescape(page)


def test_a_form_names_what_happens_next(signed_in: FlaskClient) -> None:
    for kind in KINDS:
        page = signed_in.get(f"{PANEL}/{kind}").text
        assert "Our staff answer within one month" in page
        assert f"by {long_date(months_after(studio_today(), 1))} at the latest" in page
        assert "we may take up to two more months" in page
        assert 'aria-current="true">Requests</a>' in page, "in the Requests part of the centre"


@pytest.mark.parametrize(
    ("kind", "text", "error"),
    [
        ("correction", "", "Please tell us what is wrong, and what it should be."),
        ("correction", "   \r\n ", "Please tell us what is wrong, and what it should be."),
        ("correction", "x" * 2001, "Please use at most 2000 characters."),
        ("correction", "Wrong name\x1b[31m", "Your message contains characters we cannot store."),
        ("objection", "", "Please tell us why you object."),
        ("objection", "y" * 2001, "Please use at most 2000 characters."),
        ("objection", "Because\x00", "Your message contains characters we cannot store."),
        ("complaint", "", "Please write your complaint."),
        ("complaint", "z" * 5001, "Please use at most 5000 characters."),
        ("complaint", "Bad\x7f", "Your message contains characters we cannot store."),
    ],
)
def test_bad_input_is_refused_inline_and_nothing_is_stored(
    app: Flask, signed_in: FlaskClient, kind: str, text: str, error: str
) -> None:
    response = send(signed_in, kind, text)
    if "\x00" in text:
        # A NUL byte never reaches a view: refused for every form (website/request_checks.py).
        assert response.status_code == 400
    else:
        assert response.status_code == 422
        assert '<p class="field__error" id="details-error">' + error in response.text
        assert 'aria-invalid="true"' in response.text
        assert "<!doctype html>" in response.text, "the whole page, without JavaScript"
    assert stored(app) == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 1, "the code"


def test_the_longest_allowed_text_is_stored(app: Flask, signed_in: FlaskClient) -> None:
    assert send(signed_in, "correction", "a" * 2000).status_code == 303
    assert send(signed_in, "complaint", "b" * 5000).status_code == 303
    assert [len(request.details) for request in stored(app)] == [2000, 5000]


def test_htmx_gets_the_panel_only(app: Flask, signed_in: FlaskClient) -> None:
    invalid = send(signed_in, "objection", "", htmx=True)
    assert invalid.status_code == 422
    assert invalid.text.startswith('<section id="privacy-panel"')
    assert "<html" not in invalid.text and "Please tell us why you object." in invalid.text

    form = signed_in.get(f"{PANEL}/objection", headers=HTMX)
    assert form.text.startswith('<section id="privacy-panel"') and "<html" not in form.text

    filed = send(signed_in, "objection", TEXTS["objection"], htmx=True)
    assert (filed.status_code, filed.text) == (204, "")
    assert json.loads(filed.headers["HX-Location"]) == {
        "path": PANEL,
        "target": "#privacy-panel",
        "swap": "outerHTML",
    }
    # htmx then fetches the panel in place: the new request, the confirmation, the title.
    headers = {**HTMX, "HX-Current-URL": "http://localhost/privacy-centre/requests/objection"}
    panel = signed_in.get(PANEL, headers=headers).text
    [request] = stored(app)
    assert panel.startswith('<section id="privacy-panel"')
    assert '<div class="flashes" role="status">' in panel
    assert f"Received: reference {request.reference}." in panel
    assert "<title>Requests · Privacy centre · iVisual Productions</title>" in panel


def test_a_double_submit_is_one_request_with_the_same_confirmation(
    app: Flask, signed_in: FlaskClient
) -> None:
    notices = []
    for _ in range(2):
        assert send(signed_in, "complaint", TEXTS["complaint"]).status_code == 303
        page = signed_in.get(PANEL).text
        notices.append(re.search(r"Received: reference [^<]+", page).group(0))
    [request] = stored(app)
    assert notices[0] == notices[1]
    assert request.reference in notices[0]
    with app.app_context():
        kinds = db.session.scalars(sa.select(OutboxMessage.kind)).all()
    assert kinds == ["privacy/code", "privacy/request_received"], "one acknowledgement"


def test_the_acknowledgement_holds_no_personal_data(app: Flask, signed_in: FlaskClient) -> None:
    send(signed_in, "correction", TEXTS["correction"])
    [request] = stored(app)
    with app.app_context():
        mail = db.session.scalar(
            sa.select(OutboxMessage).where(OutboxMessage.kind == "privacy/request_received")
        )
        assert mail.recipient == KNOWN
        assert request.reference in mail.subject
        for body in (mail.text_body, mail.html_body):
            assert request.reference in body
            assert long_date(request.due_on) in body
            for private in ("Kerkstraat", "2026-0007", "invoice", "Anna", KNOWN):
                assert private not in body


def test_the_panel_lists_every_request_newest_first_with_its_dates(
    app: Flask, signed_in: FlaskClient
) -> None:
    staff_id = staff(app)
    with app.app_context():
        answered = file_request(
            KNOWN,
            RequestKind.CORRECTION,
            "My phone number is wrong.",
            language="en",
            received_on=date(2026, 1, 31),
        )
        answered.received_at = datetime(2026, 1, 31, 9, tzinfo=UTC)
        db.session.commit()
        complete(answered, "We corrected your phone number.", staff_id=staff_id)
        answered.answered_at = datetime(2026, 2, 27, 23, 30, tzinfo=UTC)  # the 28th in Amsterdam
        db.session.commit()
        extended = file_request(
            KNOWN,
            RequestKind.ACCESS,
            "",
            language="en",
            channel=RequestChannel.EMAIL,
            received_on=date(2026, 3, 1),
        )
        extended.received_at = datetime(2026, 3, 1, 9, tzinfo=UTC)
        db.session.commit()
        reason = "We must ask our accountant."
        extend(extended, 2, reason, staff_id=staff_id, today=date(2026, 3, 5))
        refused = file_request(KNOWN, RequestKind.OBJECTION, "Stop it.", language="en")
        refuse(refused, "We need these records for our books.", staff_id=staff_id)
        expected = {
            "answered": (answered.reference, answered.received_on, answered.due_on),
            "extended": (extended.reference, extended.due_on, extended.extended_to),
            "refused": refused.reference,
        }
    page = html.unescape(signed_in.get(PANEL).text)
    headings = re.findall(r"<h4 id=\"request-[\w-]+\">([^<]+)</h4>", page)
    assert headings == [
        f"Objection to processing · {expected['refused']}",
        f"Access to your data · {expected['extended'][0]}",
        f"Correction · {expected['answered'][0]}",
    ]
    reference, received, due = expected["answered"]
    item = page[page.index(f"request-{reference}") :]
    assert "<dt>Status</dt><dd>Answered</dd>" in item
    assert f'<time datetime="2026-01-31">{long_date(received)}</time>' in item
    assert long_date(due) == "February 28, 2026"
    assert f'<dt>Answer due</dt><dd><time datetime="2026-02-28">{long_date(due)}' in item
    assert "<dt>Our answer</dt><dd>We corrected your phone number.</dd>" in item
    assert ">February 28, 2026</time></dd>" in item.split("Answered on", 1)[1], "Amsterdam's date"

    reference, first_due, extended_to = expected["extended"]
    item = page[page.index(f"request-{reference}") :].split("<h4", 1)[0]
    assert f"{long_date(extended_to)}</time> (extended from <time" in item
    assert f">{long_date(first_due)}</time>)" in item
    assert "<dt>Why we need more time</dt><dd>We must ask our accountant.</dd>" in item
    assert "What you wrote" not in item, "nothing written: nothing shown"
    assert "<dt>Status</dt><dd>Open</dd>" in item

    item = page[page.index(f"request-{expected['refused']}") :]
    assert "<dt>Status</dt><dd>Refused</dd>" in item
    assert "<dd>We need these records for our books.</dd>" in item


def test_another_persons_requests_are_never_shown(app: Flask, signed_in: FlaskClient) -> None:
    with app.app_context():
        theirs = file_request(OTHER, RequestKind.COMPLAINT, "Bram's own complaint.", language="nl")
        reference = theirs.reference
    page = html.unescape(signed_in.get(PANEL).text)
    assert reference not in page and "Bram" not in page
    assert "You have not sent us any requests or complaints." in page


def test_text_people_wrote_is_shown_escaped(app: Flask, signed_in: FlaskClient) -> None:
    send(signed_in, "complaint", '<script>alert("hi")</script> & more')
    page = signed_in.get(PANEL).text
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#34;hi&#34;)&lt;/script&gt; &amp; more" in page


def test_a_form_without_its_token_is_refused(app: Flask, signed_in: FlaskClient) -> None:
    response = signed_in.post(f"{PANEL}/complaint", data={"details": "No token."})
    assert response.status_code == 400
    assert stored(app) == []


def test_unknown_kinds_are_not_found(signed_in: FlaskClient) -> None:
    for kind in ("access", "not_me", "nonsense"):
        assert signed_in.get(f"{PANEL}/{kind}").status_code == 404


def test_the_objection_form_names_the_processing_one_may_object_to(
    signed_in: FlaskClient,
) -> None:
    page = html.unescape(signed_in.get(f"{PANEL}/objection").text)
    interests = legitimate_interests()
    assert [category.key for category in interests] == ["mail"]
    for category in interests:
        assert f"<strong>{category.title}</strong>: {category.purpose}" in page
    assert "Marketing email is different: you stop it at once" in page
    assert 'href="/privacy-centre/consents"' in page


@pytest.mark.parametrize(
    ("language", "url"),
    [
        ("nl", "https://autoriteitpersoonsgegevens.nl/nl/zelf-doen/gebruik-uw-privacyrechten/klacht-indienen-bij-de-ap"),
        ("en", "https://autoriteitpersoonsgegevens.nl/en/submitting-a-tip-off-or-a-complaint-to-the-dutch-dpa"),
    ],
)  # fmt: skip
def test_the_complaint_form_keeps_the_way_to_the_authority_open(
    signed_in: FlaskClient, language: str, url: str
) -> None:
    signed_in.set_cookie("language", language)
    page = html.unescape(signed_in.get(f"{PANEL}/complaint").text)
    assert f'<a href="{url}" hreflang="{language}">' in page
    assert "Postbus 93374, 2509 AJ Den Haag" in page and "088 1805 250" in page
    if language == "en":
        assert "in addition to, not instead of, your right to complain" in page
    else:
        assert "komt naast, niet in plaats van, uw recht om een klacht in te dienen" in page


def test_the_correction_form_says_issued_invoices_are_corrected_not_changed(
    signed_in: FlaskClient,
) -> None:
    page = signed_in.get(f"{PANEL}/correction").text
    assert "Invoices we have issued are never changed afterwards" in page
    assert "credit note" in page
    assert 'href="/privacy-centre/profile"' in page


class TestRateLimit:
    @pytest.fixture
    def app_config(self) -> dict[str, object]:
        return {"DEFAULT_LANGUAGE": "en", "PRIVACY_RATE_LIMIT_IP": "3 per minute"}

    def test_filed_requests_count_per_ip_and_the_text_is_kept(
        self, app: Flask, signed_in: FlaskClient
    ) -> None:
        for _ in range(2):
            assert send(signed_in, "correction", "").status_code == 422, "errors cost nothing"
        for kind in KINDS:  # one budget for the three forms together
            assert send(signed_in, kind, TEXTS[kind]).status_code == 303
        refused = send(signed_in, "complaint", "One complaint too many.")
        assert refused.status_code == 429
        assert "You have sent several requests in a short time." in refused.text
        assert "One complaint too many.</textarea>" in refused.text
        assert len(stored(app)) == 3
        elsewhere = send(signed_in, "complaint", "From elsewhere.", remote_addr="10.0.0.8")
        assert elsewhere.status_code == 303
