"""The contact form: POST-redirect-GET without JavaScript, swapped in place with htmx."""

from __future__ import annotations

import flask
from flask import Blueprint, current_app, request, session, url_for
from flask_limiter import RequestLimit
from werkzeug.wrappers import Response

from website.addresses import address_key, is_address
from website.contact import services
from website.contact.forms import ContactForm
from website.contact.models import ProductionKind
from website.extensions import limiter, retry_minutes
from website.htmx import redirect_after_post, render, wants_fragment
from website.i18n import current_language

bp = Blueprint("contact", __name__, url_prefix="/contact")

REFERENCE_KEY = "contact_reference"


def _email_key() -> str:
    # A keyed hash: the limiter's storage and log lines never hold the address.
    return "contact-email:" + address_key(request.form.get("email", "")[:254])


def _rate_limited(limit: RequestLimit) -> flask.Response:
    """Show the form again, with what was typed, and say when to try again."""
    return flask.make_response(
        _form_page(ContactForm(), status=429, retry_minutes=retry_minutes(limit))
    )


@bp.get("")
def show_form() -> Response:
    """Show the empty form."""
    form = ContactForm(started=services.form_token())
    return _form_page(form)


@bp.post("")
@limiter.limit(lambda: current_app.config["CONTACT_RATE_LIMIT_IP"], on_breach=_rate_limited)
@limiter.limit(
    lambda: current_app.config["CONTACT_RATE_LIMIT_EMAIL"],
    key_func=_email_key,
    # What is not an address is nobody's: "" would be one counter for every visitor.
    exempt_when=lambda: not is_address(request.form.get("email", "")),
    on_breach=_rate_limited,
)
def submit() -> Response:
    """Receive a message: spam is thanked like anyone, but goes nowhere."""
    form = ContactForm()
    verdict = services.judge(request.form)
    if verdict is services.Verdict.SPAM:
        return _thank(services.new_reference())
    if verdict is services.Verdict.STALE:
        form.started.data = services.form_token()
    if not form.validate():
        return _form_page(form, status=422, stale=verdict is services.Verdict.STALE)
    if verdict is not services.Verdict.GENUINE:
        # Nothing is lost: the form comes back as typed; sent again, its timing passes.
        return _form_page(
            form,
            status=422,
            stale=verdict is services.Verdict.STALE,
            too_fast=verdict is services.Verdict.TOO_FAST,
        )
    if services.form_token_spent(request.form["started"]):
        return _thank(None)  # this form was sent before: that message is stored, not this one
    message = services.submit_message(
        services.Submission(
            name=form.name.data,
            email=form.email.data,
            phone=form.phone.data,
            production_kind=ProductionKind(form.production_kind.data),
            preferred_date=form.preferred_date.data,
            message=form.message.data,
            newsletter=form.newsletter.data,
            language=current_language(),
        )
    )
    services.spend_form_token(request.form["started"])  # once stored, never before
    return _thank(message.reference)


@bp.get("/thanks")
def thanks() -> Response:
    """The thank-you page after a plain (non-htmx) submission."""
    return render("contact/thanks.html", reference=session.pop(REFERENCE_KEY, None))


def _thank(reference: str | None) -> Response:
    if wants_fragment():
        return render("contact/thanks.html", partial="contact/_thanks.html", reference=reference)
    session[REFERENCE_KEY] = reference
    return redirect_after_post(url_for("contact.thanks"))


def _form_page(form: ContactForm, status: int = 200, **context: object) -> Response:
    return render(
        "contact/form.html", partial="contact/_form.html", status=status, form=form, **context
    )
