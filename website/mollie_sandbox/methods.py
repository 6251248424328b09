"""Money, payment methods and their limits, and the sandbox's bank details.

Amounts stay the strings the merchant sent (Mollie echoes them exactly); ``Decimal`` is
only used to compare and add them. The limits follow docs/mollie.md §3 and the expiry periods
§4; where Mollie publishes no single number (per-account maximums), the sandbox picks one.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

# Decimals per accepted currency: the value string must have exactly this many.
CURRENCY_DECIMALS = {"EUR": 2, "GBP": 2, "USD": 2, "CHF": 2, "SEK": 2, "DKK": 2, "PLN": 2}


@dataclass(frozen=True)
class Money:
    """An amount as Mollie's JSON has it: ``{"currency": "EUR", "value": "10.00"}``."""

    currency: str
    value: str

    @property
    def decimal(self) -> Decimal:
        return Decimal(self.value)

    @classmethod
    def of(cls, currency: str, amount: Decimal) -> Money:
        """Format ``amount`` with the currency's number of decimals."""
        places = CURRENCY_DECIMALS.get(currency, 2)
        return cls(currency, f"{amount:.{places}f}")

    def json(self) -> dict[str, str]:
        return {"value": self.value, "currency": self.currency}

    def display(self) -> str:
        """For the checkout page (``lang="en"``): €1,234.50, or GBP 1,234.50."""
        number = f"{self.decimal:,.{CURRENCY_DECIMALS.get(self.currency, 2)}f}"
        return f"€{number}" if self.currency == "EUR" else f"{self.currency} {number}"


def value_pattern(currency: str) -> re.Pattern[str]:
    """Digits, then exactly the currency's decimals ("10.00", not "10", "10.0" or "1e1")."""
    places = CURRENCY_DECIMALS[currency]
    return re.compile(rf"\d{{1,9}}\.\d{{{places}}}" if places else r"\d{1,9}")


@dataclass(frozen=True)
class Method:
    id: str
    description: str
    expires_after: timedelta
    minimum: Decimal
    maximum: Decimal
    currencies: frozenset[str]


EUR_ONLY = frozenset({"EUR"})
ALL_CURRENCIES = frozenset(CURRENCY_DECIMALS)

# Expiry periods from Mollie's table (docs/mollie.md §4); bank transfer is special-cased in
# ``bank_transfer_expiry``. Maximums are what a typical account gets.
METHODS: dict[str, Method] = {
    method.id: method
    for method in (
        Method(
            "ideal", "iDEAL", timedelta(minutes=15), Decimal("0.01"), Decimal("50000.00"), EUR_ONLY
        ),
        Method(
            "creditcard",
            "Card",
            timedelta(minutes=30),
            Decimal("0.01"),
            Decimal("10000.00"),
            ALL_CURRENCIES,
        ),
        Method(
            "bancontact",
            "Bancontact",
            timedelta(hours=1),
            Decimal("0.02"),
            Decimal("50000.00"),
            EUR_ONLY,
        ),
        Method(
            "paypal",
            "PayPal",
            timedelta(hours=72),
            Decimal("0.01"),
            Decimal("10000.00"),
            ALL_CURRENCIES,
        ),
        Method(
            "banktransfer",
            "Bank transfer",
            timedelta(days=12),
            Decimal("0.01"),
            Decimal("1000000.00"),
            EUR_ONLY,
        ),
    )
}
# A payment without a fixed method expires like Mollie's ``method: null`` example.
UNCHOSEN_EXPIRY = timedelta(minutes=15)
# Cards with a hold (status ``authorized``) can be captured for this long.
AUTHORIZATION_EXPIRY = timedelta(days=28)

# Mollie's own collection account, as its documentation shows it.
BANK_NAME = "Stichting Mollie Payments"
BANK_ACCOUNT = "NL53ABNA0627535577"
BANK_BIC = "ABNANL2A"


def limits(methods: tuple[str, ...]) -> tuple[Decimal, Decimal]:
    """The smallest minimum and largest maximum over the methods offered."""
    offered = [METHODS[name] for name in methods or tuple(METHODS)]
    return min(m.minimum for m in offered), max(m.maximum for m in offered)


def creditor_reference() -> str:
    """A random, valid ISO 11649 ("RF") reference, grouped the way Mollie shows it.

    Valid check digits matter: the site may print the reference in an EPC QR code.
    """
    digits = "".join(secrets.choice("0123456789") for _ in range(12))
    remainder = int(digits + "271500") % 97  # "RF00" with R=27, F=15
    check = f"{98 - remainder:02d}"
    return f"RF{check}-{digits[:4]}-{digits[4:8]}-{digits[8:]}"


def bank_transfer_details() -> dict[str, str]:
    return {
        "bankName": BANK_NAME,
        "bankAccount": BANK_ACCOUNT,
        "bankBic": BANK_BIC,
        "transferReference": creditor_reference(),
    }
