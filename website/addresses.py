"""Email addresses as the site compares and stores them: normalised, or as a hash.

Every feature and several models need these, so they sit below the features, importing none.
"""

from __future__ import annotations

import hashlib
import hmac

from email_validator import EmailNotValidError, validate_email
from flask import current_app

# UTF-8 bytes (RFC 5321, as email-validator counts); lowered, the address fits as many characters.
MAX_LENGTH = 254


def is_address(text: str) -> bool:
    """Whether ``text`` (trimmed) is an address the forms accept (the Email validator's rules)."""
    try:
        validate_email(text.strip(), check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def normalise_email(address: str) -> str:
    """The form addresses are stored and compared in: trimmed and lower case.

    ``lower()``, not ``casefold()``: folding turns "straße@" into "strasse@", which can be
    another person's mailbox, and can make an address longer than its column.
    """
    return address.strip().lower()


def email_hash(address: str) -> str:
    return hashlib.sha256(normalise_email(address).encode()).hexdigest()


def address_key(address: str) -> str:
    """A keyed hash of an address (HMAC with SECRET_KEY), e.g. for rate-limit counters: unlike
    ``email_hash`` it cannot be matched against a list of addresses without the key."""
    key = current_app.config["SECRET_KEY"].encode()
    message = f"address:{normalise_email(address)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
