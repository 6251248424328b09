"""A person's restriction of processing: why, since when, and when it was lifted."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from website.clock import utcnow
from website.extensions import Model
from website.labels import Labelled, set_labels


class RestrictionGround(Labelled):
    """The grounds of Art. 18(1) GDPR on which a person may ask for a restriction."""

    ACCURACY = "accuracy"  # (a) they contest the accuracy, while it is checked
    UNLAWFUL = "unlawful"  # (b) processing is unlawful, and they want it kept, not erased
    LEGAL_CLAIM = "legal_claim"  # (c) no longer needed by us, but by them for a legal claim
    OBJECTION = "objection"  # (d) they objected (Art. 21(1)), while that is weighed


set_labels(
    {
        RestrictionGround.ACCURACY: _l("I contest that my data is correct, while you check it"),
        RestrictionGround.UNLAWFUL: _l(
            "My data is processed unlawfully, but I want it kept rather than erased"
        ),
        RestrictionGround.LEGAL_CLAIM: _l(
            "You no longer need my data, but I need it for a legal claim"
        ),
        RestrictionGround.OBJECTION: _l(
            "I objected to the processing, while you weigh my objection"
        ),
    }
)


class Restriction(Model):
    """One restriction of one address; at most one in force at a time (``lifted_at`` unset)."""

    __tablename__ = "privacy_restriction"
    __table_args__ = (
        sa.Index(
            "uq_privacy_restriction_in_force",
            "email",
            unique=True,
            sqlite_where=sa.text("lifted_at IS NULL"),
            postgresql_where=sa.text("lifted_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)  # normalised
    ground: Mapped[RestrictionGround]
    # The request that asked for it (website.privacy), if it came through one.
    request_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("privacy_request.id", ondelete="SET NULL")
    )
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    lifted_at: Mapped[datetime | None]
    lifted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("staff_member.id", ondelete="SET NULL")
    )
