"""Validation of API request bodies, with Mollie's 422 answers (``field`` + ``detail``).

Messages that docs/mollie.md §3 quotes from real Mollie responses are used word for word
("The amount contains an invalid value", "Amount is lower than the minimum", "The amount is
higher than the maximum"); the others are the sandbox's own wording.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from website.mollie_sandbox import methods
from website.mollie_sandbox.methods import Money
from website.mollie_sandbox.store import NewPayment, SandboxError

LOCALES = frozenset(
    [
        "en_US",
        "en_GB",
        "nl_NL",
        "nl_BE",
        "fr_FR",
        "fr_BE",
        "de_DE",
        "de_AT",
        "de_CH",
        "es_ES",
        "ca_ES",
        "pt_PT",
        "it_IT",
        "nb_NO",
        "sv_SE",
        "fi_FI",
        "da_DK",
        "is_IS",
        "hu_HU",
        "pl_PL",
        "lv_LV",
        "lt_LT",
    ]
)
DESCRIPTION_MAX = 255  # longer descriptions are cut, not refused (docs/mollie.md §3)
REFUND_DESCRIPTION_MAX = 140
METADATA_MAX_BYTES = 1024  # "up to approximately 1kB"
DUE_DATE_MAX_DAYS = 100


def invalid(detail: str, field: str) -> SandboxError:
    return SandboxError(422, detail, field)


def money(raw: Any, field: str = "amount") -> Money:
    """An amount object whose value is a string with exactly the currency's decimals."""
    if not isinstance(raw, dict):
        raise invalid("The amount is invalid or missing.", field)
    currency, value = raw.get("currency"), raw.get("value")
    if not isinstance(currency, str) or currency not in methods.CURRENCY_DECIMALS:
        raise invalid("The currency is invalid or not supported.", f"{field}.currency")
    # Mollie refuses numbers ("Non-string values are not accepted") and wrong decimals.
    if not isinstance(value, str) or not methods.value_pattern(currency).fullmatch(value):
        raise invalid("The amount contains an invalid value", f"{field}.value")
    return Money(currency, value)


def url(raw: Any, field: str, *, required: bool = False) -> str | None:
    """An absolute http(s) URL; unlike Mollie, localhost webhooks are welcome here."""
    if raw is None and not required:
        return None
    parts = urlsplit(raw) if isinstance(raw, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        if raw is None:
            raise invalid(f"The {field} is missing.", field)
        raise invalid(f"The {field} is invalid.", field)
    return raw


def metadata(raw: Any) -> Any:
    if len(json.dumps(raw, separators=(",", ":")).encode()) > METADATA_MAX_BYTES:
        raise invalid("The metadata is too large (at most about 1 kB).", "metadata")
    return raw


def description(raw: Any, limit: int = DESCRIPTION_MAX, *, required: bool = True) -> str:
    if raw is None and not required:
        return ""
    if not isinstance(raw, str) or not raw.strip():
        raise invalid("The description is invalid or missing.", "description")
    return raw[:limit]


def due_date(raw: Any, today: date) -> date:
    """``YYYY-MM-DD``, from tomorrow up to 100 days ahead."""
    try:
        value = date.fromisoformat(raw) if isinstance(raw, str) and len(raw) == 10 else None
    except ValueError:
        value = None
    if value is None:
        raise invalid("The due date is invalid; use YYYY-MM-DD.", "dueDate")
    if not today < value <= today + timedelta(days=DUE_DATE_MAX_DAYS):
        raise invalid("The due date must be from tomorrow up to 100 days ahead.", "dueDate")
    return value


def method_choice(raw: Any) -> tuple[str | None, tuple[str, ...]]:
    """``method`` may be null, a string or a list; a list restricts the checkout's choice."""
    if raw is None:
        return None, ()
    names = [raw] if isinstance(raw, str) else raw
    if (
        not isinstance(names, list)
        or not names
        or not all(isinstance(n, str) and n in methods.METHODS for n in names)
    ):
        raise invalid("The payment method is invalid or not activated.", "method")
    offered = tuple(dict.fromkeys(names))
    return (offered[0] if len(offered) == 1 else None), offered


def check_limits(amount: Money, offered: tuple[str, ...]) -> None:
    for name in offered:
        if amount.currency not in methods.METHODS[name].currencies:
            raise invalid(
                f"The payment method {name} does not support {amount.currency}.", "amount.currency"
            )
    minimum, maximum = methods.limits(offered)
    if amount.decimal < minimum:
        raise invalid("Amount is lower than the minimum", "amount")
    if amount.decimal > maximum:
        raise invalid("The amount is higher than the maximum", "amount")


def new_payment(body: dict[str, Any], today: date) -> NewPayment:
    amount = money(body.get("amount"))
    method, offered = method_choice(body.get("method"))
    check_limits(amount, offered)
    locale = body.get("locale")
    if locale is not None and locale not in LOCALES:
        raise invalid("The locale is invalid.", "locale")
    raw_due = body.get("dueDate")
    return NewPayment(
        amount=amount,
        description=description(body.get("description")),
        redirect_url=url(body.get("redirectUrl"), "redirectUrl", required=True),
        cancel_url=url(body.get("cancelUrl"), "cancelUrl"),
        webhook_url=url(body.get("webhookUrl"), "webhookUrl"),
        metadata=metadata(body.get("metadata")),
        locale=locale,
        method=method,
        offered_methods=offered,
        due_date=None if raw_due is None else due_date(raw_due, today),
    )


def payment_changes(body: dict[str, Any], today: date) -> dict[str, Any]:
    """The fields a PATCH may change; unknown fields are ignored, as Mollie does."""
    changes: dict[str, Any] = {}
    if "description" in body:
        changes["description"] = description(body["description"])
    for key in ("redirectUrl", "cancelUrl", "webhookUrl"):
        if key in body:
            changes[key] = url(body[key], key, required=key == "redirectUrl")
    if "metadata" in body:
        changes["metadata"] = metadata(body["metadata"])
    if "locale" in body:
        if body["locale"] not in LOCALES:
            raise invalid("The locale is invalid.", "locale")
        changes["locale"] = body["locale"]
    if "dueDate" in body:
        changes["dueDate"] = due_date(body["dueDate"], today)
    return changes


def refund_request(body: dict[str, Any]) -> tuple[Money, str, Any]:
    amount = money(body.get("amount"))
    if amount.decimal <= Decimal(0):
        raise invalid("Amount is lower than the minimum", "amount")
    text = description(body.get("description"), REFUND_DESCRIPTION_MAX, required=False)
    return amount, text, metadata(body.get("metadata"))
