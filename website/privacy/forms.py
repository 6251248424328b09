"""The privacy centre's forms: what a visitor may send, and the limits on it."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from website.contact.forms import PHONE, TOO_LONG, email_field, one_line, plain_text, strip
from website.i18n import LANGUAGES
from website.privacy.models import RequestKind
from website.privacy.verification import CODE_DIGITS
from website.restrictions.models import RestrictionGround


def digits_only(value: str | None) -> str | None:
    """People copy codes with spaces or dashes; only the digits count."""
    return "".join(char for char in value if char.isdigit()) if isinstance(value, str) else value


class EmailForm(FlaskForm):
    email = email_field(_l("Please give your email address."))


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code from the email"),
        filters=[digits_only],
        validators=[
            InputRequired(_l("Please type the code from the email.")),
            Regexp(
                rf"^[0-9]{{{CODE_DIGITS}}}$",
                message=_l("The code has %(digits)d digits.", digits=CODE_DIGITS),
            ),
        ],
    )


class ButtonForm(FlaskForm):
    """A button that only needs its CSRF token (resend, sign out, give, withdraw…)."""


class ProfileForm(FlaskForm):
    preferences = TextAreaField(
        _l("Preferences"),
        filters=[strip],
        validators=[Length(max=2000, message=TOO_LONG), plain_text],
    )
    interests = TextAreaField(
        _l("Interests"),
        filters=[strip],
        validators=[Length(max=2000, message=TOO_LONG), plain_text],
    )


class PhotoForm(FlaskForm):
    photo = FileField(
        _l("Sample photo (JPEG, PNG or WebP)"),
        validators=[FileRequired(_l("Please choose a photo."))],
    )


# What people write in a request: trimmed, without control characters, and at most
# ``max_length`` characters (a complaint may need the room the contact form gives).


class CorrectionForm(FlaskForm):
    """Ask for a correction (Art. 16 GDPR)."""

    max_length = 2000
    details = TextAreaField(
        _l("What is wrong, and what should it be?"),
        filters=[strip],
        validators=[
            DataRequired(_l("Please tell us what is wrong, and what it should be.")),
            Length(max=max_length, message=TOO_LONG),
            plain_text,
        ],
    )


class ObjectionForm(FlaskForm):
    """Object to processing based on the studio's legitimate interest (Art. 21(1) GDPR)."""

    max_length = 2000
    details = TextAreaField(
        _l("Why do you object?"),
        filters=[strip],
        validators=[
            DataRequired(_l("Please tell us why you object.")),
            Length(max=max_length, message=TOO_LONG),
            plain_text,
        ],
    )


class ComplaintForm(FlaskForm):
    """A complaint to the studio about how it handles personal data."""

    max_length = 5000
    details = TextAreaField(
        _l("Your complaint"),
        filters=[strip],
        validators=[
            DataRequired(_l("Please write your complaint.")),
            Length(max=max_length, message=TOO_LONG),
            plain_text,
        ],
    )


class DetailsForm(FlaskForm):
    """What a person corrects about themselves; the email address has a form of its own."""

    name = StringField(
        _l("Name"),
        filters=[strip],
        validators=[
            InputRequired(_l("Please give your name.")),
            Length(max=100, message=TOO_LONG),
            one_line,
        ],
    )
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
    language = SelectField(
        _l("Language of our emails"),
        choices=[SelectChoice(code, name) for code, name in LANGUAGES.items()],
    )
    address = TextAreaField(
        _l("Postal address (optional)"),
        filters=[strip],
        validators=[Optional(), Length(max=300, message=TOO_LONG), plain_text],
    )


class NewEmailForm(FlaskForm):
    email = email_field(_l("Please give the new email address."), label=_l("New email address"))


def optional_details() -> TextAreaField:
    return TextAreaField(
        _l("Anything you want to add (optional)"),
        filters=[strip],
        validators=[Optional(), Length(max=2000, message=TOO_LONG), plain_text],
    )


class RestrictionForm(FlaskForm):
    """Ask that the data is only stored, on one of the grounds of Art. 18(1) GDPR."""

    max_length = 2000
    ground = RadioField(
        _l("Why should we only store your data?"),
        choices=[SelectChoice(ground.value, ground.label) for ground in RestrictionGround],
        validators=[InputRequired(_l("Please choose why."))],
    )
    details = optional_details()


class ErasureForm(FlaskForm):
    """Ask for erasure (Art. 17 GDPR), having seen what goes and what stays."""

    max_length = 2000
    confirm = BooleanField(
        _l("I have read what is erased and what is kept, and ask you to erase my data."),
        validators=[DataRequired(_l("Please tick the box to confirm."))],
    )
    details = optional_details()


# The requests people file in the centre, each with its form; every form names its text
# ``details``, as the request stores it.
REQUEST_FORMS: dict[RequestKind, type[FlaskForm]] = {
    RequestKind.CORRECTION: CorrectionForm,
    RequestKind.OBJECTION: ObjectionForm,
    RequestKind.RESTRICTION: RestrictionForm,
    RequestKind.ERASURE: ErasureForm,
    RequestKind.COMPLAINT: ComplaintForm,
}
