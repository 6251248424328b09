"""The site's only door to Mollie: the real ``mollie-api-python`` client, with errors sorted.

Every call either returns the payment as Mollie's JSON (a dict) or raises
``MollieUnavailable``; callers never see the client's own exception classes. Which Mollie
is asked comes from ``MOLLIE_API_ENDPOINT``: the sandbox in development and tests, never in
production (the configuration refuses it).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from mollie.api.client import Client
from mollie.api.error import Error, NotFoundError, ResponseError

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 2
# The client trips over answers it does not expect (an error body without "detail" is a
# KeyError inside it); those count as Mollie failing, like any other.
GARBLED = (KeyError, TypeError, ValueError)
LIVE_CHECKOUT_ORIGIN = "https://www.mollie.com"
PAGE_SIZE = 250  # Mollie's largest page


class MollieUnavailable(Exception):
    """Mollie could not be reached, was too slow, failed or refused; nothing was changed."""


class MollieRefused(MollieUnavailable):
    """Mollie refused the request itself (400 or 422): asking again the same way won't help."""


class MollieKeyRefused(MollieUnavailable):
    """Mollie refused the API key (401 or 403): revoked, rotated or wrong. Only a new key
    in the configuration helps."""

    def __init__(self, message: str, http_status: int) -> None:
        super().__init__(message)
        self.http_status = http_status


KEY_REFUSED = (401, 403)


def client() -> Client:
    config = current_app.config
    mollie = Client(
        api_endpoint=config["MOLLIE_API_ENDPOINT"],
        timeout=(CONNECT_TIMEOUT, config["MOLLIE_TIMEOUT"]),
    )
    mollie.set_api_key(config["MOLLIE_API_KEY"])
    return mollie


def checkout_origin() -> str:
    """Where Mollie's checkout pages live: mollie.com, or the sandbox in development."""
    endpoint = urlsplit(current_app.config["MOLLIE_API_ENDPOINT"])
    if endpoint.hostname == "api.mollie.com":
        return LIVE_CHECKOUT_ORIGIN
    return f"{endpoint.scheme}://{endpoint.netloc}"


def expected_mode() -> str:
    """``live`` for a live key, ``test`` otherwise: a payment in the other mode is not ours."""
    return "live" if current_app.config["MOLLIE_API_KEY"].startswith("live_") else "test"


def create_payment(data: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
    try:
        return _payment(client().payments.create(data, idempotency_key=idempotency_key))
    except ResponseError as error:
        log.warning("Mollie refused or failed to create a payment: %s", _describe(error))
        if error.status in KEY_REFUSED:
            raise MollieKeyRefused(str(error), _status(error)) from error
        if error.status in (400, 422):
            raise MollieRefused(str(error)) from error
        raise MollieUnavailable(str(error)) from error
    except (Error, *GARBLED) as error:
        log.warning("Mollie could not create a payment: %s", _describe(error))
        raise MollieUnavailable(str(error)) from error


def get_payment(payment_id: str) -> dict[str, Any] | None:
    """The payment, or None when Mollie does not know it (or it is not a payment id)."""
    try:
        # With its refunds and chargebacks, in the same answer: what went back, and how.
        return _payment(client().payments.get(payment_id, embed="refunds,chargebacks"))
    except NotFoundError:
        return None
    except (Error, *GARBLED) as error:
        if isinstance(error, ResponseError) and error.status in KEY_REFUSED:
            raise MollieKeyRefused(str(error), _status(error)) from error
        if isinstance(error, ResponseError) and error.status in (400, 422):
            return None
        log.warning("Mollie could not be asked about a payment: %s", _describe(error))
        raise MollieUnavailable(str(error)) from error


def cancel_payment(payment_id: str) -> dict[str, Any] | None:
    """Cancel an open payment; None when Mollie will not (it cannot be canceled any more, or
    its method never can: only bank transfers and holds can, Mollie's ``isCancelable``)."""
    try:
        return _payment(client().payments.delete(payment_id))
    except ResponseError as error:
        if error.status in KEY_REFUSED:
            raise MollieKeyRefused(str(error), _status(error)) from error
        if error.status in (404, 422):
            return None
        log.warning("Mollie could not cancel a payment: %s", _describe(error))
        raise MollieUnavailable(str(error)) from error
    except (Error, *GARBLED) as error:
        log.warning("Mollie could not cancel a payment: %s", _describe(error))
        raise MollieUnavailable(str(error)) from error


def money_back_since(since: datetime) -> list[dict[str, Any]]:
    """Every refund and chargeback made at Mollie since ``since``, across all payments."""
    mollie = client()
    return _listed_since((mollie.refunds, mollie.chargebacks), since, "refunds and chargebacks")


def payments_since(since: datetime) -> list[dict[str, Any]]:
    """Every payment made at Mollie since ``since`` with this key."""
    return _listed_since((client().payments,), since, "payments")


def _listed_since(resources: tuple[Any, ...], since: datetime, what: str) -> list[dict[str, Any]]:
    """Read account-wide lists, newest first, page by page until older items come: one call
    per page, not one per payment."""
    found: list[dict[str, Any]] = []
    try:
        for resource in resources:
            page = resource.list(limit=PAGE_SIZE)
            while page is not None:
                items = [dict(item) for item in page]
                recent = [item for item in items if _created(item) >= since]
                found.extend(recent)
                if len(recent) < len(items) or not page.has_next():
                    break
                page = page.get_next()
    except ResponseError as error:
        log.warning("Mollie could not list %s: %s", what, _describe(error))
        if error.status in KEY_REFUSED:
            raise MollieKeyRefused(str(error), _status(error)) from error
        raise MollieUnavailable(str(error)) from error
    except (Error, *GARBLED) as error:
        log.warning("Mollie could not list %s: %s", what, _describe(error))
        raise MollieUnavailable(str(error)) from error
    return found


def _created(item: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(item["createdAt"])


def _payment(answer: Any) -> dict[str, Any]:
    """A payment as a plain dict; an answer that is no payment is an error like any other."""
    payment = dict(answer)
    if not isinstance(payment.get("id"), str) or not isinstance(payment.get("status"), str):
        raise ValueError("Mollie's answer is not a payment")
    return payment


def _status(error: ResponseError) -> int:
    status: int = getattr(error, "status", 0)
    return status


def _describe(error: Exception) -> str:
    if isinstance(error, ResponseError):
        return f"HTTP {error.status}: {error}"
    return f"{type(error).__name__}: {error}"
