"""Unsubscribe links: a signed token naming only the hash of an address, never the address.

The links work without signing in and never expire (an old newsletter must still work),
so the token carries nothing a reader of a log or a forwarded mail could misuse beyond
stopping the marketing mail of that one address.
"""

from __future__ import annotations

import re

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

SALT = "unsubscribe"
HASH = re.compile(r"^[0-9a-f]{64}$")


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def unsubscribe_token(address_hash: str) -> str:
    """The token for the address whose ``email_hash`` is ``address_hash``."""
    return _serializer().dumps(address_hash)


def read_unsubscribe_token(token: str) -> str | None:
    """The address hash a token was made for, or None if it is not one of ours."""
    try:
        value = _serializer().loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, str) and HASH.match(value) else None
