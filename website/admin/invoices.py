"""Invoices: find them, draft and edit them, issue and send them, and follow their payments."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from website.admin.blueprint import bp
from website.admin.forms import EmptyForm
from website.admin.invoice_forms import (
    BankTransferForm,
    DeliveryForm,
    DraftForm,
    InvoiceFilterForm,
    IssueForm,
)
from website.admin.pagination import paginate
from website.clients.services import client_with_details
from website.clock import studio_today
from website.htmx import in_place_of_main, redirect_after_post, render
from website.i18n import current_language
from website.invoices import services
from website.invoices.models import Invoice, InvoiceStatus
from website.money import format_money
from website.payments.models import method_name
from website.payments.services import (
    NothingDue,
    PaymentUnavailable,
    cancel_open_payments,
    payment_history,
    record_bank_transfer,
)

# Why a draft was not issued (``NotIssuable.key``), and what to do about it.
NOT_ISSUED = {
    "deposit_agreement": _l(
        "Not issued: a private client pays more than half in advance only when they agreed to "
        "it individually. Tick the box if they did."
    ),
    "delivery_far": _l(
        "Not issued: the delivery date is more than five years away. Edit the draft first."
    ),
    "zero_rate_reason": _l(
        "Not issued: a line at 0% VAT needs its reason on the invoice. Edit the draft first."
    ),
    "client_vat_id": _l(
        "Not issued: reverse charge needs the client's VAT number. Add it to the client's "
        "details first."
    ),
    "client_address": _l(
        "Not issued: the client has no postal address. Add it to the client's details first."
    ),
}


bp.add_app_template_filter(method_name, "payment_method")


# --- the list --------------------------------------------------------------------------------


@bp.get("/invoices")
def invoices() -> Response:
    """The invoice list; an htmx search or filter gets only the rows."""
    form = InvoiceFilterForm(request.args)
    form.validate()  # each filter counts on its own: one bad value does not drop the other
    status = form.status.data if form.status.data and not form.status.errors else None
    text = form.q.data if not form.q.errors else None
    return render(
        "admin/invoices/list.html",
        partial="admin/invoices/_rows.html",
        form=form,
        page=paginate(services.search_query(text, InvoiceStatus(status) if status else None)),
        today=studio_today(),
    )


# --- drafting --------------------------------------------------------------------------------


@bp.route("/invoices/new", methods=["GET", "POST"])
def new_invoice() -> Response:
    """A new draft; "Add a line" shows the form again with one more row."""
    if request.method == "GET":
        return render("admin/invoices/form.html", form=DraftForm(formdata=None), invoice=None)
    form = DraftForm()
    if request.form.get("action") == "add-line" or not form.validate():
        return _form_again(form, None)
    invoice = services.create_draft(
        client_with_details(form.email.data, form.details()),
        form.line_inputs(),
        form.delivery_date.data,
        zero_rate_reason=form.zero_rate,
        staff_id=current_user.id,
    )
    flash(_("The draft is saved. Check it, then issue it."))
    return redirect_after_post(url_for("admin.invoice", invoice_id=invoice.id))


@bp.route("/invoices/<int:invoice_id>/edit", methods=["GET", "POST"])
def edit_invoice(invoice_id: int) -> Response:
    """Change a draft: its client, delivery date and lines. Issued invoices never change."""
    invoice = _draft_or_refuse(invoice_id)
    if request.method == "GET":
        return render(
            "admin/invoices/form.html", form=DraftForm.for_invoice(invoice), invoice=invoice
        )
    form = DraftForm()
    if request.form.get("action") == "add-line" or not form.validate():
        return _form_again(form, invoice)
    with _refused_unless_draft(invoice):
        services.update_draft(
            invoice,
            client_with_details(form.email.data, form.details()),
            form.line_inputs(),
            form.delivery_date.data,
            zero_rate_reason=form.zero_rate,
            staff_id=current_user.id,
        )
    flash(_("The draft is saved."))
    return redirect_after_post(url_for("admin.invoice", invoice_id=invoice.id))


@bp.post("/invoices/<int:invoice_id>/delete")
def delete_invoice(invoice_id: int) -> Response:
    """Delete a draft for good; an issued invoice is kept and corrected by a credit note."""
    invoice = _draft_or_refuse(invoice_id)
    _require_token()
    with _refused_unless_draft(invoice):
        services.delete_draft(invoice, staff_id=current_user.id)
    flash(_("The draft is deleted."))
    return redirect_after_post(url_for("admin.invoices"))


def _form_again(form: DraftForm, invoice: Invoice | None) -> Response:
    """The form with one more row ("Add a line", 200), or with its errors (422)."""
    adding = request.form.get("action") == "add-line"
    if adding and not form.add_line():
        form.lines.errors = [_("An invoice has at most %(max)d lines.", max=len(form.lines))]
    return render(
        "admin/invoices/form.html",
        partial="admin/invoices/_form.html",
        status=200 if adding else 422,
        form=form,
        invoice=invoice,
        added=adding,
    )


# --- one invoice -----------------------------------------------------------------------------


@bp.get("/invoices/<int:invoice_id>")
def invoice(invoice_id: int) -> Response:
    """The invoice, its schedule, every payment attempt with its history, and the actions."""
    return _invoice_page(_invoice_or_404(invoice_id))


def _invoice_page(
    invoice: Invoice,
    issue_form: IssueForm | None = None,
    delivery_form: DeliveryForm | None = None,
) -> Response:
    """The whole page; an htmx issue form with errors gets only itself back (422).

    A delivery date with an error shows the whole page again (422).
    """
    parts = payment_history(invoice)
    return render(
        "admin/invoices/detail.html",
        partial="admin/invoices/_issue_form.html" if issue_form else None,
        status=422 if issue_form or delivery_form else 200,
        invoice=invoice,
        parts=parts,
        due=next((part for part in parts if part.installment is invoice.next_installment), None),
        live_link=services.live_pay_link(invoice),
        mails=services.invoice_mails(invoice),
        issue_form=issue_form or IssueForm(formdata=None, consumer=invoice.client.is_consumer),
        delivery_form=delivery_form or DeliveryForm(formdata=None),
        awaiting_delivery=invoice.awaiting_delivery,
        form=EmptyForm(),
        today=studio_today(),
    )


@bp.post("/invoices/<int:invoice_id>/issue")
def issue_invoice(invoice_id: int) -> Response:
    """Give the draft its number and schedule; from then on it cannot change."""
    invoice = _draft_or_refuse(invoice_id)
    form = IssueForm(consumer=invoice.client.is_consumer)
    if not form.validate():
        return _invoice_page(invoice, issue_form=form)
    try:
        with _refused_unless_draft(invoice):
            services.issue(
                invoice,
                studio_today(),
                form.deposit_percent,
                current_user.id,
                deposit_agreed=form.agreed.data,
            )
    except services.NothingToPay:
        flash(_("Not issued: the total, or a part of the schedule, would be zero."))
        return redirect_after_post(url_for("admin.invoice", invoice_id=invoice.id))
    except services.NotIssuable as refused:
        flash(NOT_ISSUED[refused.key])
        return redirect_after_post(url_for("admin.invoice", invoice_id=invoice.id))
    flash(_("Invoice %(number)s is issued. Send it when you are ready.", number=invoice.number))
    return redirect_after_post(url_for("admin.invoice", invoice_id=invoice.id))


@bp.post("/invoices/<int:invoice_id>/send")
def send_invoice(invoice_id: int) -> Response:
    """Email the invoice with a new pay link; links sent before stop working."""
    invoice = _issued_or_refuse(invoice_id)
    _require_token()
    try:
        services.send(invoice, current_user.id)
    except services.ClientErased as erased:
        flash(str(erased))
        return redirect_after_post(url_for("admin.invoice", invoice_id=invoice.id))
    flash(
        _(
            "Invoice %(number)s is emailed to %(email)s with a new pay link. "
            "Links sent before no longer work.",
            number=invoice.number,
            email=invoice.client.email,
        )
    )
    return redirect_after_post(url_for("admin.invoice", invoice_id=invoice.id))


@bp.post("/invoices/<int:invoice_id>/revoke-links")
def revoke_links(invoice_id: int) -> Response:
    """Shut every pay link to the invoice, e.g. one that went to a wrong address."""
    invoice = _issued_or_refuse(invoice_id)
    _require_token()
    if services.revoke_links(invoice, current_user.id):
        flash(_("The pay links are revoked. Send the invoice again to give the client a new one."))
    else:
        flash(_("There was no working pay link."))
    canceled, left_open = cancel_open_payments(invoice)
    if canceled:
        flash(
            ngettext(
                "%(num)d payment begun at Mollie was canceled.",
                "%(num)d payments begun at Mollie were canceled.",
                canceled,
            )
        )
    if left_open:
        flash(
            ngettext(
                "%(num)d payment begun at Mollie could not be canceled; it expires soon. If it "
                "is paid after all, the dashboard shows it to refund.",
                "%(num)d payments begun at Mollie could not be canceled; they expire soon. If "
                "one is paid after all, the dashboard shows it to refund.",
                left_open,
            )
        )
    return redirect_after_post(url_for("admin.invoice", invoice_id=invoice.id))


@bp.post("/invoices/<int:invoice_id>/delivered")
def record_delivery(invoice_id: int) -> Response:
    """The work is delivered: a balance that waited for the date now falls due."""
    invoice = _issued_or_refuse(invoice_id)
    form = DeliveryForm()
    if not form.validate():
        return _invoice_page(invoice, delivery_form=form)
    with _unless_busy(invoice):
        dated = services.record_delivery(invoice, form.delivered_on.data, current_user.id)
    if dated:
        flash(
            _(
                "The delivery date is recorded; the balance is due 14 days later. The client is "
                "emailed the due date with a new pay link."
            )
        )
    else:
        flash(_("Every part already has its due date; nothing was changed or emailed."))
    return redirect_after_post(url_for("admin.invoice", invoice_id=invoice.id))


@bp.post("/invoices/<int:invoice_id>/bank-transfer")
def bank_transfer(invoice_id: int) -> Response:
    """The money for the installment the button named came in by bank transfer: settle it.

    Only that installment: a form sent twice finds it paid and changes nothing.
    """
    invoice = _issued_or_refuse(invoice_id)
    form = BankTransferForm()
    if not form.validate():
        abort(400)
    part = next(
        (part for part in invoice.installments if part.position == form.installment.data), None
    )
    if part is None:
        abort(404)
    try:
        attempt = record_bank_transfer(part, current_user.id)
    except NothingDue:
        flash(_("This payment is already recorded; nothing was changed."))
    except PaymentUnavailable:
        flash(_("The invoice is busy with another payment. Please try again in a moment."))
    else:
        flash(
            _(
                "The bank transfer of %(amount)s is recorded.",
                amount=format_money(attempt.amount, current_language()),
            )
        )
    return redirect_after_post(url_for("admin.invoice", invoice_id=invoice.id))


# --- helpers ---------------------------------------------------------------------------------


def _require_token() -> None:
    if not EmptyForm().validate_on_submit():
        abort(400)


def _invoice_or_404(invoice_id: int) -> Invoice:
    found = services.invoice_with_details(invoice_id)
    if found is None:
        abort(404)
    return found


@contextmanager
def _refused_unless_draft(invoice: Invoice) -> Iterator[None]:
    """409 when the service finds the invoice issued after all (someone was just quicker);
    a busy invoice is shown again with a message to try again.
    """
    invoice_id = invoice.id
    with _unless_busy(invoice):
        try:
            yield
        except services.InvoiceNotDraft:
            _refuse(_invoice_or_404(invoice_id))  # deleted by someone else meanwhile: 404


@contextmanager
def _unless_busy(invoice: Invoice) -> Iterator[None]:
    """Someone else is changing the invoice: show it again, with a message to try again."""
    invoice_id = invoice.id
    try:
        yield
    except services.InvoiceBusy:
        flash(_("Someone else is changing this invoice. Please try again in a moment."))
        abort(redirect_after_post(url_for("admin.invoice", invoice_id=invoice_id)))


def _draft_or_refuse(invoice_id: int) -> Invoice:
    invoice = _invoice_or_404(invoice_id)
    if invoice.status is not InvoiceStatus.DRAFT:
        _refuse(invoice)
    return invoice


def _issued_or_refuse(invoice_id: int) -> Invoice:
    invoice = _invoice_or_404(invoice_id)
    if invoice.status is InvoiceStatus.DRAFT:
        _refuse(invoice)
    return invoice


def _refuse(invoice: Invoice) -> NoReturn:
    """409: an issued invoice cannot change, and a draft cannot be sent or paid."""
    page = render(
        "admin/invoices/conflict.html",
        partial="admin/invoices/_conflict.html",
        status=409,
        invoice=invoice,
    )
    abort(in_place_of_main(page))
