"""The people the studio works with or hears from, one row per email address."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from website.clock import utcnow
from website.extensions import Model


class Client(Model):
    """Someone who wrote to the studio or is invoiced by it; found by their email address."""

    __tablename__ = "client"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)  # normalised
    name: Mapped[str] = mapped_column(sa.String(100))
    language: Mapped[str] = mapped_column(sa.String(2))
    # On invoices: the postal address, and for businesses their name and VAT id.
    address: Mapped[str | None] = mapped_column(sa.Text)
    phone: Mapped[str | None] = mapped_column(sa.String(30))
    company_name: Mapped[str | None] = mapped_column(sa.String(150))
    vat_id: Mapped[str | None] = mapped_column(sa.String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when the person's data was erased and issued invoices still point here: the row
    # then holds nothing that names or reaches them (website.privacy.erasure).
    erased_at: Mapped[datetime | None]

    @property
    def is_consumer(self) -> bool:
        """A private person: invoiced without a company name or VAT id."""
        return not self.company_name and not self.vat_id
