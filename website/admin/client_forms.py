"""A client's details as staff keep them: name, language, postal address, company, VAT id."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from website.clients.models import Client
from website.clients.services import Details
from website.contact.forms import TOO_LONG, one_line, strip
from website.i18n import LANGUAGES
from website.vat_numbers import NotAVatNumber, WrongVatNumber, client_vat_number

ADDRESS_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def address_text(form: FlaskForm, field: Field) -> None:
    if field.data and ADDRESS_CONTROLS.search(field.data):
        raise ValidationError(_l("The address contains characters we cannot store."))


def vat_number(form: FlaskForm, field: Field) -> None:
    """Check the VAT number (an EU one by its country's rules) and keep it compact."""
    try:
        field.data = client_vat_number(field.data)
    except WrongVatNumber as error:
        raise ValidationError(
            _l("This is not a valid VAT number for its country: please look for a typo.")
        ) from error
    except NotAVatNumber as error:
        raise ValidationError(
            _l("A VAT number starts with two letters, e.g. NL123456782B01.")
        ) from error


ADDRESS_LIMITS = (Length(max=300, message=TOO_LONG), address_text)


class ClientDetailsForm(FlaskForm):
    """What staff correct about a client; the email address is who they are and stays."""

    name = StringField(
        _l("Name"),
        filters=[strip],
        validators=[
            InputRequired(_l("Please give the client's name.")),
            Length(max=100, message=TOO_LONG),
            one_line,
        ],
    )
    language = SelectField(
        _l("Language of the invoice and its emails"),
        choices=[SelectChoice(code, name) for code, name in LANGUAGES.items()],
        default="nl",
    )
    address = TextAreaField(
        _l("Postal address"), filters=[strip], validators=[Optional(), *ADDRESS_LIMITS]
    )
    company_name = StringField(
        _l("Company name (optional)"),
        filters=[strip],
        validators=[Optional(), Length(max=150, message=TOO_LONG), one_line],
    )
    vat_id = StringField(
        _l("VAT number (optional)"), filters=[strip], validators=[Optional(), vat_number]
    )

    @classmethod
    def for_client(cls, client: Client) -> ClientDetailsForm:
        return cls(
            formdata=None,
            name=client.name,
            language=client.language,
            address=client.address,
            company_name=client.company_name,
            vat_id=client.vat_id,
        )

    def details(self) -> Details:
        return Details(
            name=self.name.data,
            language=self.language.data,
            address=self.address.data,
            company_name=self.company_name.data,
            vat_id=self.vat_id.data,
        )
