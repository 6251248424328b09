"""The contact form: what a visitor may send, and the limits on it."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectChoice,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from website.addresses import MAX_LENGTH
from website.clock import studio_today
from website.contact.models import ProductionKind

# The newsletter checkbox's label: the consent text stored with the consent it records.
NEWSLETTER_CONSENT = _l(
    "Yes, send me the studio's newsletter (a few times a year). Unsubscribe at any time."
)

# Control characters: none at all on one-line fields, only line breaks and tabs in the message.
LINE_CONTROLS = re.compile(r"[\x00-\x1f\x7f]")
TEXT_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
LONGEST_PLANNING = 3 * 366  # days ahead a preferred date may be
TOO_LONG = _l("Please use at most %(max)d characters.")
PHONE = r"^\+?[0-9 ()\-]{6,}$"
# WTForms' own messages for values no browser sends; listed so they are translated too.
WTFORMS_MESSAGES = (_l("Not a valid choice."), _l("Not a valid date value."))


def strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def one_line(form: FlaskForm, field: StringField) -> None:
    if field.data and LINE_CONTROLS.search(field.data):
        raise ValidationError(_l("Please use a single line, without special characters."))


def email_field(required: str, label: str = _l("Email address")) -> StringField:
    """An email address field as every form here asks for it; ``required`` says why."""
    return StringField(
        label,
        filters=[strip],
        validators=[
            InputRequired(required),
            Length(max=MAX_LENGTH, message=TOO_LONG),
            one_line,
            Email(_l("This does not look like an email address."), check_deliverability=False),
        ],
    )


def plain_text(form: FlaskForm, field: TextAreaField) -> None:
    if field.data and TEXT_CONTROLS.search(field.data):
        raise ValidationError(_l("Your message contains characters we cannot store."))


def upcoming(form: FlaskForm, field: DateField) -> None:
    if field.data is None:
        return
    days_ahead = (field.data - studio_today()).days
    if days_ahead < 0:
        raise ValidationError(_l("Please choose a date from today onwards."))
    if days_ahead > LONGEST_PLANNING:
        raise ValidationError(_l("Please choose a date within the next three years."))


class ContactForm(FlaskForm):
    name = StringField(
        _l("Your name"),
        filters=[strip],
        validators=[
            DataRequired(_l("Please tell us your name.")),
            Length(max=100, message=TOO_LONG),
            one_line,
        ],
    )
    email = email_field(_l("Please give your email address, so we can reply."))
    phone = StringField(
        _l("Phone number (optional)"),
        filters=[strip],
        validators=[
            Optional(),
            Length(max=30, message=TOO_LONG),
            one_line,
            Regexp(PHONE, message=_l("Please use digits, spaces and + ( ) - only.")),
        ],
    )
    production_kind = RadioField(
        _l("What would you like us to make?"),
        choices=[SelectChoice(kind.value, kind.label) for kind in ProductionKind],
        validators=[InputRequired(_l("Please choose what you would like us to make."))],
    )
    preferred_date = DateField(
        _l("Preferred date (optional)"),
        validators=[Optional(), upcoming],
        format="%Y-%m-%d",
    )
    message = TextAreaField(
        _l("Your message"),
        filters=[strip],
        validators=[
            DataRequired(_l("Please write a message.")),
            Length(max=5000, message=_l("Please keep your message under 5,000 characters.")),
            plain_text,
        ],
    )
    newsletter = BooleanField(NEWSLETTER_CONSENT)
    # Spam traps: a field people never see, and when the form was handed out (signed).
    website = StringField(_l("Leave this field empty"))
    started = HiddenField()
