"""The "Your data" panel's values as people read them: euros, dates and times in Amsterdam
and the visitor's language, statuses and payment methods by name, lists as lists.

The download keeps machine values (``subject.plain``); this is only for the page.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask_babel import format_date, format_datetime, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from website.i18n import LANGUAGES, current_language
from website.labels import Labelled
from website.money import format_money
from website.payments.models import method_name
from website.privacy.services import OBJECTION
from website.privacy.subject import Line, Part, Payment, PaymentChange

NOTHING = Markup("–")


# Values stored as words of our own, by the field they are in.
WORDS = {
    "language": LANGUAGES,
    "reason": {OBJECTION: _l("you objected to marketing by us")},
}


def described(value: object, field: str = "") -> Markup:
    """One value of a record, ready for the page (escaped: much of it was typed by people)."""
    if value is None or value == "" or value == ():
        return NOTHING
    if field in WORDS and isinstance(value, str):
        return escape(WORDS[field].get(value, value))
    if isinstance(value, bool):
        return escape(_("yes") if value else _("no"))
    if isinstance(value, datetime):
        return _time(value)
    if isinstance(value, date):
        return escape(format_date(value, "long"))
    if isinstance(value, Decimal):
        return escape(_money(value))
    if isinstance(value, Labelled):
        return escape(value.label)
    if isinstance(value, tuple):
        items = Markup("").join(Markup("<li>%s</li>") % _item(item) for item in value)
        return Markup('<ul class="cell-list">%s</ul>') % items
    return escape(value)


def _item(item: Line | Part | Payment | PaymentChange) -> Markup:
    if isinstance(item, Line):
        return escape(
            _(
                "%(description)s: %(quantity)s × %(price)s, VAT %(rate)s%%",
                description=item.description,
                quantity=format_decimal(item.quantity),
                price=_money(item.unit_price),
                rate=format_decimal(item.vat_rate),
            )
        )
    if isinstance(item, Part):
        if item.due_on is None:
            return escape(f"{item.kind.label}: {_money(item.amount)}")
        return escape(
            _(
                "%(part)s: %(amount)s, due on %(date)s",
                part=item.kind.label,
                amount=_money(item.amount),
                date=format_date(item.due_on, "long"),
            )
        )
    if isinstance(item, Payment):
        return _payment(item)
    return _change(item)


def _payment(payment: Payment) -> Markup:
    text = escape(
        _(
            "%(part)s, attempt %(number)s, %(amount)s by %(method)s, status: %(status)s",
            part=payment.kind.label,
            number=payment.number,
            amount=_money(payment.amount),
            method=method_name(payment.method),
            status=payment.status.label,
        )
    )
    text = Markup("%s (%s)") % (text, _time(payment.paid_at or payment.created_at))
    if payment.refunded:
        text += escape(_("; refunded %(amount)s", amount=_money(payment.refunded)))
    if payment.charged_back:
        text += escape(_("; charged back %(amount)s", amount=_money(payment.charged_back)))
    return text


def _change(change: PaymentChange) -> Markup:
    text = escape(
        _(
            "%(part)s, attempt %(number)s: %(old)s → %(new)s (%(source)s)",
            part=change.kind.label,
            number=change.number,
            old=change.old_status.label if change.old_status else "–",
            new=change.new_status.label,
            source=change.source.label,
        )
    )
    return Markup("%s (%s)") % (text, _time(change.created_at))


def _time(moment: datetime) -> Markup:
    return Markup('<time datetime="%s">%s</time>') % (
        moment.isoformat(),
        format_datetime(moment, "short"),
    )


def _money(amount: Decimal) -> str:
    return format_money(amount, current_language())
