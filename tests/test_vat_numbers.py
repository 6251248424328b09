"""VAT numbers: clients' checked by their EU country's rules, the studio's as a Dutch btw-id."""

from __future__ import annotations

import pytest

from website.vat_numbers import (
    NotAVatNumber,
    WrongVatNumber,
    client_vat_number,
    dutch_vat_number,
)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("NL 8547.91.346.B01", "NL854791346B01"),
        ("nl854791346b01", "NL854791346B01"),
        ("NL000099998B57", "NL000099998B57"),  # a sole trader's btw-id (since 2020)
        ("DE 136 695 976", "DE136695976"),
        ("BE 0403-170-701", "BE0403170701"),
        ("EL 094259216", "EL094259216"),
        ("GR094259216", "EL094259216"),  # Greece's VAT prefix is EL
        ("GB 980 7806 84", "GB980780684"),  # outside the EU: only the shape is checked
        ("CHE-116.281.710", "CHE116281710"),
    ],
)
def test_a_clients_vat_number_is_stored_compact(typed: str, stored: str) -> None:
    assert client_vat_number(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "NL123456789B01",  # the check digit fails
        "NL854791346B1",  # too short
        "NL854791346A01",  # no B
        "DE136695977",
        "BE0403170702",
        "XI980780685",  # Northern Ireland follows the EU's rules
    ],
)
def test_an_eu_number_that_fails_its_countrys_check_is_refused(typed: str) -> None:
    with pytest.raises(WrongVatNumber):
        client_vat_number(typed)


@pytest.mark.parametrize("typed", ["123", "N1854791346B01", "NL", "NL 85/47", "NLé54791346B01"])
def test_something_else_is_not_a_vat_number(typed: str) -> None:
    with pytest.raises(NotAVatNumber) as refused:
        client_vat_number(typed)
    assert not isinstance(refused.value, WrongVatNumber)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("NL000099998B57", "NL000099998B57"),
        ("NL 8547.91.346.B01", "NL854791346B01"),
        ("854791346B01", "NL854791346B01"),  # the prefix is put in front
    ],
)
def test_the_studios_btw_id(typed: str, stored: str) -> None:
    assert dutch_vat_number(typed) == stored


@pytest.mark.parametrize("typed", ["NL123456789B01", "DE136695976", "BE0403170701", ""])
def test_the_studio_needs_a_valid_dutch_btw_id(typed: str) -> None:
    with pytest.raises(ValueError, match="not a Dutch btw-id"):
        dutch_vat_number(typed)
