"""The privacy centre: verify by emailed code, then panels that each work with or without htmx."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import flask
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    request,
    send_file,
    session,
    url_for,
)
from flask_babel import format_date
from flask_babel import gettext as _
from flask_limiter import RequestLimit
from flask_limiter.util import get_remote_address
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from website.addresses import address_key, is_address, normalise_email
from website.clients.models import Client
from website.clients.services import client_with_email, correct_own_details
from website.clock import studio_today
from website.consents.models import ConsentAction, ConsentChannel, ConsentPurpose
from website.extensions import csrf, limiter, retry_minutes
from website.htmx import redirect_after_post, redirect_in_place, render, wants_fragment
from website.i18n import current_language
from website.mail.services import is_suppressed
from website.mail.unsubscribe import read_unsubscribe_token
from website.policy.services import current_version
from website.privacy import email_change, services, verification
from website.privacy import profile as profiles
from website.privacy.display import described
from website.privacy.erasure import erasure_preview
from website.privacy.export import build_export
from website.privacy.forms import (
    REQUEST_FORMS,
    ButtonForm,
    CodeForm,
    DetailsForm,
    EmailForm,
    NewEmailForm,
    PhotoForm,
    ProfileForm,
)
from website.privacy.models import RequestKind
from website.privacy.photos import PhotoRejected, set_pixel_limit
from website.privacy.register import (
    CATEGORIES,
    CONSENT_TEXTS,
    REQUEST_KEEP_YEARS,
    legitimate_interests,
)
from website.privacy.requests import ask_restriction, file_request, months_after, requests_of
from website.privacy.session import (
    clear_cookie,
    cookie_secret,
    set_cookie,
    verified,
    verified_email,
    verified_subject,
)
from website.privacy.subject import RECORDS, consent_records
from website.privacy.subject import photos as photos_of
from website.restrictions.models import RestrictionGround

bp = Blueprint("privacy", __name__, url_prefix="/privacy-centre")
bp.record_once(lambda state: set_pixel_limit(state.app.config["PRIVACY_PHOTO_MAX_PIXELS"]))
bp.add_app_template_filter(described, "described")

CHALLENGE_KEY = "privacy_challenge"
NEXT_KEY = "privacy_next"  # where a fresh code leads back to
CHANGE_KEY = "privacy_email_change"  # the browser's secret of an email change under way
# The requests filed with a form of their own here (the URL part is the kind's value).
REQUEST_KINDS = "any(" + ", ".join(kind.value for kind in REQUEST_FORMS) + ")"


def _ip_limit() -> str:
    return current_app.config["PRIVACY_RATE_LIMIT_IP"]


def _email_limit() -> str:
    return current_app.config["PRIVACY_RATE_LIMIT_EMAIL"]


def _upload_limit() -> str:
    return current_app.config["PRIVACY_RATE_LIMIT_UPLOADS"]


def _typed_email_key() -> str:
    return _email_key(normalise_email(request.form.get("email", ""))[:254])


def _challenge_email_key() -> str:
    return _email_key(verification.challenge_email(session.get(CHALLENGE_KEY)) or "")


def _email_key(address: str) -> str:
    """Codes for one address from one requester: a stranger asking for someone's address
    uses up a budget of their own, never the owner's. A keyed hash, so the limiter's storage
    and log lines never hold an address, nor a plain hash anyone could match against a list.
    """
    return f"privacy-email:{address_key(address)}:{get_remote_address()}"


def _not_an_address() -> bool:
    """No per-address count for what is not an address: "" would be one for everyone."""
    return not is_address(request.form.get("email", ""))


# Flask-Limiter's on_breach is typed for Flask's own Response class: make_response passes
# the page through unchanged.
def _start_over_limit(limit: RequestLimit) -> flask.Response:
    return flask.make_response(
        _start_page(EmailForm(), status=429, retry_minutes=retry_minutes(limit))
    )


def _code_over_limit(limit: RequestLimit) -> flask.Response:
    return flask.make_response(
        _code_page(CodeForm(), status=429, retry_minutes=retry_minutes(limit))
    )


def _request_over_limit(limit: RequestLimit) -> flask.Response:
    """The form again, as typed, saying when to send it."""
    kind = RequestKind((request.view_args or {})["kind"])
    return flask.make_response(
        _request_form_panel(
            kind, REQUEST_FORMS[kind](), status=429, retry_minutes=retry_minutes(limit)
        )
    )


def _details_over_limit(limit: RequestLimit) -> flask.Response:
    return flask.make_response(
        _details_panel(email_form=NewEmailForm(), status=429, retry_minutes=retry_minutes(limit))
    )


def _filed(response: flask.Response) -> bool:
    """Only a request filed counts towards the limit: a form sent back to fix does not."""
    return response.status_code in (204, 303)


@bp.after_request
def no_caching(response: Response) -> Response:
    """The centre shows personal data: never kept by the browser or a proxy."""
    response.headers["Cache-Control"] = "no-store"
    return response


def start() -> Response:
    """Ask for the email address (served at /privacy-centre by the pages blueprint)."""
    if verified_email() is not None:
        return redirect(url_for("privacy.data"), code=303)
    return _start_page(EmailForm())


@bp.post("/code")
@limiter.shared_limit(_ip_limit, scope="privacy-code-ip", on_breach=_start_over_limit)
@limiter.shared_limit(
    _email_limit,
    scope="privacy-code-email",
    key_func=_typed_email_key,
    exempt_when=_not_an_address,
    on_breach=_start_over_limit,
)
def request_code() -> Response:
    """Always the same answer: a code was sent if we hold data for the address."""
    form = EmailForm()
    if not form.validate():
        return _start_page(form, status=422)
    session[CHALLENGE_KEY] = verification.request_code(
        form.email.data, current_language(), replacing=session.get(CHALLENGE_KEY)
    )
    return redirect_after_post(url_for("privacy.code"))


@bp.get("/code")
def code() -> Response:
    """Where the code is typed; without a pending code, back to the start."""
    if CHALLENGE_KEY not in session:
        return redirect(url_for("pages.privacy_centre"), code=303)
    return _code_page(CodeForm())


@bp.post("/code/resend")
@limiter.shared_limit(_ip_limit, scope="privacy-code-ip", on_breach=_code_over_limit)
@limiter.shared_limit(
    _email_limit,
    scope="privacy-code-email",
    key_func=_challenge_email_key,
    on_breach=_code_over_limit,
)
def resend_code() -> Response:
    """A new code for the same address; the previous one stops working."""
    address = verification.challenge_email(session.get(CHALLENGE_KEY))
    if address is None:
        return redirect_after_post(url_for("pages.privacy_centre"))
    session[CHALLENGE_KEY] = verification.request_code(
        address, current_language(), replacing=session.get(CHALLENGE_KEY)
    )
    flash(
        _(
            "If we hold data for this address, we have sent a new code. "
            "Earlier codes no longer work."
        )
    )
    return redirect_after_post(url_for("privacy.code"))


@bp.post("/code/check")
@limiter.limit(_ip_limit, on_breach=_code_over_limit)
def check_code() -> Response:
    """A right code starts a verified session of its own (a fresh cookie)."""
    form = CodeForm()
    if not form.validate():
        return _code_page(form, status=422)
    outcome = verification.check_code(session.get(CHALLENGE_KEY), form.code.data)
    if outcome is verification.CodeProblem.WRONG:
        form.code.errors.append(_("This code is not right. Please check it and try again."))
        return _code_page(form, status=422)
    if outcome is verification.CodeProblem.SPENT:
        form.code.errors.append(
            _(
                "This code no longer works: it has expired, has been used, was replaced by a "
                "newer one or was typed wrong too often. Please ask for a new code."
            )
        )
        return _code_page(form, status=422)
    session.pop(CHALLENGE_KEY, None)
    verification.end_session(cookie_secret())  # a session being renewed ends here
    next_panel = "download" if session.pop(NEXT_KEY, None) == "download" else "data"
    response = redirect_after_post(url_for(f"privacy.{next_panel}"))
    set_cookie(response, outcome)
    return response


@bp.post("/sign-out")
def sign_out() -> Response:
    """End the verified session at once."""
    verification.end_session(cookie_secret())
    flash(_("You have signed out of the privacy centre."))
    response = redirect_after_post(url_for("pages.privacy_centre"))
    clear_cookie(response)
    return response


@bp.get("/data")
@verified
def data() -> Response:
    """Your data: every category we hold, with why, on what basis, for whom and how long."""
    email = verified_subject()
    categories = [(category, list(RECORDS[category.key](email))) for category in CATEGORIES]
    return _panel("data", categories=categories)


@bp.get("/download")
@verified
def download() -> Response:
    """What the download holds, and the button for it (which may first ask for a new code)."""
    return _panel(
        "download",
        fresh=verification.is_fresh(cookie_secret()),
        fresh_minutes=int(verification.FRESH_FOR.total_seconds() // 60),
    )


@bp.post("/download")
@limiter.limit(_ip_limit)
@verified
def download_zip() -> Response:
    """The ZIP, built now from the database and sent at once: never stored, never emailed.

    Only with a recent code: otherwise a fresh one is mailed first, which leads back here.
    """
    if not verification.is_fresh(cookie_secret()):
        session[CHALLENGE_KEY] = verification.request_code(verified_subject(), current_language())
        session[NEXT_KEY] = "download"
        flash(
            _(
                "Before you download everything, please confirm it is you once more: we have "
                "sent a new code to your email address."
            )
        )
        return redirect_after_post(url_for("privacy.code"))
    archive = build_export(verified_subject())
    name = f"ivisual-productions-data-{studio_today().isoformat()}.zip"
    return send_file(archive, mimetype="application/zip", as_attachment=True, download_name=name)


@bp.get("/profile")
@verified
def profile() -> Response:
    """Preferences, interests and sample photos, kept by the person themselves."""
    return _profile_panel()


@bp.post("/profile")
@verified
def save_profile() -> Response:
    """Save preferences and interests."""
    form = ProfileForm()
    if not form.validate():
        return _profile_panel(profile_form=form, status=422)
    profiles.save_profile(verified_subject(), form.preferences.data, form.interests.data)
    flash(_("Your profile is saved."))
    return _after_change("profile", _profile_panel)


@bp.post("/profile/delete")
@verified
def delete_profile() -> Response:
    """Delete the profile and every sample photo, files too."""
    profiles.delete_profile(verified_subject())
    flash(_("Your profile and sample photos are deleted."))
    return _after_change("profile", _profile_panel)


@bp.post("/profile/photos")
@limiter.limit(_upload_limit)
@verified
def upload_photo() -> Response:
    """Add a sample photo: re-encoded, without its metadata."""
    form = PhotoForm()
    if form.validate():
        try:
            profiles.add_photo(verified_subject(), form.photo.data)
        except PhotoRejected as rejected:
            form.photo.errors.append(str(rejected.reason))
        else:
            flash(_("Your photo is added. We removed its camera data and location."))
            return _after_change("profile", _profile_panel)
    return _profile_panel(photo_form=form, status=422)


@bp.get("/profile/photos/<public_id>")
@verified
def photo(public_id: str) -> Response:
    """One of the person's own photos, as the image type it is (never sniffed)."""
    found = profiles.find_photo(verified_subject(), public_id)
    if found is None:
        abort(404)
    response = send_file(
        profiles.photo_path(found),
        mimetype=found.content_type,
        download_name=f"photo-{found.file_name}",
        conditional=False,
    )
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.post("/profile/photos/<public_id>/delete")
@verified
def delete_photo(public_id: str) -> Response:
    """Delete a sample photo, file and all."""
    found = profiles.find_photo(verified_subject(), public_id)
    if found is None:
        abort(404)
    profiles.delete_photo(found)
    flash(_("The photo is deleted."))
    return _after_change("profile", _profile_panel)


@bp.get("/consents")
@verified
def consents() -> Response:
    """Consents: give or withdraw each in one click; stop all marketing."""
    return _consents_panel()


@bp.post("/consents/<purpose>/<any(give, withdraw):action>")
@verified
def change_consent(purpose: str, action: str) -> Response:
    """Record one giving or withdrawal (append-only), with the policy version shown."""
    try:
        chosen = ConsentPurpose(purpose)
    except ValueError:
        abort(404)
    giving = action == "give"
    event = services.change_consent(
        verified_subject(),
        chosen,
        ConsentAction.GIVEN if giving else ConsentAction.WITHDRAWN,
        current_language(),
    )
    if event is not None and giving:
        flash(_("Thank you: your consent for “%(purpose)s” is recorded.", purpose=chosen.label))
    elif event is not None:
        flash(
            _("Your consent for “%(purpose)s” is withdrawn.", purpose=chosen.label)
            + " "
            + str(CONSENT_TEXTS[chosen.value].after_withdrawal)
        )
    return _after_change("consents", _consents_panel)


@bp.post("/consents/stop-marketing")
@verified
def stop_marketing() -> Response:
    """Object to direct marketing: absolute, in one click (Art. 21(3))."""
    services.stop_marketing(verified_subject(), current_language(), ConsentChannel.PRIVACY_CENTRE)
    flash(_("Done: we will never send you marketing email again."))
    return _after_change("consents", _consents_panel)


@bp.get("/details")
@verified
def details() -> Response:
    """Your details: correct name, phone, language and address; move to another address."""
    return _details_panel()


@bp.post("/details")
@verified
def save_details() -> Response:
    client = _own_client()
    form = DetailsForm()
    if client is None:
        abort(404)
    if not form.validate():
        return _details_panel(form, status=422)
    correct_own_details(
        client,
        name=form.name.data,
        phone=form.phone.data,
        language=form.language.data,
        address=form.address.data,
    )
    flash(_("Your details are saved. Invoices already issued keep the details they showed."))
    return redirect_in_place(url_for("privacy.details"), "#privacy-panel")


@bp.post("/details/email")
@verified
@limiter.shared_limit(_email_limit, scope="privacy-change-email", on_breach=_details_over_limit)
def change_email() -> Response:
    """Mail a code to the new address; nothing moves before it is typed."""
    form = NewEmailForm()
    if not form.validate():
        return _details_panel(email_form=form, status=422)
    if normalise_email(form.email.data) == verified_subject():
        form.email.errors.append(_("This is the address your data is held under already."))
        return _details_panel(email_form=form, status=422)
    session[CHANGE_KEY] = email_change.start_change(
        verified_subject(), form.email.data, current_language(), replacing=session.get(CHANGE_KEY)
    )
    return redirect_in_place(url_for("privacy.email_code"), "#privacy-panel")


@bp.get("/details/email")
@verified
def email_code() -> Response:
    if email_change.pending_address(session.get(CHANGE_KEY), verified_subject()) is None:
        return redirect(url_for("privacy.details"), code=303)
    return _email_code_panel(CodeForm())


@bp.post("/details/email/check")
@verified
@limiter.limit(_ip_limit)
def check_email_code() -> Response:
    form = CodeForm()
    if not form.validate():
        return _email_code_panel(form, status=422)
    new_address = email_change.pending_address(session.get(CHANGE_KEY), verified_subject())
    outcome = email_change.confirm_change(
        verified_subject(), session.get(CHANGE_KEY), form.code.data, current_language()
    )
    if outcome is email_change.ChangeOutcome.WRONG:
        form.code.errors.append(_("This code is not right. Please check it and try again."))
        return _email_code_panel(form, status=422)
    if outcome is email_change.ChangeOutcome.SPENT:
        form.code.errors.append(
            _("This code no longer works. Please give the new address again for a new code.")
        )
        return _email_code_panel(form, status=422)
    session.pop(CHANGE_KEY, None)
    if outcome is email_change.ChangeOutcome.FOR_STAFF:
        flash(_("Our staff check this change and answer you within one month."))
        return redirect_in_place(url_for("privacy.requests"), "#privacy-panel")
    flash(_("Your data is now held under %(email)s.", email=new_address))
    return redirect_in_place(url_for("privacy.details"), "#privacy-panel")


@bp.get("/requests")
@verified
def requests() -> Response:
    """Requests: everything the person asked of us, with the dates we answer by."""
    return _panel("requests", requests=requests_of(verified_subject()))


@bp.get(f"/requests/<{REQUEST_KINDS}:kind>")
@verified
def request_form(kind: str) -> Response:
    """The form for a correction, an erasure, a restriction, an objection or a complaint."""
    chosen = RequestKind(kind)
    return _request_form_panel(chosen, REQUEST_FORMS[chosen]())


@bp.post(f"/requests/<{REQUEST_KINDS}:kind>")
@verified  # before the limit: only verified people's requests count towards it
@limiter.shared_limit(
    _ip_limit, scope="privacy-requests", deduct_when=_filed, on_breach=_request_over_limit
)
def send_request(kind: str) -> Response:
    """File the request for staff; the same one sent twice is that one request."""
    chosen = RequestKind(kind)
    form = REQUEST_FORMS[chosen]()
    if not form.validate():
        return _request_form_panel(chosen, form, status=422)
    subject, language = verified_subject(), current_language()
    if chosen is RequestKind.RESTRICTION:  # in force at once; the request records it
        ground = RestrictionGround(form.ground.data)
        filed = ask_restriction(subject, ground, form.details.data or "", language=language)
    else:
        filed = file_request(subject, chosen, form.details.data or "", language=language)
    flash(
        _(
            "Received: reference %(reference)s. We will answer by %(date)s at the latest.",
            reference=filed.reference,
            date=format_date(filed.due, "long"),
        )
    )
    return redirect_in_place(url_for("privacy.requests"), "#privacy-panel")


def _unsubscribe_link_key() -> str:
    # Per link, not per IP: one-click unsubscribes of many people come from a few of their
    # mail provider's servers. A hash, so the limiter's storage holds no link.
    token = (request.view_args or {}).get("token", "")
    return "unsubscribe:" + hashlib.sha256(token.encode()).hexdigest()


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@limiter.limit(_ip_limit, key_func=_unsubscribe_link_key)
@csrf.exempt  # mail programs post here without a form (RFC 8058 one-click)
def unsubscribe(token: str) -> Response:
    """The link in every marketing email: GET asks to confirm, only POST unsubscribes."""
    address_hash = read_unsubscribe_token(token)
    if address_hash is None:
        abort(404)
    if request.method == "POST":
        services.unsubscribe(address_hash, current_language())
        return render("privacy/unsubscribed.html", partial="privacy/_unsubscribed.html")
    return render("privacy/unsubscribe.html", partial="privacy/_unsubscribe.html", token=token)


@bp.route("/not-me/<token>", methods=["GET", "POST"])
@limiter.limit(_ip_limit, methods=["POST"])
def not_me(token: str) -> Response:
    """The link mailed to an old address after an email change: GET asks to confirm (mail
    scanners open links), POST opens a request for staff; no sign-in, the link is the key."""
    change_id = email_change.read_not_me_token(token)
    if change_id is None:
        abort(404)
    form = ButtonForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        if email_change.report_not_me(change_id, current_language()) is None:
            abort(404)
        return render("privacy/not_me_done.html", partial="privacy/_not_me_done.html")
    return render("privacy/not_me.html", partial="privacy/_not_me.html", token=token, form=form)


def _profile_panel(
    profile_form: ProfileForm | None = None, photo_form: PhotoForm | None = None, status: int = 200
) -> Response:
    email = verified_subject()
    saved = profiles.find_profile(email)
    if profile_form is None:
        profile_form = ProfileForm(obj=saved)
    photos = photos_of(email)
    return _panel(
        "profile",
        status=status,
        profile_form=profile_form,
        photo_form=photo_form or PhotoForm(),
        photos=photos,
        has_profile=saved is not None or bool(photos),
    )


def _consents_panel() -> Response:
    email = verified_subject()
    return _panel(
        "consents",
        state=services.consent_state(email),
        history=list(consent_records(email)),
        objecting=is_suppressed(email),
        texts=CONSENT_TEXTS,
        purposes=list(ConsentPurpose),
        policy=current_version(current_language()),
    )


def _own_client() -> Client | None:
    return client_with_email(verified_subject())


def _details_panel(
    form: DetailsForm | None = None,
    email_form: NewEmailForm | None = None,
    status: int = 200,
    **context: Any,
) -> Response:
    client = _own_client()
    if form is None and client is not None:
        form = DetailsForm(obj=client)
    return _panel(
        "details",
        status=status,
        client=client,
        form=form,
        email_form=email_form or NewEmailForm(formdata=None),
        **context,
    )


def _email_code_panel(form: CodeForm, status: int = 200) -> Response:
    return _panel(
        "details",
        template="email_code",
        status=status,
        subpage=True,
        form=form,
        new_address=email_change.pending_address(session.get(CHANGE_KEY), verified_subject()),
        minutes=current_app.config["PRIVACY_CODE_MINUTES"],
    )


def _request_form_panel(
    kind: RequestKind, form: FlaskForm, status: int = 200, **context: object
) -> Response:
    return _panel(
        "requests",
        template="request_form",
        status=status,
        subpage=True,
        kind=kind,
        form=form,
        answer_by=months_after(studio_today(), 1),
        preview=erasure_preview(verified_subject()) if kind is RequestKind.ERASURE else None,
        keep_years=REQUEST_KEEP_YEARS,
        interests=legitimate_interests(),
        **context,
    )


def _after_change(name: str, panel: Callable[[], Response]) -> Response:
    """An htmx post gets the updated panel; a plain one is redirected to it (PRG)."""
    if wants_fragment():
        return panel()
    return redirect_after_post(url_for(f"privacy.{name}"))


def _panel(
    name: str, status: int = 200, template: str | None = None, **context: object
) -> Response:
    """A panel of the centre; ``template`` for a page of its own within panel ``name``."""
    template = template or name
    return render(
        f"privacy/{template}.html",
        partial=f"privacy/_{template}.html",
        status=status,
        panel=name,
        subject=verified_email(),
        button=ButtonForm(),
        **context,
    )


def _start_page(form: EmailForm, status: int = 200, **context: object) -> Response:
    return render(
        "privacy/start.html", partial="privacy/_start.html", status=status, form=form, **context
    )


def _code_page(form: CodeForm, status: int = 200, **context: object) -> Response:
    return render(
        "privacy/code.html",
        partial="privacy/_code.html",
        status=status,
        form=form,
        resend=ButtonForm(),
        minutes=current_app.config["PRIVACY_CODE_MINUTES"],
        **context,
    )
