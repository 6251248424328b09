"""The invoice forms of the back office: a draft (client, delivery date, lines) and issuing it."""

from __future__ import annotations

import re
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    Field,
    FieldList,
    FormField,
    IntegerField,
    RadioField,
    SearchField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import HiddenInput

from website.admin.client_forms import ADDRESS_LIMITS, ClientDetailsForm
from website.admin.forms import GetForm
from website.clock import studio_today
from website.contact.forms import TOO_LONG, email_field, one_line, strip
from website.i18n import current_language
from website.invoices.models import (
    NEEDS_CLIENT_VAT_ID,
    VAT_RATES,
    Invoice,
    InvoiceStatus,
    ZeroRateReason,
)
from website.invoices.services import (
    MAX_DELIVERY_AHEAD,
    MAX_DESCRIPTION,
    MAX_LINES,
    LineError,
    LineInput,
    check_line,
    needs_agreement,
)

EMPTY_LINES = 3
# A number as people type it: digits, then at most one decimal comma or point. No thousands
# separators: "1.234" would be ambiguous between Dutch and English.
NUMBER = re.compile(r"-?\d{1,12}(?:[.,]\d+)?")
PERCENT = re.compile(r"[0-9]{1,3}")  # ASCII digits only: "²" is a digit to str.isdigit


class InvoiceFilterForm(GetForm):
    q = SearchField(_l("Search"), validators=[Optional(), Length(max=100)])
    status = SelectField(
        _l("Status"),
        choices=[
            SelectChoice("", _l("All")),
            *(SelectChoice(status.value, status.label) for status in InvoiceStatus),
        ],
        default="",  # "" is a choice: whitespace or any other value is an error, ignored
    )


def rate_choice(rate: Decimal) -> str:
    """The select's value for a VAT rate: ``Decimal("21.00")`` is ``"21"``."""
    return f"{rate.normalize():f}"


class DecimalText(StringField):
    """A decimal typed as "12,50" or "12.50", with at most two decimals; ``None`` when empty.

    Shown again as typed, or (from the database) with the page language's decimal sign.
    """

    def __init__(self, label: Any = None, validators: Any = None, fixed_places: bool = False, **kw):
        super().__init__(label, validators, **kw)
        self.fixed_places = fixed_places

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = None
        text = re.sub(r"[\s€]", "", valuelist[0]) if valuelist else ""
        if not text:
            return
        if not NUMBER.fullmatch(text):
            raise ValueError(_l("Please enter a number, like 12,50."))
        value = Decimal(text.replace(",", "."))
        exponent = value.as_tuple().exponent  # an int: NUMBER admits no NaN or infinity
        if isinstance(exponent, int) and exponent < -2:
            raise ValueError(_l("Please use at most two decimals."))
        self.data = value

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        text = f"{self.data:.2f}" if self.fixed_places else f"{self.data.normalize():f}"
        return text.replace(".", ",") if current_language() == "nl" else text


class LineForm(FlaskForm):
    """One invoice line; a row left completely empty is no line at all.

    The form reads what was typed; whether a line can be on an invoice is the invoices
    service's rule (``check_line``), whose refusal is shown beside the value it names.
    """

    class Meta:
        csrf = False

    description = StringField(
        _l("Description"),
        filters=[strip],
        validators=[
            InputRequired(_l("Please describe the work or the product.")),
            Length(max=MAX_DESCRIPTION, message=TOO_LONG),
            one_line,
        ],
    )
    quantity = DecimalText(
        _l("Quantity"),
        validators=[InputRequired(_l("Please give a quantity."))],
    )
    unit_price = DecimalText(
        _l("Unit price excl. VAT"),
        validators=[InputRequired(_l("Please give a price."))],
        fixed_places=True,
    )
    vat_rate = SelectField(
        _l("VAT rate"),
        choices=[SelectChoice(rate_choice(rate), f"{rate_choice(rate)}%") for rate in VAT_RATES],
        default=rate_choice(VAT_RATES[0]),
    )

    @property
    def is_blank(self) -> bool:
        return not any(
            _filled(field) for field in (self.description, self.quantity, self.unit_price)
        )

    def validate(self, extra_validators: Any = None) -> bool:
        if self.is_blank:
            return True
        if not super().validate(extra_validators):
            return False
        try:
            check_line(self.to_input())
        except LineError as error:
            self[error.field].errors.append(str(error))
            return False
        return True

    def to_input(self) -> LineInput:
        """The line as typed; call only when the row is valid (so every value is there)."""
        return LineInput(
            self.description.data,
            self.quantity.data or Decimal(0),
            self.unit_price.data or Decimal(0),
            Decimal(self.vat_rate.data),
        )


def _filled(field: Field) -> bool:
    if field.raw_data:
        return bool(str(field.raw_data[0]).strip())
    return field.data not in (None, "")


def at_least_one_line(form: FlaskForm, field: FieldList) -> None:
    if all(entry.form.is_blank for entry in field.entries):
        raise ValidationError(_l("Please fill in at least one line."))


class DraftForm(ClientDetailsForm):
    """The client the invoice is for, when the work is delivered, and what it is for."""

    email = email_field(_l("Please give the client's email address."))
    address = TextAreaField(
        _l("Postal address"),
        filters=[strip],
        validators=[
            InputRequired(_l("Please give the client's postal address; invoices need it.")),
            *ADDRESS_LIMITS,
        ],
    )
    delivery_date = DateField(
        _l("Date of delivery (optional)"), validators=[Optional()], format="%Y-%m-%d"
    )
    lines = FieldList(
        FormField(LineForm),
        min_entries=EMPTY_LINES,
        max_entries=MAX_LINES,
        validators=[at_least_one_line],
    )
    zero_rate_reason = SelectField(
        _l("Why 0% VAT"),
        choices=[
            SelectChoice("", _l("No line at 0% VAT")),
            *(SelectChoice(reason.value, reason.label) for reason in ZeroRateReason),
        ],
        default="",
    )

    @property
    def zero_rate(self) -> ZeroRateReason | None:
        """The chosen reason; None for none, or for a value that is no choice (a 422 then)."""
        try:
            return ZeroRateReason(self.zero_rate_reason.data)
        except ValueError:
            return None

    def validate_zero_rate_reason(self, field: SelectField) -> None:
        if field.errors:  # not one of the choices: said already
            return
        charged_at_zero = any(
            not entry.form.is_blank
            and entry.form.vat_rate.data == "0"
            and entry.form.unit_price.data
            and entry.form.quantity.data
            for entry in self.lines
        )
        if charged_at_zero and not field.data:
            raise ValidationError(_l("Please say why a line carries 0% VAT; the invoice must."))
        if self.zero_rate in NEEDS_CLIENT_VAT_ID and not self.vat_id.data:
            raise ValidationError(_l("Reverse charge needs the client's VAT number."))

    def validate_delivery_date(self, field: DateField) -> None:
        if field.data and field.data > studio_today() + MAX_DELIVERY_AHEAD:
            raise ValidationError(_l("Please give a delivery date less than five years ahead."))

    @classmethod
    def for_invoice(cls, invoice: Invoice) -> DraftForm:
        """The form filled in from a stored draft, with room for one more line."""
        client = invoice.client
        lines = [
            SimpleNamespace(
                description=line.description,
                quantity=line.quantity,
                unit_price=line.unit_price,
                vat_rate=rate_choice(line.vat_rate),
            )
            for line in invoice.lines
        ]
        form = cls(
            formdata=None,
            email=client.email,
            name=client.name,
            language=client.language,
            address=client.address,
            company_name=client.company_name,
            vat_id=client.vat_id,
            delivery_date=invoice.delivery_date,
            lines=lines,
            zero_rate_reason=invoice.zero_rate_reason.value if invoice.zero_rate_reason else "",
        )
        if len(form.lines.entries) == len(lines):  # all rows filled: room for one more
            form.add_line()
        return form

    def add_line(self) -> bool:
        """One more empty row, unless the form has the most lines an invoice can have."""
        if len(self.lines.entries) >= MAX_LINES:
            return False
        self.lines.append_entry()
        return True

    def line_inputs(self) -> list[LineInput]:
        return [entry.form.to_input() for entry in self.lines if not entry.form.is_blank]


class IssueForm(FlaskForm):
    """How the total is paid: the usual deposit, one payment, or another deposit."""

    deposit = RadioField(
        _l("Payment schedule"),
        choices=[
            SelectChoice("50", _l("50% deposit now, the balance 14 days after delivery")),
            SelectChoice("single", _l("One payment")),
            SelectChoice("custom", _l("Another deposit percentage (below)")),
        ],
        default="50",
        validators=[InputRequired(_l("Please choose how the invoice is paid."))],
    )
    percent = StringField(_l("Deposit percentage (1 to 99)"), filters=[strip])
    agreed = BooleanField(_l("The client agreed individually to a deposit above 50%"))

    def __init__(self, *args: Any, consumer: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.consumer = consumer  # billed as a private person: the 50% cap applies

    def validate_percent(self, field: StringField) -> None:
        if self.deposit.data != "custom":
            return
        if not PERCENT.fullmatch(field.data or "") or not 1 <= int(field.data) <= 99:
            raise ValidationError(_l("Please give a whole percentage from 1 to 99."))

    def validate_agreed(self, field: BooleanField) -> None:
        if self.percent.errors or field.data:
            return
        if needs_agreement(self.deposit_percent, consumer=self.consumer):
            raise ValidationError(
                _l(
                    "A private client pays at most half in advance unless they agreed to more "
                    "individually. Tick the box if they did, or choose a smaller deposit."
                )
            )

    @property
    def deposit_percent(self) -> int:
        """50, 100 (one payment: nothing is a deposit) or the chosen percentage."""
        if self.deposit.data == "single":
            return 100
        if self.deposit.data == "custom":
            return int(self.percent.data)
        return 50


class DeliveryForm(FlaskForm):
    """The day the work was delivered, for a balance that waited for it."""

    delivered_on = DateField(
        _l("Delivered on"),
        validators=[InputRequired(_l("Please give the day the work was delivered."))],
        format="%Y-%m-%d",
    )

    def validate_delivered_on(self, field: DateField) -> None:
        if field.data and field.data > studio_today():
            raise ValidationError(_l("The delivery date cannot be in the future."))


class BankTransferForm(FlaskForm):
    """Which installment the money came in for: the one the button showed, by its position.

    A form sent twice (a double click, two people) names the same installment again, so it
    cannot pay the next one.
    """

    installment = IntegerField(widget=HiddenInput(), validators=[InputRequired(), NumberRange(1)])
