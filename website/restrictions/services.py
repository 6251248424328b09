"""Placing, reading and lifting a restriction of processing.

While a restriction is in force the studio only stores the person's data: the outbox holds
every mail to them, when it is queued and again at delivery, except mail about their rights
(``website.mail.services.queue_mail``: ``despite_restriction``); nothing is shared and no
marketing goes out; staff see it on the client page. This package imports no feature, so
the outbox can ask it.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from website.addresses import normalise_email
from website.clock import utcnow
from website.extensions import db
from website.restrictions.models import Restriction, RestrictionGround


def restriction_of(email: str) -> Restriction | None:
    """The restriction in force for this address, if any."""
    return db.session.scalar(
        sa.select(Restriction).where(
            Restriction.email == normalise_email(email), Restriction.lifted_at.is_(None)
        )
    )


def is_restricted(email: str) -> bool:
    return restriction_of(email) is not None


def restrict(email: str, ground: RestrictionGround, request_id: int | None = None) -> Restriction:
    """Put a restriction in force (not committed). One already in force stays as it is, also
    when two requests place it at the same moment."""
    address = normalise_email(email)
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    db.session.execute(
        dialect.insert(Restriction)
        .values(email=address, ground=ground, request_id=request_id, started_at=utcnow())
        .on_conflict_do_nothing(index_elements=["email"], index_where=sa.text("lifted_at IS NULL"))
    )
    return db.session.scalars(
        sa.select(Restriction).where(Restriction.email == address, Restriction.lifted_at.is_(None))
    ).one()


def lift(restriction: Restriction, staff_id: int) -> None:
    """End the restriction (not committed); the caller tells the person (Art. 18(3))."""
    restriction.lifted_at = utcnow()
    restriction.lifted_by_id = staff_id
