"""The request desk: every request under the GDPR and every complaint, by the day it is due;
logging one that came by mail, phone or letter; answering, extending or refusing one.

The dates and the rules are the ledger's (``website.privacy.requests``); these views only ask
for what it needs and show what it refuses, never a 500.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import sqlalchemy as sa
from flask import abort, current_app, flash, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from website.addresses import normalise_email
from website.admin.blueprint import bp
from website.admin.forms import EmptyForm
from website.admin.models import StaffMember
from website.admin.pagination import paginate
from website.admin.request_forms import (
    CompleteForm,
    ExtendForm,
    RefuseForm,
    RequestFilterForm,
    RequestLogForm,
    earliest_received,
)
from website.clients.models import Client
from website.clock import studio_today
from website.extensions import db
from website.htmx import in_place_of_main, redirect_after_post, render
from website.mail.services import mails_about
from website.privacy.erasure import erasure_preview, execute_erasure
from website.privacy.models import PrivacyRequest, RequestChannel, RequestKind, RequestStatus
from website.privacy.requests import (
    DUE_SOON,
    RequestClosed,
    RequestError,
    complete,
    desk_query,
    extend,
    file_request,
    refuse,
)
from website.privacy.subject import recipients

TELL_RECIPIENTS = (RequestKind.CORRECTION, RequestKind.ERASURE, RequestKind.RESTRICTION)

# What the ledger says when it refuses an extension (RequestError), listed so that staff read
# it in their language: the message itself is the msgid.
LEDGER_MESSAGES = (
    _l("An extension is one or two months."),
    _l("The request was extended already; it can be extended only once."),
    _l("The first month has passed: the law allows an extension only within it."),
)


# --- the list --------------------------------------------------------------------------------


@bp.get("/requests")
def privacy_requests() -> Response:
    """Open requests first, by the day they are due, then the answered; htmx gets the rows."""
    form = RequestFilterForm(request.args)
    status = form.status.data if form.validate() and form.status.data else None
    today = studio_today()
    return render(
        "admin/requests/list.html",
        partial="admin/requests/_rows.html",
        form=form,
        page=paginate(desk_query(RequestStatus(status) if status else None)),
        today=today,
        soon_until=today + DUE_SOON,
    )


# --- logging a request -----------------------------------------------------------------------


@bp.route("/requests/new", methods=["GET", "POST"])
def new_privacy_request() -> Response:
    """Log a request that came by email, phone or letter, with how identity was checked."""
    if request.method == "GET":
        form = RequestLogForm(formdata=None, received_on=studio_today())
        return _log_form(form)
    form = RequestLogForm()
    if not form.validate():
        return _log_form(form, status=422)
    address = normalise_email(form.email.data)
    open_before = set(
        db.session.scalars(
            sa.select(PrivacyRequest.id).where(
                PrivacyRequest.email == address, PrivacyRequest.status == RequestStatus.OPEN
            )
        )
    )
    client_language = db.session.scalar(sa.select(Client.language).where(Client.email == address))
    logged = file_request(
        address,
        RequestKind(form.kind.data),
        form.details.data,
        language=client_language or current_app.config["DEFAULT_LANGUAGE"],
        channel=RequestChannel(form.channel.data),
        received_on=form.received_on.data,
        identity_check=form.identity_check.data,
        staff_id=current_user.id,
    )
    if logged.id in open_before:
        flash(
            _(
                "This request was open already, as %(reference)s: nothing new was logged.",
                reference=logged.reference,
            )
        )
    else:
        flash(
            _(
                "Request %(reference)s is logged. The person is emailed that it arrived and "
                "when it will be answered.",
                reference=logged.reference,
            )
        )
    return redirect_after_post(url_for("admin.privacy_request", request_id=logged.id))


def _log_form(form: RequestLogForm, status: int = 200) -> Response:
    today = studio_today()
    return render(
        "admin/requests/new.html",
        partial="admin/requests/_log_form.html",
        status=status,
        form=form,
        today=today,
        earliest=earliest_received(),
    )


# --- one request -----------------------------------------------------------------------------


@bp.get("/requests/<int:request_id>")
def privacy_request(request_id: int) -> Response:
    """The request in full, what was done about it, its mail, and the answers still open."""
    return _request_page(_request_or_404(request_id))


@bp.post("/requests/<int:request_id>/complete")
def complete_privacy_request(request_id: int) -> Response:
    """Answer the request: what was done. The person is emailed that there is news."""
    found = _open_or_refuse(request_id)
    form = CompleteForm()
    if not form.validate():
        return _request_page(found, complete_form=form)
    with _unless_answered(found):
        complete(found, form.outcome.data, staff_id=current_user.id)
    flash(
        _(
            "Request %(reference)s is answered. The person is emailed that there is news.",
            reference=found.reference,
        )
    )
    return redirect_after_post(url_for("admin.privacy_request", request_id=found.id))


@bp.post("/requests/<int:request_id>/extend")
def extend_privacy_request(request_id: int) -> Response:
    """One or two more months, once, within the first month; the reason is mailed."""
    found = _open_or_refuse(request_id)
    form = ExtendForm(found)
    if not form.validate():
        return _request_page(found, extend_form=form)
    try:
        with _unless_answered(found):
            extend(
                found,
                int(form.months.data),
                form.extension_reason.data,
                staff_id=current_user.id,
                today=studio_today(),
            )
    except RequestError as refused:  # extended meanwhile, or the first month has passed
        return _request_page(
            _request_or_404(request_id), extend_form=form, extend_refused=_(str(refused))
        )
    flash(
        _(
            "Request %(reference)s is extended to %(date)s. The person is emailed the reason and "
            "the new date.",
            reference=found.reference,
            date=format_date(found.due, "long"),
        )
    )
    return redirect_after_post(url_for("admin.privacy_request", request_id=found.id))


@bp.post("/requests/<int:request_id>/refuse")
def refuse_privacy_request(request_id: int) -> Response:
    """Refuse the request with a reason; the mail names the authority and the courts."""
    found = _open_or_refuse(request_id)
    form = RefuseForm()
    if not form.validate():
        return _request_page(found, refuse_form=form)
    with _unless_answered(found):
        refuse(found, form.refusal_reason.data, staff_id=current_user.id)
    flash(
        _(
            "Request %(reference)s is refused. The person is emailed the reason, and where they "
            "can complain.",
            reference=found.reference,
        )
    )
    return redirect_after_post(url_for("admin.privacy_request", request_id=found.id))


@bp.post("/requests/<int:request_id>/erase")
def erase_for_request(request_id: int) -> Response:
    """Carry out an erasure request as its preview says, in one go; recorded for re-applying."""
    found = _open_or_refuse(request_id)
    if found.kind is not RequestKind.ERASURE:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with _unless_answered(found):
        execute_erasure(found, staff_id=current_user.id)
    flash(
        _(
            "The data of request %(reference)s is erased as shown, and the request answered. "
            "The erasure is recorded (tables and ids only) to be applied again after a restore.",
            reference=found.reference,
        )
    )
    return redirect_after_post(url_for("admin.privacy_request", request_id=found.id))


def _request_page(
    found: PrivacyRequest,
    *,
    complete_form: CompleteForm | None = None,
    extend_form: ExtendForm | None = None,
    refuse_form: RefuseForm | None = None,
    extend_refused: str | None = None,
) -> Response:
    """The whole page (200), or with a form's errors (422): htmx gets only that form back."""
    failed = next(
        (
            name
            for name, form in (
                ("complete", complete_form),
                ("extend", extend_form),
                ("refuse", refuse_form),
            )
            if form is not None
        ),
        None,
    )
    today = studio_today()
    staff = _staff_emails(found.logged_by_id, found.answered_by_id)
    return render(
        "admin/requests/detail.html",
        partial=f"admin/requests/_{failed}_form.html" if failed else None,
        status=422 if failed else 200,
        privacy_request=found,
        client_id=db.session.scalar(sa.select(Client.id).where(Client.email == found.email)),
        logged_by=staff.get(found.logged_by_id),
        answered_by=staff.get(found.answered_by_id),
        mails=mails_about(found.reference),
        can_extend=found.is_open and found.extended_to is None and today <= found.due_on,
        complete_form=complete_form or CompleteForm(formdata=None),
        extend_form=extend_form or ExtendForm(found, formdata=None),
        refuse_form=refuse_form or RefuseForm(formdata=None),
        extend_refused=extend_refused,
        # Art. 19: who got the data, to be told of a correction, erasure or restriction.
        recipients=recipients(found.email) if found.kind in TELL_RECIPIENTS else [],
        preview=erasure_preview(found.email, today)
        if found.is_open and found.kind is RequestKind.ERASURE
        else None,
        erase_form=EmptyForm(),
        today=today,
        soon_until=today + DUE_SOON,
    )


# --- helpers ---------------------------------------------------------------------------------


def _staff_emails(*ids: int | None) -> dict[int | None, str]:
    wanted = {staff_id for staff_id in ids if staff_id is not None}
    if not wanted:
        return {}
    rows = db.session.execute(
        sa.select(StaffMember.id, StaffMember.email).where(StaffMember.id.in_(wanted))
    )
    return {staff_id: email for staff_id, email in rows}


def _request_or_404(request_id: int) -> PrivacyRequest:
    found = db.session.get(PrivacyRequest, request_id)
    if found is None:
        abort(404)
    return found


def _open_or_refuse(request_id: int) -> PrivacyRequest:
    found = _request_or_404(request_id)
    if not found.is_open:
        _refuse(found)
    return found


@contextmanager
def _unless_answered(found: PrivacyRequest) -> Iterator[None]:
    """409 when the ledger finds the request answered after all (a double click, or a
    colleague who was quicker); the ledger changed nothing."""
    request_id = found.id
    try:
        yield
    except RequestClosed:
        _refuse(_request_or_404(request_id))


def _refuse(found: PrivacyRequest) -> NoReturn:
    """409: the request is answered; it cannot be answered, extended or refused again."""
    page = render(
        "admin/requests/conflict.html",
        partial="admin/requests/_conflict.html",
        status=409,
        privacy_request=found,
    )
    abort(in_place_of_main(page))
