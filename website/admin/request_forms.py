"""The request desk's forms: the filter, logging a request that came by mail, phone or letter,
and the three answers (complete, extend, refuse)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask_babel import format_date, ngettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, Field, RadioField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from website.admin.forms import GetForm
from website.clock import studio_today
from website.contact.forms import TOO_LONG, email_field, strip
from website.privacy.models import PrivacyRequest, RequestChannel, RequestKind, RequestStatus
from website.privacy.requests import MAX_EXTENSION_MONTHS, months_after

# Line breaks and tabs are text; other control characters are not.
TEXT_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A request logged as received longer ago than this is a typing mistake (and long overdue).
LOG_MONTHS_BACK = 12
MAX_TEXT = 5000


def text_only(form: FlaskForm, field: Field) -> None:
    if field.data and TEXT_CONTROLS.search(field.data):
        raise ValidationError(_l("This text contains characters we cannot store."))


def text_field(label: Any, required: Any, max_length: int = MAX_TEXT) -> TextAreaField:
    """A required free text, stored as typed (trimmed)."""
    return TextAreaField(
        label,
        filters=[strip],
        validators=[
            DataRequired(required),  # after trimming: blank is empty
            Length(max=max_length, message=TOO_LONG),
            text_only,
        ],
    )


def earliest_received() -> date:
    """The first day a logged request may have come in on."""
    return months_after(studio_today(), -LOG_MONTHS_BACK)


class RequestFilterForm(GetForm):
    status = SelectField(
        _l("Status"),
        choices=[
            SelectChoice("", _l("All")),
            *(SelectChoice(status.value, status.label) for status in RequestStatus),
        ],
        default="",  # "" is a choice: any other value is an error, and ignored
    )


class RequestLogForm(FlaskForm):
    """A request that reached the studio by email, phone or letter."""

    email = email_field(_l("Please give the email address of the person who asked."))
    kind = RadioField(
        _l("What they ask"),
        # "This was not me" comes only from the mail after an email change, never by hand.
        choices=[
            SelectChoice(kind.value, kind.label)
            for kind in RequestKind
            if kind is not RequestKind.NOT_ME
        ],
        validators=[InputRequired(_l("Please choose what the person asks."))],
    )
    channel = RadioField(
        _l("How it came in"),
        choices=[
            SelectChoice(RequestChannel.EMAIL.value, _l("By email")),
            SelectChoice(RequestChannel.PHONE.value, _l("By phone")),
            SelectChoice(RequestChannel.LETTER.value, _l("By letter")),
        ],
        validators=[InputRequired(_l("Please choose how the request came in."))],
    )
    received_on = DateField(
        _l("Received on"),
        validators=[InputRequired(_l("Please give the day the request came in."))],
        format="%Y-%m-%d",
    )
    details = text_field(
        _l("What was asked"), _l("Please write down what the person asks, in their words.")
    )
    identity_check = text_field(
        _l("How identity was checked"),
        _l("Please note how you checked who asked."),
        max_length=1000,
    )

    def validate_received_on(self, field: DateField) -> None:
        if field.data is None:  # not a date: said already
            return
        if field.data > studio_today():
            raise ValidationError(_l("The day it came in cannot be in the future."))
        if field.data < earliest_received():
            raise ValidationError(_l("Please give a day within the last year."))


class CompleteForm(FlaskForm):
    outcome = text_field(_l("What was done"), _l("Please say what was done."))


class RefuseForm(FlaskForm):
    refusal_reason = text_field(_l("Reason"), _l("Please give the reason for the refusal."))


class ExtendForm(FlaskForm):
    """One or two further months; each choice names the day the answer is then due."""

    months = RadioField(
        _l("Extend by"),
        validators=[InputRequired(_l("Please choose one or two months."))],
    )
    extension_reason = text_field(_l("Reason"), _l("Please give the reason for the extension."))

    def __init__(self, privacy_request: PrivacyRequest, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.months.choices = [
            SelectChoice(
                str(months),
                ngettext(
                    "%(num)s month: answer by %(date)s",
                    "%(num)s months: answer by %(date)s",
                    months,
                    date=format_date(months_after(privacy_request.received_on, 1 + months), "long"),
                ),
            )
            for months in range(1, MAX_EXTENSION_MONTHS + 1)
        ]
