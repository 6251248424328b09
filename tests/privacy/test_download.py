"""The download: one ZIP whose contents match the database, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
import json
import logging
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.privacy.helpers import KNOWN, make_client, post, sign_in
from tests.privacy.images import webp
from website.clients.models import Client
from website.consents.models import ConsentEvent
from website.contact.models import ContactMessage, ProductionKind
from website.contact.services import Submission, submit_message
from website.extensions import db
from website.invoices.models import Invoice, PayLink
from website.invoices.services import LineInput, create_draft, issue
from website.payments.services import record_bank_transfer, webhook_secret
from website.privacy.export import neutralise
from website.privacy.models import ProfilePhoto
from website.privacy.register import CATEGORIES

FORMULA = '=HYPERLINK("http://evil.example","click")'


def submission(email: str, message: str, newsletter: bool = False) -> Submission:
    return Submission(
        name="Anna de Vries",
        email=email,
        phone="+31 6 1234 5678",
        production_kind=ProductionKind.VIDEO,
        preferred_date=None,
        message=message,
        newsletter=newsletter,
        language="en",
    )


@pytest.fixture
def signed_in(app: Flask, client: FlaskClient, create_policy_version) -> FlaskClient:
    create_policy_version()
    with app.app_context():
        submit_message(submission(KNOWN, FORMULA, newsletter=True))
        submit_message(submission("other@example.nl", "Not Anna's message"))
        anna = db.session.scalar(sa.select(Client).where(Client.email == KNOWN))
        anna.address = "Kerkstraat 1\n1234 AB Utrecht"
        invoice = create_draft(
            anna, [LineInput("Wedding film", Decimal("1"), Decimal("1000.00"), Decimal("21"))]
        )
        issue(invoice, today=date(2026, 11, 2))
    sign_in(app, client)
    post(
        client,
        "/privacy-centre/profile",
        {"preferences": "@home, please", "interests": "-"},
        token_from="/privacy-centre/profile",
    )
    post(
        client,
        "/privacy-centre/profile/photos",
        {"photo": (io.BytesIO(webp()), "me.webp")},
        token_from="/privacy-centre/profile",
        content_type="multipart/form-data",
    )
    return client


def download(client: FlaskClient) -> zipfile.ZipFile:
    with post(client, "/privacy-centre/download", token_from="/privacy-centre/download") as answer:
        assert answer.status_code == 200
        assert answer.mimetype == "application/zip"
        assert answer.headers["Content-Disposition"].startswith("attachment; filename=")
        assert answer.headers["Cache-Control"] == "no-store"
        return zipfile.ZipFile(io.BytesIO(answer.data))


def read_csv(archive: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8"))))


def test_the_zip_holds_every_category_and_matches_the_database(
    app: Flask, signed_in: FlaskClient
) -> None:
    archive = download(signed_in)
    with app.app_context():
        message = db.session.scalar(
            sa.select(ContactMessage).where(ContactMessage.email_normalised == KNOWN)
        )
        consents = db.session.scalars(sa.select(ConsentEvent)).all()
        photo = db.session.scalar(sa.select(ProfilePhoto))
        photo_bytes = (
            app.config["PRIVACY_UPLOAD_FOLDER"] + "/photos/" + photo.file_name,
            photo.file_name,
        )
    names = set(archive.namelist())
    expected_csvs = {f"{c.key}.csv" for c in CATEGORIES if c.fields}
    assert names == {"README.txt", "data.json", f"photos/{photo_bytes[1]}", *expected_csvs}

    data = json.loads(archive.read("data.json"))
    assert data["email"] == KNOWN
    assert list(data["categories"]) == [category.key for category in CATEGORIES]
    categories = data["categories"]
    [stored_message] = categories["contact_messages"]["records"]
    assert stored_message["reference"] == message.reference
    assert stored_message["message"] == FORMULA, "data.json keeps the value as it is"
    assert stored_message["production_kind"] == "video"
    assert [r["purpose"] for r in categories["consents"]["records"]] == [
        event.purpose.value for event in consents
    ]
    [invoice] = categories["invoices"]["records"]
    assert invoice["total"] == "1210.00" and invoice["status"] == "issued"
    assert categories["profile"]["records"][0]["preferences"] == "@home, please"
    assert categories["photos"]["records"][0]["file"] == f"photos/{photo_bytes[1]}"
    assert categories["privacy_requests"]["records"] == []
    assert categories["invoices"]["about"]["retention"].startswith(
        "Kept 7 years after the end of the year the invoice was issued"
    )
    assert "Not Anna's message" not in archive.read("data.json").decode()
    stored_as = archive.getinfo(f"photos/{photo_bytes[1]}").compress_type
    assert stored_as == zipfile.ZIP_STORED, "already compressed"
    with open(photo_bytes[0], "rb") as stored_photo:
        assert archive.read(f"photos/{photo_bytes[1]}") == stored_photo.read()

    [row] = read_csv(archive, "contact_messages.csv")
    assert row["reference"] == message.reference
    assert row["message"] == "'" + FORMULA, "the spreadsheet shows it, never runs it"
    assert row["phone"] == "'+31 6 1234 5678"
    [profile] = read_csv(archive, "profile.csv")
    assert (profile["preferences"], profile["interests"]) == ("'@home, please", "'-")
    assert len(read_csv(archive, "consents.csv")) == len(consents)


def test_payments_are_in_the_invoices_without_their_secrets(
    app: Flask, signed_in: FlaskClient
) -> None:
    with app.app_context():
        invoice = db.session.scalar(sa.select(Invoice))
        attempt = record_bank_transfer(invoice.installments[0], staff_id=None)
        attempt.checkout_url = "https://checkout.example/secret-checkout"
        attempt.amount_charged_back = Decimal("12.50")
        db.session.add(PayLink(invoice=invoice, token_hash="f" * 64))
        db.session.commit()
        secrets = [
            attempt.idempotency_key,
            attempt.webhook_secret_hash,
            webhook_secret(attempt),
            "secret-checkout",
            "f" * 64,
        ]
        amount = f"{attempt.amount} EUR"
    archive = download(signed_in)
    [invoice_record] = json.loads(archive.read("data.json"))["categories"]["invoices"]["records"]
    assert invoice_record["payments"].startswith("deposit 1: ")
    assert f"{amount}, banktransfer, paid" in invoice_record["payments"]
    assert invoice_record["payments"].endswith(", charged back 12.50 EUR")
    assert invoice_record["payment_history"].endswith("created → paid (staff)")
    [row] = read_csv(archive, "invoices.csv")
    assert row["payments"] == invoice_record["payments"]
    everything = b"".join(archive.read(name) for name in archive.namelist()).decode(
        "utf-8", "ignore"
    )
    for secret in secrets:
        assert secret not in everything
    about = json.loads(archive.read("data.json"))["categories"]["invoices"]["about"]
    assert "Mollie B.V." in about["recipients"] and "Belastingdienst" in about["recipients"]
    panel = signed_in.get("/privacy-centre/data", headers={"Accept-Language": "en"}).text
    assert "Deposit, attempt 1, €605.00 by Bank transfer, status: Paid (<time" in panel
    assert "; charged back €12.50" in panel
    assert "Deposit, attempt 1: Being created → Paid (by staff) (<time" in panel


def test_the_readme_has_the_article_15_information_and_the_complaint_route(
    app: Flask, signed_in: FlaskClient
) -> None:
    readme = download(signed_in).read("README.txt").decode()
    with app.test_request_context(headers={"Accept-Language": "en"}):
        for category in CATEGORIES:
            for text in category.about().values():
                assert text in readme
    assert "Autoriteit Persoonsgegevens" in readme and "Postbus 93374" in readme
    assert app.config["PUBLIC_BASE_URL"] + "/privacy-centre" in readme


def test_the_readme_is_in_the_visitors_language(app: Flask, signed_in: FlaskClient) -> None:
    signed_in.set_cookie("language", "nl")
    readme = download(signed_in).read("README.txt").decode()
    assert "Facturen en betalingen" in readme and "Waarom" in readme


def test_a_long_history_is_exported_whole(app: Flask, client: FlaskClient) -> None:
    make_client(app)
    with app.app_context():
        client_id = db.session.scalar(sa.select(Client.id))
        for number in range(450):  # more than two fetch batches
            db.session.add(
                ContactMessage(
                    reference=f"C-TEST-{number:04d}",
                    name="Anna",
                    email=KNOWN,
                    email_normalised=KNOWN,
                    production_kind=ProductionKind.PHOTO,
                    body=f"Message {number}",
                    language="en",
                    client_id=client_id,
                )
            )
        db.session.commit()
    sign_in(app, client)
    archive = download(client)
    records = json.loads(archive.read("data.json"))["categories"]["contact_messages"]["records"]
    assert len(records) == 450
    assert len(read_csv(archive, "contact_messages.csv")) == 450


def test_a_missing_photo_file_is_left_out_and_said_so(
    app: Flask, signed_in: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    with app.app_context():
        photo = db.session.scalar(sa.select(ProfilePhoto))
        path = Path(app.config["PRIVACY_UPLOAD_FOLDER"]) / "photos" / photo.file_name
        photo_id, file_name = photo.id, photo.file_name
    path.unlink()
    with caplog.at_level(logging.ERROR):
        archive = download(signed_in)
    assert not [name for name in archive.namelist() if name.startswith("photos/")]
    readme = archive.read("README.txt").decode()
    assert "1 of your sample photos could not be included" in readme
    [row] = read_csv(archive, "photos.csv")
    assert row["file"] == f"photos/{file_name}", "its details are still there"
    lines = [record.getMessage() for record in caplog.records]
    assert f"Export: the file of photo {photo_id} is missing" in lines
    for line in lines:
        assert KNOWN not in line and file_name not in line and str(path) not in line


def test_only_a_verified_session_can_download(app: Flask, client: FlaskClient) -> None:
    client.get("/privacy-centre")
    response = post(client, "/privacy-centre/download")
    assert response.status_code == 303
    assert response.mimetype != "application/zip"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+31 6", "'+31 6"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain text", "plain text"),
        ("a=b", "a=b"),
        (None, ""),
        (-5, "'-5"),
        (Decimal("12.50"), "12.50"),
    ],
)
def test_formula_like_cells_are_neutralised(value: object, expected: str) -> None:
    assert neutralise(value) == expected
