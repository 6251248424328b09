"""Clients: search them, and see everything about one on a single page."""

from __future__ import annotations

from flask import Response, abort, request

from website.admin.blueprint import bp
from website.admin.forms import ClientFilterForm
from website.admin.pagination import paginate
from website.clients.models import Client
from website.clients.services import client_file, search_query
from website.extensions import db
from website.htmx import render


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
    found = db.session.get(Client, client_id)
    if found is None:
        abort(404)
    return render("admin/clients/detail.html", file=client_file(found))
