"""A refused Mollie API key is a configuration error, not an outage: staff hear of it at once.

Mollie answers 401 (or 403) when the key was revoked, rotated or never belonged to the
account. Retrying cannot help, so the first refusal is recorded and mailed to the studio,
the dashboard says so until Mollie accepts the key again, and clients are told to pay by
bank transfer meanwhile.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from website.audit.services import record
from website.clock import utcnow
from website.extensions import db
from website.mail.services import queue_mail
from website.payments.models import MollieKeyStatus
from website.queries import changed_rows, insert_unless_present

log = logging.getLogger(__name__)

ROW = 1


def note_refused(http_status: int) -> None:
    """Record a refusal (committed); the first of a spell mails the studio, once."""
    db.session.rollback()
    now = utcnow()
    insert_unless_present(MollieKeyStatus, "id", id=ROW)
    first = changed_rows(
        sa.update(MollieKeyStatus)
        .where(MollieKeyStatus.id == ROW, MollieKeyStatus.refused_since.is_(None))
        .values(refused_since=now)
    )
    db.session.execute(
        sa.update(MollieKeyStatus)
        .where(MollieKeyStatus.id == ROW)
        .values(last_refused_at=now, http_status=http_status)
    )
    if first:
        log.error("Mollie refuses the API key (HTTP %s): set a valid MOLLIE_API_KEY", http_status)
        record(None, "payments.key_refused", "mollie_key", str(http_status))
        config = current_app.config
        queue_mail(
            "payments/key_refused",
            to=config["STUDIO_INBOX"],
            subject=_l("Mollie refuses the website's API key"),
            language=config["DEFAULT_LANGUAGE"],
            http_status=http_status,
        )
    db.session.commit()


def note_accepted() -> None:
    """Mollie answered with the key: end a spell of refusals (in the caller's transaction)."""
    db.session.execute(
        sa.update(MollieKeyStatus)
        .where(MollieKeyStatus.id == ROW, MollieKeyStatus.refused_since.is_not(None))
        .values(refused_since=None)
    )


def refused() -> MollieKeyStatus | None:
    """The current spell of refusals, if Mollie refuses the key now."""
    return db.session.scalar(
        sa.select(MollieKeyStatus).where(
            MollieKeyStatus.id == ROW, MollieKeyStatus.refused_since.is_not(None)
        )
    )
