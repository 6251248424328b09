"""Messages sent through the contact form."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from website.clients.models import Client
from website.clock import utcnow
from website.extensions import Model
from website.labels import Labelled, set_labels


class ProductionKind(Labelled):
    PHOTO = "photo"
    VIDEO = "video"
    BOTH = "both"
    OTHER = "other"


class MessageStatus(Labelled):
    NEW = "new"
    HANDLED = "handled"
    ARCHIVED = "archived"


set_labels(
    {
        ProductionKind.PHOTO: _l("Photos"),
        ProductionKind.VIDEO: _l("Video"),
        ProductionKind.BOTH: _l("Photos and video"),
        ProductionKind.OTHER: _l("Something else"),
        MessageStatus.NEW: _l("New"),
        MessageStatus.HANDLED: _l("Handled"),
        MessageStatus.ARCHIVED: _l("Archived"),
    }
)


class ContactMessage(Model):
    """A visitor's message, stored before any mail about it is sent."""

    __tablename__ = "contact_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(16), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    email: Mapped[str] = mapped_column(sa.String(254))
    email_normalised: Mapped[str] = mapped_column(sa.String(254), index=True)
    phone: Mapped[str | None] = mapped_column(sa.String(30))
    production_kind: Mapped[ProductionKind]
    preferred_date: Mapped[date | None]
    body: Mapped[str] = mapped_column(sa.Text)
    language: Mapped[str] = mapped_column(sa.String(2))
    newsletter: Mapped[bool] = mapped_column(default=False)
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("client.id"), index=True)
    handled_at: Mapped[datetime | None]
    archived_at: Mapped[datetime | None]

    client: Mapped[Client] = relationship()

    @property
    def status(self) -> MessageStatus:
        if self.archived_at:
            return MessageStatus.ARCHIVED
        return MessageStatus.HANDLED if self.handled_at else MessageStatus.NEW
