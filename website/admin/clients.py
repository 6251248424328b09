"""Clients: search them, see everything about one on a single page, correct their details."""

from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from website.admin.blueprint import bp
from website.admin.client_file import client_file
from website.admin.client_forms import ClientDetailsForm
from website.admin.forms import ClientFilterForm, EmptyForm
from website.admin.pagination import paginate
from website.clients.models import Client
from website.clients.services import search_query, update_details
from website.extensions import db
from website.htmx import redirect_after_post, render
from website.privacy import requests
from website.restrictions.services import restriction_of


@bp.get("/clients")
def clients() -> Response:
    """The client list; an htmx search gets only the rows."""
    form = ClientFilterForm(request.args)
    text = form.q.data if form.validate() else None
    page = paginate(search_query(text))
    return render(
        "admin/clients/list.html", partial="admin/clients/_rows.html", form=form, page=page
    )


@bp.get("/clients/<int:client_id>")
def client(client_id: int) -> Response:
    """Invoices, messages, consents and mail of one client."""
    return render(
        "admin/clients/detail.html", file=client_file(_client_or_404(client_id)), form=EmptyForm()
    )


@bp.post("/clients/<int:client_id>/lift-restriction")
def lift_restriction(client_id: int) -> Response:
    """End the client's restriction of processing; they are told (Art. 18(3))."""
    found = _client_or_404(client_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    restriction = restriction_of(found.email)
    if restriction is None:  # lifted a moment ago (a double click, a colleague)
        flash(_("There is no restriction in force for this client."))
    else:
        requests.lift_restriction(restriction, staff_id=current_user.id)
        flash(_("The restriction is lifted; the person is told by email."))
    return redirect_after_post(url_for("admin.client", client_id=found.id))


@bp.route("/clients/<int:client_id>/edit", methods=["GET", "POST"])
def edit_client(client_id: int) -> Response:
    """Correct a client's name, language, address, company or VAT id; not their email address."""
    found = _client_or_404(client_id)
    if request.method == "GET":
        form = ClientDetailsForm.for_client(found)
        return render("admin/clients/edit.html", form=form, client=found)
    form = ClientDetailsForm()
    if not form.validate():
        return render("admin/clients/edit.html", status=422, form=form, client=found)
    update_details(found, form.details(), staff_id=current_user.id)
    flash(
        _("The details are saved. Invoices already issued keep the details they were issued with.")
    )
    return redirect_after_post(url_for("admin.client", client_id=found.id))


def _client_or_404(client_id: int) -> Client:
    found = db.session.get(Client, client_id)
    if found is None:
        abort(404)
    return found
