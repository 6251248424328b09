"""The contact inbox: search, filter and page through messages; handle, archive, delete."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from website.admin.blueprint import bp
from website.admin.forms import EmptyForm, MessageFilterForm
from website.admin.pagination import paginate
from website.contact import services
from website.contact.models import ContactMessage
from website.htmx import redirect_after_post, render, wants_fragment
from website.i18n import safe_next_url
from website.mail.services import mails_about, retry_dead


@bp.get("/messages")
def messages() -> Response:
    """The inbox; an htmx search or filter gets only the rows."""
    form = MessageFilterForm(request.args)
    form.validate()  # each filter counts on its own: one bad value does not drop the other
    status = form.status.data if form.status.data and not form.status.errors else "open"
    text = form.q.data if not form.q.errors else None
    page = paginate(services.inbox_query(text, status))
    return render(
        "admin/messages/list.html", partial="admin/messages/_rows.html", form=form, page=page
    )


@bp.get("/messages/<string:reference>")
def message(reference: str) -> Response:
    """One message, with the mail about it."""
    found = _message_or_404(reference)
    mails = mails_about(reference)
    return render("admin/messages/detail.html", message=found, mails=mails, form=EmptyForm())


@bp.post(f"/messages/<string:reference>/<any({', '.join(services.MESSAGE_ACTIONS)}):action>")
def change_message(reference: str, action: str) -> Response:
    """Mark handled or open again; archive or take out of the archive."""
    found = _message_or_404(reference)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.change_message(found, action, current_user.id)
    if wants_fragment():  # a button in the list: the row, updated in place
        return render("admin/messages/_row.html", message=found, form=EmptyForm())
    flash(
        _(
            "Message %(reference)s is now: %(status)s.",
            reference=found.reference,
            status=found.status.label,
        )
    )
    fallback = url_for("admin.message", reference=found.reference)
    return redirect(safe_next_url(request.form.get("next"), fallback), code=303)


@bp.post("/messages/<string:reference>/delete")
def delete_message(reference: str) -> Response:
    found = _message_or_404(reference)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.delete_message(found, current_user.id)
    flash(_("Message %(reference)s is deleted.", reference=reference))
    return redirect_after_post(url_for("admin.messages"))


@bp.post("/mail/<int:mail_id>/retry")
def retry_mail(mail_id: int) -> Response:
    """Queue a dead letter again."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    mail = retry_dead(mail_id, current_user.id)
    if mail is None:
        abort(404)
    flash(_("The email is queued again."))
    target = (
        url_for("admin.message", reference=mail.reference)
        if mail.reference
        else url_for("admin.dashboard")
    )
    return redirect(target, code=303)


def _message_or_404(reference: str) -> ContactMessage:
    found = services.find_message(reference)
    if found is None:
        abort(404)
    return found
