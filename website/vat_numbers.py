"""VAT numbers: a client's, checked by its EU country's rules, and the studio's own btw-id.

Both are checked with python-stdnum (length, format and check digits; nothing is asked of
VIES, so a number that passes may still not be registered) and kept in compact form:
capitals, no spaces, dots or dashes, the country prefix in front (``NL854791346B01``).
"""

from __future__ import annotations

import re

from stdnum.eu import vat
from stdnum.exceptions import ValidationError
from stdnum.nl import btw

SEPARATORS = re.compile(r"[\s.\-]")
# Two letters, then digits and letters (an Irish number may hold + or *).
SHAPE = re.compile(r"[A-Z]{2}[0-9A-Z+*]{2,13}")
# The prefixes stdnum checks: the member states (Greece's VAT prefix is EL, not GR) and
# Northern Ireland (XI). Numbers of other countries (the UK, Switzerland, Norway) appear on
# invoices to clients there; for them only the shape is checked.
EU_PREFIXES = frozenset({state.upper() for state in vat.MEMBER_STATES} | {"EL"})


class NotAVatNumber(ValueError):
    """Not even shaped like a VAT number: two letters, then digits and letters."""


class WrongVatNumber(NotAVatNumber):
    """Shaped like an EU VAT number, but its country's length, format or check digits fail."""


def client_vat_number(text: str) -> str:
    """A client's VAT number as stored: ``"nl 8547.91.346.b01"`` is ``"NL854791346B01"``.

    :raises NotAVatNumber: not shaped like a VAT number at all.
    :raises WrongVatNumber: an EU number that its country's rules refuse (a typo, mostly).
    """
    number = SEPARATORS.sub("", text).upper()
    if not SHAPE.fullmatch(number):
        raise NotAVatNumber(text)
    if number[:2] not in EU_PREFIXES:
        return number
    try:
        number = vat.validate(number)
    except ValidationError as error:
        raise WrongVatNumber(text) from error
    return "EL" + number[2:] if number.startswith("GR") else number


def dutch_vat_number(text: str) -> str:
    """The studio's btw-id as invoices show it: ``"NL 0000.99998.B57"`` is ``"NL000099998B57"``.

    Both kinds pass: the btw-id of a sole trader since 2020 (mod 97) and the older number
    built on an RSIN or BSN (the 11-check). ``NL`` may be left out; it is put in front.

    :raises ValueError: with stdnum's reason (length, format or check digits).
    """
    try:
        return "NL" + btw.validate(text)
    except ValidationError as error:
        raise ValueError(f"not a Dutch btw-id ({error})") from error
