"""``flask invoices create``: create, issue and (by default) email an invoice in one go."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from website.clients.models import Client
from website.extensions import db
from website.invoices.models import Installment, InstallmentKind, Invoice, InvoiceStatus
from website.mail.models import OutboxMessage


def create(runner: FlaskCliRunner, *args: str):
    return runner.invoke(args=["invoices", "create", *args])


def test_creates_issues_and_emails_and_prints_the_link_last(
    app: Flask, runner: FlaskCliRunner
) -> None:
    result = create(
        runner,
        "--client-email", "Anna@Example.nl",
        "--client-name", "Anna de Vries",
        "--language", "en",
        "--address", "Kerkstraat 1, Utrecht",
        "--line", "Family shoot;1;395;21",
        "--line", "Signed print;3;33,33;9%",
        "--delivery-date", "2026-12-10",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    link = result.output.strip().splitlines()[-1]
    assert link.startswith("http://127.0.0.1:5000/pay/")
    with app.app_context():
        invoice = db.session.scalars(sa.select(Invoice)).one()
        assert invoice.status is InvoiceStatus.ISSUED
        assert invoice.number in result.output
        assert invoice.client.email == "anna@example.nl"
        assert invoice.client.language == "en"
        assert [(line.quantity, line.unit_price, line.vat_rate) for line in invoice.lines] == [
            (Decimal("1"), Decimal("395.00"), Decimal("21")),
            (Decimal("3"), Decimal("33.33"), Decimal("9")),
        ]
        assert [part.kind for part in invoice.installments] == [
            InstallmentKind.DEPOSIT,
            InstallmentKind.BALANCE,
        ]
        mail = db.session.scalars(sa.select(OutboxMessage)).one()
        assert mail.kind == "invoices/invoice" and mail.holds_secret  # its link opens the invoice
        assert mail.recipient == "anna@example.nl"
        assert link in mail.text_body and link in mail.html_body
        assert invoice.number in mail.subject
    assert app.test_client().get(link.removeprefix("http://127.0.0.1:5000")).status_code == 200


def test_single_payment_without_email(app: Flask, runner: FlaskCliRunner) -> None:
    result = create(
        runner,
        "--client-email", "bob@example.nl",
        "--client-name", "Bob",
        "--address", "Dorpsstraat 2, Zwolle",
        "--line", "Headshots;2;75;21",
        "--deposit", "100",
        "--no-send",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    with app.app_context():
        invoice = db.session.scalars(sa.select(Invoice)).one()
        assert [(p.kind, p.amount) for p in invoice.installments] == [
            (InstallmentKind.SINGLE, Decimal("181.50"))
        ]
        assert db.session.scalars(sa.select(OutboxMessage)).all() == []


def test_an_existing_client_needs_no_name(app: Flask, runner: FlaskCliRunner) -> None:
    with app.app_context():
        db.session.add(
            Client(email="anna@example.nl", name="Anna", language="nl", address="Kerkstraat 1")
        )
        db.session.commit()
    result = create(runner, "--client-email", "anna@example.nl", "--line", "Shoot;1;100;21")
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalars(sa.select(Client.name)).all() == ["Anna"]


def test_refusals_store_nothing(app: Flask, runner: FlaskCliRunner) -> None:
    with app.app_context():
        db.session.add(Client(email="old@example.nl", name="Olga", language="nl"))
        db.session.commit()
    new_client = ["--client-email", "new@example.nl", "--client-name", "N", "--address", "Here 1"]
    cases = [
        (["--client-email", "not-an-email", "--client-name", "X", "--line", "a;1;1;21"], "@-sign"),
        (["--client-email", "new@example.nl", "--line", "Shoot;1;100;21"], "give --client-name"),
        (
            ["--client-email", "new@example.nl", "--client-name", "N", "--line", "Shoot;1;100;21"],
            "No postal address for new@example.nl yet: give --address",
        ),
        (
            ["--client-email", "new@example.nl", "--client-name", "N", "--address", "  ",
             "--line", "Shoot;1;100;21"],
            "give --address",
        ),
        (["--client-email", "old@example.nl", "--line", "Shoot;1;100;21"], "give --address"),
        ([*new_client, "--line", "Shoot;1;100"], "expected 'description"),
        ([*new_client, "--line", "Shoot;one;100;21"], "not a number"),
        ([*new_client, "--line", "Shoot;1;100;6"], "21%, 9% or 0%"),
        ([*new_client, "--line", "Shoot;1;nan;21"], "not a number"),
        ([*new_client, "--line", "Shoot;1.234;100;21"], "at most two decimals"),
        ([*new_client, "--line", "Shoot;1;99.999;21"], "at most two decimals"),
        ([*new_client, "--line", "Shoot;0;100;21"], "a quantity more than 0, up to 100,000"),
        ([*new_client, "--line", " ;1;100;21"], "Please describe the work"),
        ([*new_client, "--line", "Shoot;1e9;100;21"], "a quantity more than 0, up to 100,000"),
        ([*new_client, "--line", "Free;1;0;21"], "nothing to pay"),
        ([*new_client, "--line", "Cent;1;0.01;0", "--deposit", "50"], "part of zero"),
        ([*new_client, "--line", "Shoot;1;1;21", "--delivery-date", "9999-12-25"], "five years"),
        ([*new_client, "--client-name", "N" * 101, "--line", "Shoot;1;1;21"], "--client-name"),
        ([*new_client, "--vat-id", "123", "--line", "Shoot;1;1;21"], "starts with two letters"),
        (
            [*new_client, "--vat-id", "NL123456789B01", "--line", "Shoot;1;1;21"],
            "'NL123456789B01' is not a valid VAT number for its country",
        ),
    ]  # fmt: skip
    for args, message in cases:
        result = create(runner, *args)
        assert result.exit_code != 0, (args, result.output)
        assert "Traceback" not in result.output
        assert message in result.output, (args, result.output)
    with app.app_context():
        assert db.session.scalars(sa.select(Invoice)).all() == []
        # No client was made or changed
        clients = db.session.scalars(sa.select(Client)).all()
        assert [(c.email, c.name, c.address) for c in clients] == [("old@example.nl", "Olga", None)]


def test_a_private_client_pays_more_than_half_in_advance_only_when_agreed(
    app: Flask, runner: FlaskCliRunner
) -> None:
    person = ["--client-email", "p@example.nl", "--client-name", "P", "--address", "Here 1"]
    shoot = ["--line", "Shoot;1;100;21", "--deposit", "75", "--no-send"]

    refused = create(runner, *person, *shoot)
    assert refused.exit_code == 1 and "art. 7:26 BW" in refused.output
    with app.app_context():
        assert db.session.scalars(sa.select(Client)).all() == []

    business = create(
        runner, "--client-email", "b@example.nl", *person[2:], "--company", "B", *shoot
    )
    assert business.exit_code == 0, business.output
    agreed = create(runner, *person, *shoot, "--deposit-agreed")
    assert agreed.exit_code == 0, agreed.output
    with app.app_context():
        deposits = db.session.scalars(
            sa.select(Installment.amount).where(Installment.position == 1)
        ).all()
        assert deposits == [Decimal("90.75"), Decimal("90.75")]


def test_a_zero_rate_line_needs_its_reason(app: Flask, runner: FlaskCliRunner) -> None:
    person = ["--client-email", "p@example.nl", "--client-name", "P", "--address", "Here 1"]
    export = ["--line", "Licence;1;200;0", "--no-send"]

    refused = create(runner, *person, *export)
    assert refused.exit_code == 1 and "0% VAT needs the reason" in refused.output
    no_vat_id = create(runner, *person, *export, "--zero-rate-reason", "reverse_charge")
    assert no_vat_id.exit_code == 1 and "client's VAT number" in no_vat_id.output
    with app.app_context():
        assert db.session.scalars(sa.select(Invoice)).all() == []

    issued = create(runner, *person, *export, "--zero-rate-reason", "export")
    assert issued.exit_code == 0, issued.output
    with app.app_context():
        assert db.session.scalars(sa.select(Invoice)).one().zero_rate_reason.value == "export"


def test_a_refused_issue_leaves_an_existing_client_as_it_was(
    app: Flask, runner: FlaskCliRunner
) -> None:
    with app.app_context():
        db.session.add(
            Client(email="anna@example.nl", name="Anna", language="nl", address="Kerkstraat 1")
        )
        db.session.commit()
    result = create(
        runner,
        "--client-email", "anna@example.nl",
        "--client-name", "Someone Else",
        "--address", "Elsewhere 2",
        "--line", "Free;1;0;21",
    )  # fmt: skip
    assert result.exit_code == 1 and "nothing to pay" in result.output
    with app.app_context():
        client = db.session.scalars(sa.select(Client)).one()
        assert (client.name, client.address) == ("Anna", "Kerkstraat 1")
        assert db.session.scalars(sa.select(Invoice)).all() == []


def test_the_vat_number_is_stored_compact(app: Flask, runner: FlaskCliRunner) -> None:
    result = create(
        runner,
        "--client-email", "bram@example.nl",
        "--client-name", "Bram Jansen",
        "--address", "Dorpsstraat 2, Zwolle",
        "--company", "Jansen Events B.V.",
        "--vat-id", "nl 8547.91.346.b01",
        "--line", "Wedding film;1;1250;21",
        "--no-send",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    with app.app_context():
        invoice = db.session.scalars(sa.select(Invoice)).one()
        assert invoice.client.vat_id == invoice.client_vat_id == "NL854791346B01"
