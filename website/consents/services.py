"""Recording consent, and reading what is in force: the one way any feature writes a decision.

Events are only added, never changed. Each names the policy version in force and the exact
text shown (stored once, by hash), so a decision can be proven long after the site moved on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import sqlalchemy as sa

from website.addresses import normalise_email
from website.clock import utcnow
from website.consents.models import (
    ConsentAction,
    ConsentChannel,
    ConsentEvent,
    ConsentNotice,
    ConsentPurpose,
)
from website.extensions import db
from website.policy.services import current_version
from website.queries import insert_unless_present


def record_consent(
    email: str,
    purpose: ConsentPurpose,
    action: ConsentAction,
    *,
    channel: ConsentChannel,
    language: str,
    notice: str | None,
    actor: str = "subject",
) -> ConsentEvent:
    """Add a consent event (not committed) with the ``notice`` text shown in ``language``.

    The event names the policy version in force in that language and the hash of the exact
    text, which is stored (once) for proof. Without a notice (an unsubscribe link, an
    objection: nothing was shown to agree to) neither is recorded.
    """
    version = current_version(language) if notice is not None else None
    event = ConsentEvent(
        email=normalise_email(email),
        purpose=purpose,
        action=action,
        channel=channel,
        policy_version_id=version.id if version else None,
        notice_hash=store_notice(notice, language) if notice is not None else None,
        actor=actor,
    )
    db.session.add(event)
    return event


def notice_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def store_notice(text: str, language: str) -> str:
    """Keep ``text`` unless it is already kept (two requests may race: both are fine)."""
    digest = notice_hash(text)
    insert_unless_present(
        ConsentNotice, "hash", hash=digest, language=language, text=text, created_at=utcnow()
    )
    return digest


def consent_state(email: str) -> dict[ConsentPurpose, ConsentEvent | None]:
    """The latest event per purpose (None: never decided, so not given)."""
    return latest_consents(
        db.session.scalars(
            sa.select(ConsentEvent)
            .where(ConsentEvent.email == normalise_email(email))
            .order_by(ConsentEvent.created_at, ConsentEvent.id)
        )
    )


def latest_consents(events: Iterable[ConsentEvent]) -> dict[ConsentPurpose, ConsentEvent | None]:
    """The last of ``events`` (oldest first) per purpose; None where there is none."""
    state: dict[ConsentPurpose, ConsentEvent | None] = dict.fromkeys(ConsentPurpose)
    for event in events:
        state[event.purpose] = event
    return state


def is_given(event: ConsentEvent | None) -> bool:
    return event is not None and event.action == ConsentAction.GIVEN


def has_newsletter_consent(address: str) -> bool:
    """Whether the latest newsletter decision of this address is a giving."""
    latest = db.session.scalar(
        sa.select(ConsentEvent.action)
        .where(
            ConsentEvent.email == normalise_email(address),
            ConsentEvent.purpose == ConsentPurpose.NEWSLETTER,
        )
        .order_by(ConsentEvent.created_at.desc(), ConsentEvent.id.desc())
        .limit(1)
    )
    return latest == ConsentAction.GIVEN
