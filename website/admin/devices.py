"""Device cookies: a browser where a member signed in before stays known to the account.

Failed sign-ins are counted per known device and, separately, for all other browsers
together (OWASP's "device cookie" defence against lockout): whoever guesses passwords for
an address from elsewhere delays only the browsers the address's owner never used.
The cookie is signed, holds a keyed hash of the address (no list of addresses matches
it without SECRET_KEY) and a random device id, lives a year
and is sent only to ``/admin``.
"""

from __future__ import annotations

import secrets

from flask import current_app, request
from itsdangerous import BadData, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from website.addresses import address_key
from website.admin.models import StaffMember
from website.privacy.register import STAFF_DEVICE_COOKIE as COOKIE
from website.privacy.register import STAFF_DEVICE_LIFETIME as LIFETIME


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="staff-device")


def known_device(email: str) -> str:
    """This browser's device id for the address typed, or "" (an unknown browser)."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return ""
    try:
        address, device = _serializer().loads(raw, max_age=int(LIFETIME.total_seconds()))
    except (BadData, TypeError, ValueError):
        return ""
    if address != address_key(email) or not isinstance(device, str):
        return ""
    return device


def remember_device(response: Response, staff: StaffMember) -> None:
    """Mark this browser as one the member signed in from (keeping its id if it had one)."""
    device = known_device(staff.email) or secrets.token_hex(16)
    response.set_cookie(
        COOKIE,
        _serializer().dumps([address_key(staff.email), device]),
        max_age=int(LIFETIME.total_seconds()),
        path="/admin",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )
