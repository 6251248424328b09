"""Enum labels: members of different enums with the same value keep their own label."""

from __future__ import annotations

from flask import Flask

from website.payments.models import PaymentSource, PaymentStatus


def test_equal_values_of_different_enums_are_labelled_apart(app: Flask) -> None:
    assert PaymentStatus.CREATED == PaymentSource.CREATED == "created"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert str(PaymentStatus.CREATED.label) == "Being created"
        assert str(PaymentSource.CREATED.label) == "created by the pay button"
