"""Money: cents rounded half up, shown the Dutch or the English way, stored exactly."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa
import sqlalchemy.dialects.sqlite

from website.extensions import Hundredths
from website.money import cents, format_money


@pytest.mark.parametrize(
    ("amount", "rounded"),
    [("1.005", "1.01"), ("1.004", "1.00"), ("2.675", "2.68"), ("-1.005", "-1.01"), ("10", "10.00")],
)
def test_cents_round_half_up(amount: str, rounded: str) -> None:
    assert cents(Decimal(amount)) == Decimal(rounded)
    assert str(cents(Decimal(amount))) == rounded


@pytest.mark.parametrize(
    ("language", "shown"),
    [("nl", "€ 1.234,56"), ("en", "€1,234.56")],
)
def test_amounts_are_shown_per_language(language: str, shown: str) -> None:
    # Dutch puts a no-break space between the sign and the amount.
    assert format_money(Decimal("1234.555"), language).replace("\xa0", " ") == shown


def test_hundredths_are_stored_exactly() -> None:
    column = Hundredths()
    dialect = sa.dialects.sqlite.dialect()
    assert column.process_bind_param(Decimal("1234.56"), dialect) == 123456
    assert column.process_result_value(123456, dialect) == Decimal("1234.56")
    assert column.process_bind_param(None, dialect) is None
    with pytest.raises(ValueError, match="more than two decimal places"):
        column.process_bind_param(Decimal("0.001"), dialect)
