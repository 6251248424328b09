"""Signing in (password, then the authenticator code if enabled), signing out, 2FA set-up."""

from __future__ import annotations

import math
import time

import segno
from flask import Response, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter import RequestLimit
from flask_login import current_user, login_user, logout_user

from website.admin import services
from website.admin.blueprint import bp
from website.admin.forms import CodeForm, EmptyForm, SignInForm
from website.admin.models import StaffMember
from website.extensions import db, limiter, retry_minutes
from website.i18n import safe_next_url

PENDING_KEY = "admin_pending_second_factor"
PENDING_SECONDS = 5 * 60
PENDING_TRIES = 5  # wrong codes before the password must be given again
SIGN_IN_LIMIT = "10 per minute; 60 per hour"


def _too_many(limit: RequestLimit) -> Response:
    return _sign_in_page(SignInForm(), status=429, wait_minutes=retry_minutes(limit))


@bp.get("/sign-in")
def sign_in() -> Response | str:
    """The sign-in form."""
    if current_user.is_authenticated:
        return redirect(url_for("admin.dashboard"))
    return _sign_in_page(SignInForm(formdata=None, next=request.args.get("next", "")))


@bp.post("/sign-in")
@limiter.limit(SIGN_IN_LIMIT, on_breach=_too_many)
def sign_in_submit() -> Response | str:
    """Check the password; the same answer for an unknown address and a wrong password."""
    form = SignInForm()
    if not form.validate():
        return _sign_in_page(form, status=422)
    result = services.sign_in(form.email.data, form.password.data)
    if result.wait_seconds:
        return _sign_in_page(form, status=429, wait_minutes=math.ceil(result.wait_seconds / 60))
    if result.staff is None:
        return _sign_in_page(form, status=422, failed=True)
    target = safe_next_url(form.next.data, url_for("admin.dashboard"))
    session.clear()  # a fresh session: nothing from before signing in carries over
    if result.staff.totp_enabled:
        session[PENDING_KEY] = {
            "id": result.staff.get_id(),
            "until": time.time() + PENDING_SECONDS,
            "next": target,
        }
        return redirect(url_for("admin.second_factor"), code=303)
    return _finish(result.staff, target)


@bp.route("/sign-in/code", methods=["GET", "POST"])
@limiter.limit(SIGN_IN_LIMIT, methods=["POST"], on_breach=_too_many)
def second_factor() -> Response | str:
    """The authenticator step, for members who turned it on."""
    pending = session.get(PENDING_KEY)
    staff = services.load_staff(pending["id"]) if pending else None
    if staff is None or pending["until"] < time.time():
        session.pop(PENDING_KEY, None)
        flash(_("Please sign in again."))
        return redirect(url_for("admin.sign_in"), code=303)
    form = CodeForm()
    if not form.validate_on_submit():
        return render_template("admin/second_factor.html", form=form), (422 if form.errors else 200)
    if not services.verify_second_factor(staff, form.code.data):
        pending["tries"] = pending.get("tries", 0) + 1
        session.modified = True
        if pending["tries"] >= PENDING_TRIES:
            session.pop(PENDING_KEY)
            flash(_("Please sign in again."))
            return redirect(url_for("admin.sign_in"), code=303)
        form.code.errors = [_("That code is not right. Try the newest code from your app.")]
        return render_template("admin/second_factor.html", form=form), 422
    session.clear()
    return _finish(staff, pending["next"])


@bp.post("/sign-out")
def sign_out() -> Response:
    """Sign out and forget the session."""
    if EmptyForm().validate_on_submit():
        services.record(current_user.id, "staff.signed_out", "staff_member", current_user.id)
        db.session.commit()
        logout_user()
        session.clear()
        flash(_("You are signed out."))
    return redirect(url_for("admin.sign_in"), code=303)


@bp.get("/account")
def account() -> str:
    """The member's own account: two-factor authentication."""
    return render_template("admin/account.html", form=CodeForm(), empty=EmptyForm())


@bp.post("/account/two-factor/start")
def start_two_factor() -> Response | str:
    """Show a new secret as a QR code, to be confirmed with a first code."""
    if not EmptyForm().validate_on_submit() or current_user.totp_enabled:
        return redirect(url_for("admin.account"), code=303)
    services.start_totp(current_user)
    return _enrolment_page(CodeForm(formdata=None))


@bp.post("/account/two-factor/confirm")
def confirm_two_factor() -> Response | str:
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
def disable_two_factor() -> Response | str:
    form = CodeForm()
    if form.validate() and services.disable_totp(current_user, form.code.data):
        flash(_("Two-factor authentication is off."))
        return redirect(url_for("admin.account"), code=303)
    form.code.errors = [_("That code is not right. Try the newest code from your app.")]
    return render_template("admin/account.html", form=form, empty=EmptyForm()), 422


def _enrolment_page(form: CodeForm, status: int = 200) -> tuple[str, int]:
    uri = services.totp_uri(current_user)
    qr = segno.make(uri, error="m").svg_data_uri(scale=5, border=2)
    return render_template(
        "admin/enrol.html", form=form, qr=qr, secret=current_user.totp_secret
    ), status


def _finish(staff: StaffMember, target: str) -> Response:
    login_user(staff)
    services.complete_sign_in(staff)
    return redirect(target, code=303)


def _sign_in_page(form: SignInForm, status: int = 200, **context: object) -> tuple[str, int]:
    return render_template("admin/sign_in.html", form=form, **context), status
