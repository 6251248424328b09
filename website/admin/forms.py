"""Back-office forms: sign-in, two-factor codes, filters, the policy editor."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    Field,
    HiddenField,
    PasswordField,
    SearchField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import EqualTo, InputRequired, Length, Optional, ValidationError

from website.admin.services import MIN_PASSWORD_LENGTH, password_problem
from website.policy.placeholders import unknown_names


class EmptyForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class SignInForm(FlaskForm):
    email = StringField(_l("Email address"), validators=[InputRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=1024)])
    next = HiddenField()


class PasswordForm(FlaskForm):
    """A new password for the signed-in member, given with the current one."""

    current = PasswordField(_l("Current password"), validators=[InputRequired(), Length(max=1024)])
    new = PasswordField(_l("New password"), validators=[InputRequired(), Length(max=1024)])
    confirm = PasswordField(
        _l("New password again"),
        validators=[InputRequired(), EqualTo("new", _l("The two new passwords differ."))],
    )

    def validate_new(self, field: PasswordField) -> None:
        if password_problem(field.data, current_user.email) is None:
            return
        if len(field.data) < MIN_PASSWORD_LENGTH:
            raise ValidationError(
                _("Use at least %(count)s characters.", count=MIN_PASSWORD_LENGTH)
            )
        raise ValidationError(
            _("This password is too common or too easy to guess; a few random words work well.")
        )


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code from your authenticator app, or a recovery code"),
        validators=[InputRequired(_l("Please enter a code.")), Length(max=20)],
    )


class GetForm(FlaskForm):
    """A filter form: read from the query string, no CSRF token (it changes nothing)."""

    class Meta:
        csrf = False


class MessageFilterForm(GetForm):
    q = SearchField(_l("Search"), validators=[Optional(), Length(max=100)])
    status = SelectField(
        _l("Status"),
        choices=[
            SelectChoice("open", _l("New and handled")),
            SelectChoice("new", _l("New")),
            SelectChoice("handled", _l("Handled")),
            SelectChoice("archived", _l("Archived")),
            SelectChoice("all", _l("All")),
        ],
        default="open",
        validators=[Optional()],
    )


class ClientFilterForm(GetForm):
    q = SearchField(_l("Search"), validators=[Optional(), Length(max=100)])


class AuditFilterForm(GetForm):
    action = StringField(_l("Action"), validators=[Optional(), Length(max=60)])
    staff = SelectField(
        _l("Staff member"),
        choices=[SelectChoice("", _l("Everyone"))],
        default="",  # "" is a choice: whitespace or any other value is an error, ignored
    )


def known_placeholders(form: FlaskForm, field: Field) -> None:
    """A policy text may name only the values the site fills in ({{ contact_months }}, ...)."""
    unknown = unknown_names(field.data or "")
    if unknown:
        raise ValidationError(
            _l("The site fills no value named %(names)s.", names=", ".join(sorted(unknown)))
        )


class PolicyForm(FlaskForm):
    published_on = DateField(
        _l("Publication date"), validators=[InputRequired()], format="%Y-%m-%d"
    )
    body_nl = TextAreaField(
        _l("Dutch text (Markdown)"),
        validators=[InputRequired(), Length(max=100_000), known_placeholders],
    )
    body_en = TextAreaField(
        _l("English text (Markdown)"),
        validators=[InputRequired(), Length(max=100_000), known_placeholders],
    )
    changes_nl = TextAreaField(
        _l("Summary of changes (Dutch)"),
        validators=[Length(max=10_000), known_placeholders],
    )
    changes_en = TextAreaField(
        _l("Summary of changes (English)"),
        validators=[Length(max=10_000), known_placeholders],
    )
    # The languages that have a version already, so the new one says what changed in them
    # (the view asks the policy services).
    languages_published: frozenset[str] = frozenset()
    publishing = False  # a preview may come before the summaries are written

    def validate_changes_nl(self, field: TextAreaField) -> None:
        self._summary_needed(field, "nl")

    def validate_changes_en(self, field: TextAreaField) -> None:
        self._summary_needed(field, "en")

    def _summary_needed(self, field: TextAreaField, language: str) -> None:
        needed = self.publishing and language in self.languages_published
        if needed and not (field.data or "").strip():
            raise ValidationError(
                _l("Say what changed since the previous version, in a few points.")
            )
