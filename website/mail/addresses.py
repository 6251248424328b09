"""Email addresses as the site compares and stores them: normalised, or as a hash.

Kept apart from the mail services (which import models) so models can use it too.
"""

from __future__ import annotations

import hashlib


def normalise_email(address: str) -> str:
    return address.strip().casefold()


def email_hash(address: str) -> str:
    return hashlib.sha256(normalise_email(address).encode()).hexdigest()
