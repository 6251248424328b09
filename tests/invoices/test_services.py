"""Drafting and issuing invoices: totals per VAT rate, the schedule, numbers, immutability."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_babel import force_locale

from tests.conftest import postgres_app_for
from website.audit.models import AuditEvent
from website.clients.models import Client
from website.extensions import db
from website.invoices.models import (
    Installment,
    InstallmentKind,
    Invoice,
    InvoiceCounter,
    InvoiceLine,
    InvoiceStatus,
    IssuedInvoiceImmutable,
    PayLink,
    ZeroRateReason,
)
from website.invoices.services import (
    DepositNeedsAgreement,
    InvoiceError,
    InvoiceNotDraft,
    LineInput,
    create_draft,
    delete_draft,
    issue,
    overdue_installments,
    record_delivery,
    update_draft,
)
from website.mail.models import OutboxMessage

TODAY = date(2026, 11, 25)
SHOOT = LineInput("Family shoot, 2 hours", Decimal("1"), Decimal("395.00"), Decimal("21"))
PRINTS = LineInput("Signed art print, numbered 1/10", Decimal("3"), Decimal("33.33"), Decimal("9"))


def a_client() -> Client:
    client = Client(
        email="anna@example.nl", name="Anna de Vries", language="nl", address="Kerkstraat 1"
    )
    db.session.add(client)
    db.session.commit()
    return client


@pytest.mark.usefixtures("app_context")
class TestDrafts:
    def test_totals_per_vat_rate(self) -> None:
        invoice = create_draft(a_client(), [SHOOT, PRINTS])
        groups = [(g.rate, g.net, g.vat) for g in invoice.vat_groups]
        assert groups == [
            (Decimal("21"), Decimal("395.00"), Decimal("82.95")),
            (Decimal("9"), Decimal("99.99"), Decimal("9.00")),
        ]
        assert invoice.net_total == Decimal("494.99")
        assert invoice.vat_total == Decimal("91.95")
        assert invoice.total == Decimal("586.94")
        assert invoice.status is InvoiceStatus.DRAFT and invoice.number is None

    def test_amounts_come_back_from_the_database_exactly(self) -> None:
        invoice_id = create_draft(a_client(), [PRINTS]).id
        db.session.expire_all()
        line = db.session.get(Invoice, invoice_id).lines[0]
        assert (line.quantity, line.unit_price, line.vat_rate) == (
            Decimal("3.00"),
            Decimal("33.33"),
            Decimal("9.00"),
        )

    @pytest.mark.parametrize(
        ("line", "message"),
        [
            (LineInput(" ", Decimal("1"), Decimal("1"), Decimal("21")), "describe the work"),
            (LineInput("x", Decimal("0"), Decimal("1"), Decimal("21")), "more than 0"),
            (LineInput("x", Decimal("100000.01"), Decimal("1"), Decimal("21")), "up to 100,000"),
            (LineInput("x", Decimal("1"), Decimal("1000000"), Decimal("21")), "1,000,000"),
            (LineInput("x" * 201, Decimal("1"), Decimal("1"), Decimal("21")), "at most 200"),
            (LineInput("x", Decimal("1.234"), Decimal("1"), Decimal("21")), "two decimals"),
            (LineInput("x", Decimal("1"), Decimal("-1"), Decimal("21")), "from 0 up to"),
            (LineInput("x", Decimal("1"), Decimal("1"), Decimal("6")), "21%, 9% or 0%"),
        ],
    )
    def test_bad_lines_are_refused(self, line: LineInput, message: str) -> None:
        with force_locale("en"), pytest.raises(InvoiceError, match=message):
            create_draft(a_client(), [line])
        assert db.session.scalars(sa.select(Invoice)).all() == []

    def test_an_invoice_has_at_most_forty_lines(self) -> None:
        forty = [PRINTS] * 40
        invoice = create_draft(a_client(), forty)
        with force_locale("en"), pytest.raises(InvoiceError, match="at most 40 lines"):
            update_draft(invoice, invoice.client, [*forty, PRINTS])
        with force_locale("en"), pytest.raises(InvoiceError, match="at most 40 lines"):
            create_draft(invoice.client, [*forty, PRINTS])
        assert [len(invoice.lines) for invoice in db.session.scalars(sa.select(Invoice))] == [40]


@pytest.mark.usefixtures("app_context")
class TestIssuing:
    def test_half_on_issue_and_the_rest_fourteen_days_after_delivery(self) -> None:
        invoice = create_draft(a_client(), [SHOOT, PRINTS], delivery_date=date(2026, 12, 10))
        issue(invoice, TODAY, staff_id=None)
        assert invoice.number == "2026-0001" and invoice.issued_on == TODAY
        deposit, balance = invoice.installments
        assert (deposit.kind, deposit.amount, deposit.due_on) == (
            InstallmentKind.DEPOSIT,
            Decimal("293.47"),
            TODAY,
        )
        assert (balance.kind, balance.amount, balance.due_on) == (
            InstallmentKind.BALANCE,
            Decimal("293.47"),
            date(2026, 12, 24),
        )
        assert deposit.amount + balance.amount == invoice.total
        assert db.session.scalar(sa.select(AuditEvent.object_id)) == "2026-0001"

    def test_an_odd_cent_goes_to_the_deposit(self) -> None:
        invoice = create_draft(
            a_client(), [LineInput("x", Decimal("1"), Decimal("1.00"), Decimal("21"))]
        )
        issue(invoice, TODAY)
        assert invoice.total == Decimal("1.21")
        # the deposit is half the total rounded half up (0.605 -> 0.61); the balance the rest
        assert [i.amount for i in invoice.installments] == [Decimal("0.61"), Decimal("0.60")]

    def test_a_single_payment(self) -> None:
        invoice = issue(create_draft(a_client(), [SHOOT]), TODAY, deposit_percent=100)
        [single] = invoice.installments
        assert (single.kind, single.amount, single.due_on) == (
            InstallmentKind.SINGLE,
            Decimal("477.95"),
            date(2026, 12, 9),
        )

    def test_numbers_follow_each_other_and_restart_each_year(self) -> None:
        client = a_client()
        numbers = [issue(create_draft(client, [SHOOT]), TODAY).number for _ in range(3)]
        assert numbers == ["2026-0001", "2026-0002", "2026-0003"]
        assert issue(create_draft(client, [SHOOT]), date(2027, 1, 2)).number == "2027-0001"

    def test_an_issued_invoice_never_changes(self) -> None:
        invoice = issue(create_draft(a_client(), [SHOOT]), TODAY)
        with pytest.raises(InvoiceError, match="already issued"):
            issue(invoice, TODAY)
        invoice.lines[0].unit_price = Decimal("1.00")
        with pytest.raises(IssuedInvoiceImmutable):
            db.session.commit()
        db.session.rollback()
        invoice.delivery_date = date(2027, 1, 1)
        with pytest.raises(IssuedInvoiceImmutable):
            db.session.commit()
        db.session.rollback()
        invoice.status = InvoiceStatus.PAID  # the status may move on
        db.session.commit()

    def test_the_client_is_billed_as_they_were_on_the_day_of_issue(self) -> None:
        client = a_client()
        client.address, client.company_name, client.vat_id = "Kerkstraat 1", "Atelier", "NL1B01"
        invoice = issue(create_draft(client, [SHOOT]), TODAY)
        client.name, client.address, client.company_name = "Someone else", "Elsewhere 2", None
        db.session.commit()
        billed = invoice.billed_to
        assert (billed.name, billed.address, billed.company, billed.vat_id) == (
            "Anna de Vries",
            "Kerkstraat 1",
            "Atelier",
            "NL1B01",
        )
        invoice.client_name = "Changed"
        with pytest.raises(IssuedInvoiceImmutable):
            db.session.commit()
        db.session.rollback()

    def test_the_studio_is_shown_as_it_was_on_the_day_of_issue(self, app: Flask) -> None:
        client = a_client()
        draft = create_draft(client, [SHOOT])
        issued = issue(create_draft(client, [SHOOT]), TODAY)
        app.config["STUDIO_ADDRESS"] = "Nieuwe Gracht 5, 2011 AA Haarlem"
        app.config["STUDIO_IBAN"] = "NL02RABO0123456789"
        assert issued.issued_by.address == "Voorbeeldstraat 1, 1234 AB Amsterdam"
        assert issued.issued_by.iban == "NL91ABNA0417164300"
        assert draft.issued_by.address == "Nieuwe Gracht 5, 2011 AA Haarlem"
        issued.studio_kvk = "99999999"
        with pytest.raises(IssuedInvoiceImmutable):
            db.session.commit()
        db.session.rollback()

    @pytest.mark.parametrize(
        ("unit_price", "deposit", "message"),
        [
            ("0.00", 50, "zero"),
            ("0.01", 50, "part of zero"),  # €0.01 + VAT: half rounds to €0.01 and €0.00
            ("1.00", 0, None),
        ],
    )
    def test_nothing_of_zero_is_issued(self, unit_price: str, deposit: int, message: str) -> None:
        line = LineInput("Test", Decimal("1"), Decimal(unit_price), Decimal("0"))
        invoice = create_draft(a_client(), [line], zero_rate_reason=ZeroRateReason.EXEMPT)
        if message is None:
            assert issue(invoice, TODAY, deposit_percent=deposit).number == "2026-0001"
            return
        with pytest.raises(InvoiceError, match=message):
            issue(invoice, TODAY, deposit_percent=deposit)
        db.session.rollback()
        assert db.session.get(Invoice, invoice.id).status is InvoiceStatus.DRAFT


@pytest.mark.usefixtures("app_context")
class TestZeroRate:
    """A line at 0% VAT: the invoice says why (art. 35a Wet OB)."""

    EXPORT_FILM = LineInput("Film for Canada", Decimal("1"), Decimal("800"), Decimal("0"))

    def test_the_reason_is_needed_to_issue(self) -> None:
        invoice = create_draft(a_client(), [SHOOT, self.EXPORT_FILM])
        assert invoice.has_zero_rate and invoice.zero_rate_note is None
        with pytest.raises(InvoiceError, match="0% VAT needs the reason"):
            issue(invoice, TODAY)
        db.session.rollback()
        assert db.session.get(Invoice, invoice.id).status is InvoiceStatus.DRAFT

    @pytest.mark.parametrize(
        ("reason", "note"),
        [
            (ZeroRateReason.EXPORT, "VAT 0%: export outside the EU."),
            (ZeroRateReason.EXEMPT, "Exempt from VAT."),
        ],
    )
    def test_the_invoice_states_the_reason(self, reason: ZeroRateReason, note: str) -> None:
        invoice = create_draft(a_client(), [self.EXPORT_FILM], zero_rate_reason=reason)
        issue(invoice, TODAY, deposit_percent=100)
        db.session.expire_all()
        stored = db.session.get(Invoice, invoice.id)
        assert stored.zero_rate_reason is reason
        with force_locale("en"):
            assert str(stored.zero_rate_note) == note

    def test_reverse_charge_needs_the_clients_vat_number(self) -> None:
        client = a_client()
        lines = [self.EXPORT_FILM]
        invoice = create_draft(client, lines, zero_rate_reason=ZeroRateReason.REVERSE_CHARGE)
        with pytest.raises(InvoiceError, match="client's VAT number"):
            issue(invoice, TODAY)
        db.session.rollback()
        client = db.session.get(Client, client.id)
        client.vat_id = "DE123456789"
        invoice = db.session.get(Invoice, invoice.id)
        assert issue(invoice, TODAY).number == "2026-0001"

    def test_no_reason_is_kept_without_a_zero_rate_line(self) -> None:
        invoice = create_draft(a_client(), [SHOOT], zero_rate_reason=ZeroRateReason.EXPORT)
        assert invoice.zero_rate_reason is None and invoice.zero_rate_note is None

    def test_the_reason_is_fixed_once_issued(self) -> None:
        export = ZeroRateReason.EXPORT
        invoice = create_draft(a_client(), [self.EXPORT_FILM], zero_rate_reason=export)
        issue(invoice, TODAY)
        invoice.zero_rate_reason = ZeroRateReason.EXEMPT
        with pytest.raises(IssuedInvoiceImmutable):
            db.session.commit()
        db.session.rollback()


@pytest.mark.usefixtures("app_context")
class TestConsumerDeposit:
    """A private client pays at most half in advance unless agreed (art. 7:26 lid 2 BW)."""

    @pytest.mark.parametrize(
        ("deposit", "amount"), [(51, "243.75"), (75, "358.46"), (99, "473.17")]
    )
    def test_more_than_half_needs_their_agreement(self, deposit: int, amount: str) -> None:
        invoice = create_draft(a_client(), [SHOOT])
        with pytest.raises(DepositNeedsAgreement, match="7:26"):
            issue(invoice, TODAY, deposit_percent=deposit)
        db.session.rollback()
        assert db.session.get(Invoice, invoice.id).status is InvoiceStatus.DRAFT

        issue(invoice, TODAY, deposit_percent=deposit, staff_id=None, deposit_agreed=True)
        assert invoice.installments[0].amount == Decimal(amount)
        actions = db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
        assert actions == ["invoice.issued", "invoice.deposit_agreed"]

    @pytest.mark.parametrize("deposit", [0, 30, 50, 100])
    def test_half_or_less_or_one_payment_needs_nothing(self, deposit: int) -> None:
        issue(create_draft(a_client(), [SHOOT]), TODAY, deposit_percent=deposit)
        actions = db.session.scalars(sa.select(AuditEvent.action)).all()
        assert actions == ["invoice.issued"]

    @pytest.mark.parametrize(("field", "value"), [("company_name", "Bakkerij"), ("vat_id", "NL1")])
    def test_a_business_may_be_asked_for_more(self, field: str, value: str) -> None:
        client = a_client()
        setattr(client, field, value)
        invoice = issue(create_draft(client, [SHOOT]), TODAY, deposit_percent=75)
        assert invoice.installments[0].amount == Decimal("358.46")


@pytest.mark.usefixtures("app_context")
class TestAfterIssue:
    """What stays fixed once an invoice is issued, and what may still change."""

    def test_the_schedule_keeps_its_amounts_kinds_and_positions(self) -> None:
        invoice = issue(create_draft(a_client(), [SHOOT]), TODAY)
        for name, value in (
            ("amount", Decimal("1.00")),
            ("kind", InstallmentKind.SINGLE),
            ("position", 3),
        ):
            setattr(invoice.installments[0], name, value)
            with pytest.raises(IssuedInvoiceImmutable, match=name):
                db.session.commit()
            db.session.rollback()
        assert [p.amount for p in invoice.installments] == [Decimal("238.98"), Decimal("238.97")]

    def test_due_dates_and_payments_still_change(self) -> None:
        invoice = issue(create_draft(a_client(), [SHOOT]), TODAY)
        deposit, balance = invoice.installments
        balance.due_on = date(2026, 12, 24)
        deposit.paid_at = datetime(2026, 11, 26, tzinfo=UTC)
        db.session.commit()
        db.session.expire_all()
        assert (balance.due_on, deposit.is_paid) == (date(2026, 12, 24), True)

    def test_the_schedule_is_not_replaced_or_added_to(self) -> None:
        invoice = issue(create_draft(a_client(), [SHOOT]), TODAY)
        invoice.installments = [
            Installment(position=1, kind=InstallmentKind.SINGLE, amount=invoice.total)
        ]
        with pytest.raises(IssuedInvoiceImmutable, match="schedule"):
            db.session.commit()
        db.session.rollback()
        db.session.add(
            Installment(invoice_id=invoice.id, position=3, kind=InstallmentKind.SINGLE, amount=1)
        )
        with pytest.raises(IssuedInvoiceImmutable, match="schedule"):
            db.session.commit()
        db.session.rollback()
        db.session.delete(invoice.installments[1])
        with pytest.raises(IssuedInvoiceImmutable, match="schedule"):
            db.session.commit()
        db.session.rollback()
        assert len(db.session.scalars(sa.select(Installment)).all()) == 2

    def test_an_issued_invoice_never_goes_back_to_draft(self) -> None:
        invoice = issue(create_draft(a_client(), [SHOOT]), TODAY)
        invoice.status = InvoiceStatus.DRAFT
        with pytest.raises(IssuedInvoiceImmutable, match="from issued to draft"):
            db.session.commit()
        db.session.rollback()
        invoice.status = InvoiceStatus.PAID
        db.session.commit()
        invoice.status = InvoiceStatus.ISSUED  # a chargeback reopens it
        db.session.commit()
        invoice.status = InvoiceStatus.PAID
        db.session.commit()
        invoice.status = InvoiceStatus.DRAFT
        with pytest.raises(IssuedInvoiceImmutable, match="from paid to draft"):
            db.session.commit()
        db.session.rollback()

    def test_an_issued_invoice_is_not_deleted_through_the_models(self) -> None:
        invoice = issue(create_draft(a_client(), [SHOOT]), TODAY)
        db.session.delete(invoice)
        with pytest.raises(IssuedInvoiceImmutable):
            db.session.commit()
        db.session.rollback()
        assert db.session.scalars(sa.select(Invoice.number)).all() == ["2026-0001"]
        assert len(db.session.scalars(sa.select(InvoiceLine)).all()) == 1

    def test_a_draft_can_still_be_deleted_and_its_lines_replaced(self) -> None:
        client = a_client()
        draft = create_draft(client, [SHOOT, PRINTS])
        update_draft(draft, client, [PRINTS, SHOOT])
        assert [line.description for line in draft.lines] == [PRINTS.description, SHOOT.description]
        delete_draft(draft)
        assert db.session.scalars(sa.select(Invoice)).all() == []


class TestStaleRequests:
    """Two requests at once: the second loaded the invoice before the first issued it.

    Each app context has a session of its own, like two requests.
    """

    def _draft_and_a_stale_copy(self, app: Flask) -> tuple[int, Invoice]:
        invoice_id = create_draft(a_client(), [SHOOT]).id
        stale = db.session.get(Invoice, invoice_id)
        assert stale.status is InvoiceStatus.DRAFT and len(stale.lines) == 1
        with app.app_context():  # the other request issues it meanwhile
            issue(db.session.get(Invoice, invoice_id), TODAY)
        return invoice_id, stale

    def _stored(self, app: Flask, invoice_id: int) -> tuple:
        with app.app_context():
            invoice = db.session.get(Invoice, invoice_id)
            return (
                invoice.number if invoice else None,
                [(line.description, line.unit_price) for line in invoice.lines] if invoice else [],
                [(part.kind, part.amount) for part in invoice.installments] if invoice else [],
                db.session.scalar(sa.select(InvoiceCounter.last_number)),
            )

    def test_issuing_twice_gives_one_number_and_one_schedule(self, app: Flask) -> None:
        with app.app_context():
            invoice_id, stale = self._draft_and_a_stale_copy(app)
            with pytest.raises(InvoiceNotDraft, match="already issued"):
                issue(stale, TODAY)
        assert self._stored(app, invoice_id) == (
            "2026-0001",
            [(SHOOT.description, Decimal("395.00"))],
            [
                (InstallmentKind.DEPOSIT, Decimal("238.98")),
                (InstallmentKind.BALANCE, Decimal("238.97")),
            ],
            1,
        )

    def test_a_stale_save_does_not_replace_the_issued_lines(self, app: Flask) -> None:
        with app.app_context():
            invoice_id, stale = self._draft_and_a_stale_copy(app)
            before = self._stored(app, invoice_id)
            with pytest.raises(InvoiceNotDraft, match="can no longer change"):
                update_draft(stale, stale.client, [PRINTS], staff_id=None)
        assert self._stored(app, invoice_id) == before

    def test_a_stale_delete_keeps_the_issued_invoice(self, app: Flask) -> None:
        with app.app_context():
            invoice_id, stale = self._draft_and_a_stale_copy(app)
            before = self._stored(app, invoice_id)
            with pytest.raises(InvoiceNotDraft, match="cannot be deleted"):
                delete_draft(stale)
        assert self._stored(app, invoice_id) == before
        with app.app_context():
            assert db.session.scalars(sa.select(AuditEvent.action)).all() == ["invoice.issued"]

    @pytest.mark.parametrize(
        "change",
        [
            lambda stale: setattr(stale, "delivery_date", date(2027, 1, 1)),
            lambda stale: setattr(
                stale,
                "lines",
                [
                    InvoiceLine(
                        position=1,
                        description="x",
                        quantity=Decimal(1),
                        unit_price=Decimal(1),
                        vat_rate=Decimal(21),
                    )
                ],
            ),
            lambda stale: db.session.delete(stale),
        ],
        ids=["field", "lines", "delete"],
    )
    def test_the_models_check_what_is_stored_not_what_was_loaded(self, app: Flask, change) -> None:
        with app.app_context():
            invoice_id, stale = self._draft_and_a_stale_copy(app)
            before = self._stored(app, invoice_id)
            change(stale)
            with pytest.raises(IssuedInvoiceImmutable):
                db.session.commit()
            db.session.rollback()
        assert self._stored(app, invoice_id) == before


@pytest.fixture
def postgres_app(tmp_path: Path) -> Iterator[Flask]:
    with postgres_app_for("invoices", tmp_path) as app:
        yield app


def test_numbers_stay_gapless_when_issued_at_once(postgres_app: Flask) -> None:
    with postgres_app.app_context():
        client = a_client()
        drafts = [create_draft(client, [SHOOT]).id for _ in range(12)]
    all_loaded = threading.Barrier(len(drafts))
    errors: list[BaseException] = []

    def issue_one(invoice_id: int) -> None:
        with postgres_app.app_context():
            try:
                invoice = db.session.get(Invoice, invoice_id)
                all_loaded.wait(timeout=10)
                issue(invoice, TODAY)
            except BaseException as error:  # reported below, a thread cannot raise into the test
                errors.append(error)

    threads = [threading.Thread(target=issue_one, args=(draft,)) for draft in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with postgres_app.app_context():
        numbers = sorted(db.session.scalars(sa.select(Invoice.number)))
    assert numbers == [f"2026-{n:04d}" for n in range(1, 13)]


def test_a_double_click_on_issue_gives_one_number_and_one_schedule(postgres_app: Flask) -> None:
    with postgres_app.app_context():
        invoice_id = create_draft(a_client(), [SHOOT]).id
    both_loaded = threading.Barrier(2)
    errors: list[BaseException] = []

    def click_issue() -> None:
        with postgres_app.app_context():
            try:
                invoice = db.session.get(Invoice, invoice_id)
                assert invoice.status is InvoiceStatus.DRAFT
                both_loaded.wait(timeout=10)
                issue(invoice, TODAY)
            except BaseException as error:  # reported below, a thread cannot raise into the test
                errors.append(error)

    threads = [threading.Thread(target=click_issue) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [type(error) for error in errors] == [InvoiceNotDraft]
    with postgres_app.app_context():
        invoice = db.session.get(Invoice, invoice_id)
        assert invoice.number == "2026-0001"
        assert [part.kind for part in invoice.installments] == [
            InstallmentKind.DEPOSIT,
            InstallmentKind.BALANCE,
        ]
        assert db.session.scalar(sa.select(InvoiceCounter.last_number)) == 1


def test_a_double_click_on_delivered_emails_the_client_once(postgres_app: Flask) -> None:
    with postgres_app.app_context():
        client = a_client()
        client.address = "Kerkstraat 1, Utrecht"
        invoice_id = issue(create_draft(client, [SHOOT]), TODAY).id
    both_loaded = threading.Barrier(2)
    dated: list[int] = []

    def click_delivered() -> None:
        with postgres_app.app_context():
            invoice = db.session.get(Invoice, invoice_id)
            assert len(invoice.awaiting_delivery) == 1
            both_loaded.wait(timeout=10)
            dated.append(record_delivery(invoice, TODAY))

    threads = [threading.Thread(target=click_delivered) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(dated) == [0, 1]
    with postgres_app.app_context():
        mails = db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.kind == "invoices/balance_due")
        ).all()
        assert len(mails) == 1
        live = db.session.scalars(sa.select(PayLink).where(PayLink.revoked_at.is_(None))).all()
        assert len(live) == 1


@pytest.mark.usefixtures("app_context")
class TestOverdue:
    def test_one_definition_in_python_and_in_sql(self) -> None:
        """Unpaid, on an issued invoice, due before today: the part on hand and the query
        that looks for them agree, part by part."""
        client = a_client()
        late = create_draft(client, [SHOOT], delivery_date=TODAY - timedelta(days=20))
        issue(late, TODAY - timedelta(days=30))  # deposit due 30 days ago, balance 6 days ago
        paid_deposit = create_draft(client, [PRINTS], delivery_date=TODAY - timedelta(days=20))
        issue(paid_deposit, TODAY - timedelta(days=30))
        paid_deposit.installments[0].paid_at = datetime(2026, 11, 1, tzinfo=UTC)
        fresh = create_draft(client, [SHOOT])
        issue(fresh, TODAY)  # the deposit is due today: not overdue yet
        create_draft(client, [PRINTS])  # a draft has no schedule
        db.session.commit()
        expected = {late.installments[0].id, late.installments[1].id}
        expected.add(paid_deposit.installments[1].id)
        parts = db.session.scalars(sa.select(Installment)).all()
        assert {part.id for part in parts if part.is_overdue(TODAY)} == expected
        found = overdue_installments(TODAY, limit=10)
        assert [part.id for part in found] == sorted(expected, key=_due_then_id(parts))
        assert [part.id for part in overdue_installments(TODAY, limit=1)] == [found[0].id]


def _due_then_id(parts: list[Installment]) -> Callable[[int], tuple[date, int]]:
    due = {part.id: part.due_on for part in parts}
    return lambda part_id: (due[part_id], part_id)
