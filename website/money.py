"""Money is Decimal, rounded to cents half up (Dutch practice), shown per language."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_currency

CENT = Decimal("0.01")
LOCALES = {"nl": "nl_NL", "en": "en_GB"}


def cents(amount: Decimal) -> Decimal:
    """Round to whole cents, halves away from zero."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def format_money(amount: Decimal, language: str) -> str:
    """€ 1.234,56 in Dutch, €1,234.56 in English."""
    return format_currency(cents(amount), "EUR", locale=LOCALES[language])
