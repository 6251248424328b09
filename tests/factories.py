"""Small factory functions for test data; each adds, commits and returns the row."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from website.clients.services import client_for
from website.clock import studio_today
from website.extensions import db
from website.invoices.models import Invoice
from website.invoices.services import LineInput, create_draft, issue, new_pay_link
from website.policy.models import PolicyVersion

POLICY_BODY = """Intro text.

## 1. What we collect {#information-we-collect}

We collect what you send us.

### 1.1 Detail {#detail}

More.

## 2. Your rights {#your-rights}

Mail <info@ivisualproductions.nl>.
"""


def make_policy_version(**overrides: Any) -> PolicyVersion:
    values: dict[str, Any] = {
        "language": "en",
        "published_on": date(2019, 6, 8),
        "body": POLICY_BODY,
    }
    values.update(overrides)
    version = PolicyVersion(**values)
    db.session.add(version)
    db.session.commit()
    return version


SHOOT_LINE = ("Family shoot, 2 hours", "1", "395.00", "21")


def make_issued_invoice(
    *,
    email: str = "anna@example.nl",
    name: str = "Anna de Vries",
    language: str = "nl",
    lines: tuple[tuple[str, str, str, str], ...] = (SHOOT_LINE,),
    deposit_percent: int = 50,
    delivery_date: date | None = None,
) -> tuple[Invoice, str]:
    """An issued invoice for a (new or existing) client, and a live pay-link token."""
    client = client_for(email, name, language)
    client.address = "Kerkstraat 1\n1234 AB Utrecht"
    inputs = [LineInput(d, Decimal(q), Decimal(p), Decimal(r)) for d, q, p, r in lines]
    invoice = create_draft(client, inputs, delivery_date=delivery_date)
    issue(invoice, studio_today(), deposit_percent=deposit_percent)
    token = new_pay_link(invoice)
    db.session.commit()
    return invoice, token
