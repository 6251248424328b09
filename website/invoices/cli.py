"""``flask invoices create``: make, issue and send an invoice from the command line."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation

import click
import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask.cli import AppGroup
from flask_babel import force_locale

from website.addresses import normalise_email
from website.clients.models import Client
from website.clients.services import Details, client_with_details
from website.clock import studio_today
from website.extensions import db
from website.invoices.models import Invoice, ZeroRateReason
from website.invoices.services import (
    InvoiceError,
    LineError,
    LineInput,
    check_issuable,
    check_line,
    create_draft,
    issue,
    new_pay_link,
    pay_url,
)
from website.invoices.services import send as send_invoice
from website.money import format_money
from website.vat_numbers import NotAVatNumber, WrongVatNumber, client_vat_number

invoices_cli = AppGroup("invoices", help="Create and send invoices.")

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# The longest each client detail can be, as the database stores it.
MAX_LENGTHS = {"--client-name": 100, "--address": 300, "--company": 150, "--vat-id": 20}


def parse_line(value: str) -> LineInput:
    """``description;quantity;unit price excl. VAT;VAT rate``, e.g. ``Shoot;1;395;21``."""
    parts = [part.strip() for part in value.split(";")]
    if len(parts) != 4:
        raise click.BadParameter(
            f"{value!r}: expected 'description;quantity;unit price;vat rate'", param_hint="--line"
        )
    description, *numbers = parts
    try:
        quantity, price, rate = (_number(text) for text in numbers)
    except InvalidOperation as error:
        raise click.BadParameter(f"{value!r}: not a number", param_hint="--line") from error
    line = LineInput(description, quantity, price, rate)
    try:
        check_line(line)
    except LineError as error:
        raise click.BadParameter(f"{value!r}: {_english(error)}", param_hint="--line") from error
    return line


def _number(text: str) -> Decimal:
    text = text.removesuffix("%").replace("€", "").strip()
    if "," in text and "." not in text:
        text = text.replace(",", ".")  # 12,50 as Dutch people write it
    number = Decimal(text)
    if not number.is_finite():
        raise InvalidOperation
    return number


@invoices_cli.command("create")
@click.option("--client-email", required=True, help="The client's email address.")
@click.option("--client-name", help="Needed for a new client; updates an existing one.")
@click.option("--language", type=click.Choice(["nl", "en"]), help="The client's language.")
@click.option("--address", help="The client's postal address.")
@click.option("--company", help="The client's company name, for a business.")
@click.option("--vat-id", help="The client's VAT id, for a business.")
@click.option(
    "--line",
    "lines",
    multiple=True,
    required=True,
    help="'description;quantity;unit price excl. VAT;VAT rate' (repeat for more lines).",
)
@click.option(
    "--delivery-date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="When the work is delivered (YYYY-MM-DD); the balance is due 14 days later.",
)
@click.option(
    "--deposit",
    type=click.IntRange(0, 100),
    default=50,
    show_default=True,
    help="Percent due on issue; 0 or 100 makes it one payment.",
)
@click.option(
    "--zero-rate-reason",
    type=click.Choice([reason.value for reason in ZeroRateReason]),
    help="Why lines at 0% VAT carry none; the invoice says so (needed with such a line).",
)
@click.option(
    "--deposit-agreed",
    is_flag=True,
    help="A private client agreed individually to a deposit above 50% (art. 7:26 BW).",
)
@click.option(
    "--send/--no-send", "email", default=True, show_default=True, help="Email the pay link."
)
def create_command(
    client_email: str,
    client_name: str | None,
    language: str | None,
    address: str | None,
    company: str | None,
    vat_id: str | None,
    lines: tuple[str, ...],
    delivery_date: datetime | None,
    deposit: int,
    zero_rate_reason: str | None,
    deposit_agreed: bool,
    email: bool,
) -> None:
    """Create and issue an invoice; the last line printed is its pay link.

    Everything is checked before anything is stored: a refusal leaves no draft behind and
    the client's record as it was.
    """
    inputs = [parse_line(line) for line in lines]
    try:
        address_to = validate_email(client_email, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise click.BadParameter(str(error), param_hint="--client-email") from error
    client_name, address, company, vat_id = (
        _detail(hint, value)
        for hint, value in zip(MAX_LENGTHS, (client_name, address, company, vat_id), strict=True)
    )
    vat_id = _vat_number(vat_id)
    client = db.session.scalar(sa.select(Client).where(Client.email == normalise_email(address_to)))
    if client is None and not client_name:
        raise click.UsageError(f"No client with {address_to} yet: give --client-name.")
    if not address and (client is None or not client.address):
        raise click.UsageError(f"No postal address for {address_to} yet: give --address.")
    # What was not given stays as the client's record has it.
    details = Details(
        name=client_name or (client.name if client else ""),  # one of them, checked above
        language=language or (client.language if client else "nl"),
        address=address or (client.address if client else None),
        company_name=company or (client.company_name if client else None),
        vat_id=vat_id or (client.vat_id if client else None),
    )
    delivered = delivery_date.date() if delivery_date else None
    zero_rate = ZeroRateReason(zero_rate_reason) if zero_rate_reason else None
    try:
        check_issuable(
            inputs,
            deposit,
            studio_today(),
            delivery_date=delivered,
            consumer=not (details.company_name or details.vat_id),
            deposit_agreed=deposit_agreed,
            zero_rate_reason=zero_rate,
            client_vat_id=details.vat_id,
        )
    except InvoiceError as error:
        raise click.ClickException(_english(error)) from error
    client = client_with_details(address_to, details)
    try:
        invoice = create_draft(client, inputs, delivery_date=delivered, zero_rate_reason=zero_rate)
        issue(invoice, studio_today(), deposit_percent=deposit, deposit_agreed=deposit_agreed)
    except InvoiceError as error:
        raise click.ClickException(_english(error)) from error
    link = send_invoice(invoice) if email else _link_without_email(invoice)
    click.echo(
        f"Issued invoice {invoice.number} to {client.name}: "
        f"{format_money(invoice.total, 'en')} including VAT."
    )
    click.echo(f"Emailed the pay link to {client.email}." if email else "Not emailed.")
    click.echo(link)


def _detail(hint: str, value: str | None) -> str | None:
    """A client detail without surrounding spaces (``None`` if blank), if it can be stored."""
    value = value.strip() if value else None
    if not value:
        return None
    if len(value) > MAX_LENGTHS[hint]:
        raise click.BadParameter(f"at most {MAX_LENGTHS[hint]} characters", param_hint=hint)
    if CONTROL_CHARACTERS.search(value) or (hint != "--address" and "\n" in value):
        raise click.BadParameter("contains characters that cannot be stored", param_hint=hint)
    return value


def _english(error: InvoiceError) -> str:
    """The service's refusal, in English like the rest of the command's output."""
    with force_locale("en"):
        return str(error)


def _vat_number(value: str | None) -> str | None:
    """The client's VAT number, compact (an EU one checked by its country's rules)."""
    if value is None:
        return None
    try:
        return client_vat_number(value)
    except WrongVatNumber as error:
        raise click.BadParameter(
            f"{value!r} is not a valid VAT number for its country (a typo?)", param_hint="--vat-id"
        ) from error
    except NotAVatNumber as error:
        raise click.BadParameter(
            f"{value!r}: a VAT number starts with two letters, e.g. NL123456782B01",
            param_hint="--vat-id",
        ) from error


def _link_without_email(invoice: Invoice) -> str:
    token = new_pay_link(invoice)
    db.session.commit()
    return pay_url(token)
