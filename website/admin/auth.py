"""Signing in (password, then the authenticator code if enabled), signing out, the account
page (password, two-factor set-up, signing out everywhere)."""

from __future__ import annotations

import math

import flask
import segno
from flask import flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_limiter import RequestLimit
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from website.admin import services, sessions
from website.admin.blueprint import bp
from website.admin.devices import known_device, remember_device
from website.admin.forms import CodeForm, EmptyForm, PasswordForm, SignInForm
from website.admin.models import StaffMember
from website.extensions import db, limiter, retry_minutes
from website.i18n import safe_next_url

NEXT_KEY = "admin_next"  # where to go once the code is given
PENDING_TRIES = 5  # codes per sign-in attempt before the password must be given again
SIGN_IN_LIMIT = "10 per minute; 60 per hour"


def _too_many(limit: RequestLimit) -> flask.Response:
    return flask.make_response(
        _sign_in_page(SignInForm(), status=429, wait_minutes=retry_minutes(limit))
    )


@bp.get("/sign-in")
def sign_in() -> ResponseReturnValue:
    """The sign-in form."""
    if current_user.is_authenticated:
        return redirect(url_for("admin.dashboard"))
    return _sign_in_page(SignInForm(formdata=None, next=request.args.get("next", "")))


@bp.post("/sign-in")
@limiter.limit(SIGN_IN_LIMIT, on_breach=_too_many)
def sign_in_submit() -> ResponseReturnValue:
    """Check the password; the same answer for an unknown address and a wrong password."""
    form = SignInForm()
    if not form.validate():
        return _sign_in_page(form, status=422)
    email = form.email.data
    result = services.sign_in(email, form.password.data, device=known_device(email))
    if result.wait_seconds:
        return _sign_in_page(form, status=429, wait_minutes=math.ceil(result.wait_seconds / 60))
    if result.staff is None:
        return _sign_in_page(form, status=422, failed=True)
    target = safe_next_url(form.next.data, url_for("admin.dashboard"))
    if result.staff.totp_enabled:
        sessions.start(result.staff, signed_in=False)
        session[NEXT_KEY] = target
        db.session.commit()
        return redirect(url_for("admin.second_factor"), code=303)
    return _finish(result.staff, target)


@bp.route("/sign-in/code", methods=["GET", "POST"])
@limiter.limit(SIGN_IN_LIMIT, methods=["POST"], on_breach=_too_many)
def second_factor() -> ResponseReturnValue:
    """The authenticator step, for members who turned it on.

    Tries are counted on the server, per sign-in attempt (``PENDING_TRIES``) and per account
    (``services.count_code``), so replaying an old cookie gains nothing.
    """
    if current_user.is_authenticated:  # already through (Back, a reload, a link)
        return redirect(url_for("admin.dashboard"), code=303)
    pending = sessions.current(signed_in=False)
    if pending is None:
        return _sign_in_again()
    staff = pending.staff_member
    form = CodeForm()
    if not form.validate_on_submit():
        return render_template("admin/second_factor.html", form=form), (422 if form.errors else 200)
    if not services.reserve_code(staff):
        wait = services.codes_wait_seconds(staff)
        return render_template(
            "admin/second_factor.html", form=form, wait_minutes=max(1, math.ceil(wait / 60))
        ), 429
    tries = sessions.reserve_code_try(pending)
    db.session.commit()
    if tries > PENDING_TRIES:
        return _sign_in_again()
    right = services.verify_second_factor(staff, form.code.data)
    services.count_code(staff, right)
    if right:
        target = session.get(NEXT_KEY) or url_for("admin.dashboard")
        sessions.end_this()
        return _finish(staff, target)
    if tries == PENDING_TRIES:
        return _sign_in_again()
    form.code.errors = [_("That code is not right. Try the newest code from your app.")]
    return render_template("admin/second_factor.html", form=form), 422


def _sign_in_again() -> Response:
    sessions.end_this()
    db.session.commit()
    flash(_("Please sign in again."))
    return redirect(url_for("admin.sign_in"), code=303)


@bp.post("/sign-out")
def sign_out() -> Response:
    """Sign out: this browser's session ends on the server, not only in its cookie."""
    if EmptyForm().validate_on_submit():
        services.record(current_user.id, "staff.signed_out", "staff_member", current_user.id)
        logout_user()
        sessions.end_this()
        db.session.commit()
        flash(_("You are signed out."))
    return redirect(url_for("admin.sign_in"), code=303)


@bp.post("/account/sign-out-everywhere")
def sign_out_everywhere() -> Response:
    """End every session of this member, on every browser, this one included."""
    if EmptyForm().validate_on_submit():
        sessions.end_all(current_user)
        services.record(
            current_user.id, "staff.signed_out_everywhere", "staff_member", current_user.id
        )
        logout_user()
        session.clear()
        db.session.commit()
        flash(_("You are signed out everywhere."))
    return redirect(url_for("admin.sign_in"), code=303)


@bp.get("/account")
def account() -> str:
    """The member's own account: password, two-factor authentication, sessions."""
    return _account_page()


@bp.post("/account/password")
def change_password() -> ResponseReturnValue:
    """A new password, given with the current one (checked like a sign-in, with its delays).

    Every session of the member ends, this one too, and this browser gets a new one: a copy
    of the old cookie is worth nothing afterwards.
    """
    form = PasswordForm()
    if not form.validate_on_submit():
        return _account_page(password_form=form), 422
    staff: StaffMember = current_user._get_current_object()
    check = services.sign_in(staff.email, form.current.data, device=known_device(staff.email))
    if check.wait_seconds:
        form.current.errors = [
            _(
                "Too many attempts. Please try again in %(minutes)s minutes.",
                minutes=math.ceil(check.wait_seconds / 60),
            )
        ]
        return _account_page(password_form=form), 429
    if check.staff is None:
        form.current.errors = [_("That is not your current password.")]
        return _account_page(password_form=form), 422
    services.set_password(staff, form.new.data, actor_id=staff.id)
    sessions.start(staff, signed_in=True)
    login_user(staff)
    db.session.commit()
    flash(_("Your password is changed; other browsers are signed out."))
    return redirect(url_for("admin.account"), code=303)


@bp.post("/account/two-factor/start")
def start_two_factor() -> ResponseReturnValue:
    """Show a new secret as a QR code, to be confirmed with a first code."""
    if not EmptyForm().validate_on_submit() or current_user.totp_enabled:
        return redirect(url_for("admin.account"), code=303)
    services.start_totp(current_user)
    return _enrolment_page(CodeForm(formdata=None))


@bp.post("/account/two-factor/confirm")
def confirm_two_factor() -> ResponseReturnValue:
    """Turn two-factor authentication on with a first code; show the recovery codes once."""
    form = CodeForm()
    if not current_user.totp_secret or current_user.totp_enabled:
        return redirect(url_for("admin.account"), code=303)
    codes = services.confirm_totp(current_user, form.code.data or "") if form.validate() else None
    if codes is None:
        form.code.errors = [_("That code is not right. Try the newest code from your app.")]
        return _enrolment_page(form, status=422)
    return render_template("admin/recovery_codes.html", codes=codes)


@bp.post("/account/two-factor/disable")
def disable_two_factor() -> ResponseReturnValue:
    form = CodeForm()
    if form.validate() and services.disable_totp(current_user, form.code.data):
        flash(_("Two-factor authentication is off."))
        return redirect(url_for("admin.account"), code=303)
    form.code.errors = [_("That code is not right. Try the newest code from your app.")]
    return _account_page(form=form), 422


def _account_page(form: CodeForm | None = None, password_form: PasswordForm | None = None) -> str:
    return render_template(
        "admin/account.html",
        form=form or CodeForm(formdata=None),
        password_form=password_form or PasswordForm(formdata=None),
        empty=EmptyForm(),
        other_sessions=sessions.count_others(current_user),
    )


def _enrolment_page(form: CodeForm, status: int = 200) -> tuple[str, int]:
    uri = services.totp_uri(current_user)
    qr = segno.make(uri, error="m").svg_data_uri(scale=5, border=2)
    return render_template(
        "admin/enrol.html", form=form, qr=qr, secret=current_user.totp_secret
    ), status


def _finish(staff: StaffMember, target: str) -> Response:
    """Signed in: a new session on the server, and this browser is one the member uses."""
    sessions.start(staff, signed_in=True)
    login_user(staff)
    services.complete_sign_in(staff)
    response = redirect(target, code=303)
    remember_device(response, staff)
    return response


def _sign_in_page(form: SignInForm, status: int = 200, **context: object) -> tuple[str, int]:
    return render_template("admin/sign_in.html", form=form, **context), status
