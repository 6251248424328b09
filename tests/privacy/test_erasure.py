"""Erasure (Art. 17): the preview, the execution, and applying it again after a restore."""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner
from flask_migrate import upgrade
from werkzeug.datastructures import FileStorage

from tests.conftest import make_config
from tests.factories import make_issued_invoice
from tests.privacy.images import webp
from website import create_app
from website.addresses import email_hash
from website.admin.models import StaffMember
from website.audit.models import AuditEvent
from website.clients.models import Client
from website.clients.services import client_for
from website.clock import studio_today
from website.consents.models import ConsentAction, ConsentChannel, ConsentEvent, ConsentPurpose
from website.consents.services import record_consent
from website.contact.models import ContactMessage, ProductionKind
from website.extensions import db
from website.invoices.models import Invoice, InvoiceLine, InvoiceStatus, PayLink
from website.invoices.services import ClientErased, LineInput, create_draft, mail_client, send
from website.mail.models import OutboxMessage, Suppression
from website.mail.services import queue_mail
from website.privacy.erasure import erasure_preview, execute_erasure, reapply_erasures
from website.privacy.models import (
    ErasureRecord,
    PrivacyRequest,
    Profile,
    ProfilePhoto,
    RemovalRequest,
    RequestKind,
    RequestStatus,
    VerifiedSession,
)
from website.privacy.profile import add_photo, photo_path
from website.privacy.requests import RequestClosed, RequestError, file_request
from website.retention import run_rules

PERSON = "erase.me@example.nl"
OTHER = "stays@example.nl"


def hold_everything(email: str, name: str) -> None:
    """A client with messages (and their mail), an issued invoice and a draft, a profile and
    a photo, consents given, a verified session: every kind of data the studio keeps."""
    invoice, _token = make_issued_invoice(email=email, name=name, language="en")
    client = invoice.client
    create_draft(client, [LineInput("Prints", Decimal(1), Decimal(10), Decimal(21))])
    for number in (1, 2):
        message = ContactMessage(
            reference=f"C-{email[:4].upper()}-000{number}",
            name=name,
            email=email,
            email_normalised=email,
            production_kind=ProductionKind.PHOTO,
            body=f"Message {number} from {name}",
            language="en",
            client=client,
        )
        db.session.add(message)
        queue_mail(
            "contact/acknowledgement",
            to=email,
            subject="We received your message",
            language="en",
            reference=message.reference,
            contact_reference=message.reference,
        )
    db.session.add(Profile(email=email, preferences="Soft light", interests="Dunes"))
    db.session.add(VerifiedSession(token_hash=email_hash(email), email=email))
    for purpose in (ConsentPurpose.PORTFOLIO, ConsentPurpose.NEWSLETTER):
        record_consent(
            email,
            purpose,
            ConsentAction.GIVEN,
            channel=ConsentChannel.CONTACT_FORM,
            language="en",
            notice=None,
        )
    db.session.commit()
    add_photo(email, FileStorage(io.BytesIO(webp()), "sample.webp", content_type="image/webp"))


def erasure_request(email: str = PERSON) -> PrivacyRequest:
    return file_request(email, RequestKind.ERASURE, "", language="en")


def staff_id() -> int:
    member = StaffMember(email="desk@ivisualproductions.nl", password_hash="x")
    db.session.add(member)
    db.session.commit()
    return member.id


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


@pytest.mark.usefixtures("ctx")
class TestPreview:
    def test_it_says_per_category_what_goes_and_what_stays_until_when(self) -> None:
        hold_everything(PERSON, "Eva Erased")
        today = studio_today()
        outcomes = {o.key: o for o in erasure_preview(PERSON, today)}
        erased = {key for key, o in outcomes.items() if o.erased}
        kept = {key for key, o in outcomes.items() if not o.erased}
        assert erased == {
            "client",
            "contact_messages",
            "profile",
            "photos",
            "published",
            "mail",
            "privacy_centre_sessions",
        }
        assert kept == {"invoices", "consents", "marketing_objection", "backups"}
        assert outcomes["invoices"].until == date(today.year + 7, 12, 31)
        assert outcomes["invoices"].count == 1  # the draft is no invoice yet
        assert "art. 52" in outcomes["invoices"].why
        assert outcomes["consents"].until == today.replace(year=today.year + 5)
        assert outcomes["backups"].until == today + timedelta(days=30)
        assert "30 days" in outcomes["backups"].why
        assert (outcomes["contact_messages"].count, outcomes["mail"].count) == (2, 2)

    def test_someone_without_invoices_keeps_no_client_record(self) -> None:
        client_for(PERSON, "Eva", "en")
        db.session.commit()
        outcomes = {o.key: o for o in erasure_preview(PERSON)}
        assert outcomes["client"].erased and outcomes["client"].why == "Deleted."
        assert "invoices" not in outcomes and "published" not in outcomes


@pytest.mark.usefixtures("ctx")
class TestExecution:
    def test_it_erases_exactly_what_the_preview_said_and_keeps_the_rest(self) -> None:
        hold_everything(PERSON, "Eva Erased")
        hold_everything(OTHER, "Otto Other")
        request = erasure_request()
        [photo] = db.session.scalars(sa.select(ProfilePhoto).filter_by(email=PERSON)).all()
        photo_file = photo_path(photo)
        assert photo_file.exists()
        issued = db.session.scalar(
            sa.select(Invoice)
            .join(Client)
            .where(Client.email == PERSON, Invoice.status != InvoiceStatus.DRAFT)
        )
        issued_id, number = issued.id, issued.number

        erasure = execute_erasure(request, staff_id=staff_id())

        db.session.expire_all()
        # Gone: messages with their mail, the draft, the profile, the photo and its file,
        # the session; the client row holds nothing that names or reaches the person.
        assert not db.session.scalars(sa.select(ContactMessage).filter_by(email=PERSON)).all()
        assert not db.session.scalars(sa.select(Profile).filter_by(email=PERSON)).all()
        assert not db.session.scalars(sa.select(ProfilePhoto).filter_by(email=PERSON)).all()
        assert not photo_file.exists()
        assert not db.session.scalars(sa.select(VerifiedSession).filter_by(email=PERSON)).all()
        mails = db.session.scalars(sa.select(OutboxMessage.kind).where(
            sa.func.lower(OutboxMessage.recipient) == PERSON
        )).all()  # fmt: skip
        assert mails == ["privacy/request_answered"]  # only the answer to this request
        client = db.session.get(Client, issued.client_id)
        assert (client.email, client.name, client.address) == (
            f"erased-{client.id}@erased.invalid",
            "—",
            None,
        )
        assert client.erased_at is not None
        # Kept: the issued invoice as issued (its pay links revoked), the consent history
        # with today's withdrawals, a take-down for the portfolio, the suppression.
        kept = db.session.get(Invoice, issued_id)
        assert (kept.number, kept.client_name) == (number, "Eva Erased")
        assert kept.status is not InvoiceStatus.DRAFT
        assert db.session.scalars(sa.select(InvoiceLine).filter_by(invoice_id=issued_id)).all()
        assert all(
            link.revoked_at is not None
            for link in db.session.scalars(sa.select(PayLink).filter_by(invoice_id=issued_id))
        )
        assert [
            i.status
            for i in db.session.scalars(sa.select(Invoice).where(Invoice.client_id == client.id))
        ] == [kept.status]  # fmt: skip  (the draft is gone)
        events = db.session.scalars(
            sa.select(ConsentEvent).filter_by(email=PERSON).order_by(ConsentEvent.id)
        ).all()
        assert [(e.purpose, e.action) for e in events][-2:] == [
            (ConsentPurpose.PORTFOLIO, ConsentAction.WITHDRAWN),
            (ConsentPurpose.NEWSLETTER, ConsentAction.WITHDRAWN),
        ]
        removal = db.session.scalars(sa.select(RemovalRequest).filter_by(email=PERSON)).one()
        assert removal.purpose is ConsentPurpose.PORTFOLIO
        assert db.session.scalar(sa.select(Suppression).filter_by(email_hash=email_hash(PERSON)))
        # The request is answered; the record and the audit log hold ids only.
        stored = db.session.get(PrivacyRequest, request.id)
        assert stored.status is RequestStatus.COMPLETED
        audit = [
            (e.action, e.object_type, e.object_id)
            for e in db.session.scalars(sa.select(AuditEvent))
        ]
        assert ("privacy.erasure_executed", "privacy_erasure", str(erasure.id)) in audit
        for text in (erasure.steps, json.dumps(audit)):
            assert "@" not in text and "Eva" not in text and "erase.me" not in text
        # The other person is untouched.
        assert len(db.session.scalars(sa.select(ContactMessage).filter_by(email=OTHER)).all()) == 2
        assert (
            db.session.scalars(sa.select(Client).filter_by(email=OTHER)).one().name == "Otto Other"
        )
        assert db.session.scalars(sa.select(Profile).filter_by(email=OTHER)).one()

    def test_the_log_line_holds_tables_and_ids_only(self, app: Flask) -> None:
        hold_everything(PERSON, "Eva Erased")
        erasure = execute_erasure(erasure_request(), staff_id=staff_id())
        [line] = Path(app.config["ERASURE_LOG"]).read_text().splitlines()
        logged = json.loads(line)
        assert logged["erasure"] == erasure.id
        assert logged["steps"] == json.loads(erasure.steps)
        assert {table for table, _id, _action in logged["steps"]} >= {
            "client", "contact_message", "mail_outbox", "privacy_profile", "privacy_photo",
        }  # fmt: skip
        assert "@" not in line and "Eva" not in line

    def test_twice_is_refused_and_only_an_erasure_request_can_be_executed(self) -> None:
        hold_everything(PERSON, "Eva Erased")
        request = erasure_request()
        staff = staff_id()
        execute_erasure(request, staff_id=staff)
        with pytest.raises(RequestClosed):
            execute_erasure(request, staff_id=staff)
        complaint = file_request(OTHER, RequestKind.COMPLAINT, "Too slow.", language="en")
        with pytest.raises(RequestError, match="Only an erasure request"):
            execute_erasure(complaint, staff_id=staff)
        assert db.session.scalar(sa.select(sa.func.count(ErasureRecord.id))) == 1


# --- applying it again after a restore ------------------------------------------------------


def file_app(folder: Path, log: Path) -> Flask:
    """An app on a SQLite file of its own (so the test can copy it, as a backup is)."""
    folder.mkdir(exist_ok=True)
    return create_app(
        make_config(
            f"sqlite:///{folder / 'site.db'}",
            MAILDIR=str(folder / "mailbox"),
            PRIVACY_UPLOAD_FOLDER=str(folder / "uploads"),
            ERASURE_LOG=str(log),
        )
    )


def person_data(app: Flask) -> dict[str, Any]:
    """What the database holds of and for both people, leaving out what only the execution
    itself adds (the request's answer and its mail, the erasure record, the audit log) and
    the moments and ids that differ between two runs."""
    with app.app_context():
        rows = lambda query: sorted(tuple(r) for r in db.session.execute(query))  # noqa: E731
        data = {
            "clients": rows(sa.select(Client.email, Client.name, Client.address,
                                      Client.erased_at.is_(None))),
            "messages": rows(sa.select(ContactMessage.reference, ContactMessage.email)),
            "invoices": rows(sa.select(Invoice.id, Invoice.status, Invoice.client_name)),
            "links": rows(sa.select(PayLink.id, PayLink.revoked_at.is_(None))),
            "profiles": rows(sa.select(Profile.email)),
            "photos": rows(sa.select(ProfilePhoto.public_id, ProfilePhoto.email)),
            "sessions": rows(sa.select(VerifiedSession.email)),
            "consents": rows(sa.select(ConsentEvent.email, ConsentEvent.purpose,
                                       ConsentEvent.action, ConsentEvent.channel)),
            "removals": rows(sa.select(RemovalRequest.email, RemovalRequest.purpose)),
            "suppressed": rows(sa.select(Suppression.email_hash, Suppression.reason)),
            "mail": rows(sa.select(OutboxMessage.kind, OutboxMessage.recipient).where(
                OutboxMessage.kind != "privacy/request_answered")),
        }  # fmt: skip
        db.session.remove()
        db.engine.dispose()
        return data


def test_reapplying_to_a_backup_made_before_gives_the_same_result(tmp_path: Path) -> None:
    live, backup = tmp_path / "live", tmp_path / "backup"
    log = tmp_path / "erasures.jsonl"
    app = file_app(live, log)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        upgrade()
        hold_everything(PERSON, "Eva Erased")
        hold_everything(OTHER, "Otto Other")
        request_id = erasure_request().id
        staff = staff_id()
        db.session.remove()
        db.engine.dispose()
    shutil.copytree(live, backup)  # the backup: database and uploads, before the erasure

    with app.test_request_context(headers={"Accept-Language": "en"}):
        execute_erasure(db.session.get(PrivacyRequest, request_id), staff_id=staff)
    after_erasure = person_data(app)

    restored = file_app(backup, log)
    before = person_data(restored)
    assert before != after_erasure  # the backup still holds the person
    with restored.test_request_context(headers={"Accept-Language": "en"}):
        assert reapply_erasures() == 1
        assert reapply_erasures() == 0  # nothing of the person is left to redo
    assert person_data(restored) == after_erasure
    left = {path.stem for path in (backup / "uploads").rglob("*") if path.is_file()}
    assert left == {public_id for public_id, _email in after_erasure["photos"]}  # Otto's


def test_the_command_applies_the_log(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["privacy", "reapply-erasures"])
    assert result.exit_code == 0
    assert result.output == "0 erasure(s) applied again.\n"


@pytest.mark.usefixtures("ctx")
def test_an_erased_clients_invoice_is_kept_for_the_books_only() -> None:
    """No mail and no new pay link for it; the back office says why."""
    hold_everything(PERSON, "Eva Erased")
    execute_erasure(erasure_request(), staff_id=staff_id())
    invoice = db.session.scalars(
        sa.select(Invoice).where(
            Invoice.status != InvoiceStatus.DRAFT, Invoice.client_name == "Eva Erased"
        )
    ).one()
    mails_before = db.session.scalar(sa.select(sa.func.count(OutboxMessage.id)))
    with pytest.raises(ClientErased, match="kept for the books only"):
        send(invoice)
    mail_client(invoice, "payments/receipt", "Receipt")
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == mails_before
    assert not db.session.scalars(
        sa.select(PayLink).where(PayLink.invoice_id == invoice.id, PayLink.revoked_at.is_(None))
    ).all()


@pytest.mark.usefixtures("ctx")
def test_the_leftovers_go_when_their_periods_end() -> None:
    """The client row kept for the invoices goes at the first run after them; the consent
    history after its five years; the suppression stays for good."""
    hold_everything(PERSON, "Eva Erased")
    execute_erasure(erasure_request(), staff_id=staff_id())
    today = studio_today()
    assert run_rules(datetime(today.year + 8, 1, 2, 12, tzinfo=UTC))["invoices"] == 1
    run_rules(datetime(today.year + 8, 1, 3, 12, tzinfo=UTC))
    assert not db.session.scalars(sa.select(Client).where(Client.erased_at.is_not(None))).all()
    run_rules(datetime(today.year + 14, 1, 2, 12, tzinfo=UTC))
    assert not db.session.scalars(sa.select(ConsentEvent).filter_by(email=PERSON)).all()
    assert db.session.scalar(sa.select(Suppression).filter_by(email_hash=email_hash(PERSON)))
