"""Recording consent, as the contact form and (later) the privacy centre give it."""

from __future__ import annotations

from website.extensions import db
from website.mail.services import normalise_email
from website.policy.services import current_version
from website.privacy.models import ConsentAction, ConsentChannel, ConsentEvent, ConsentPurpose


def record_consent(
    email: str,
    purpose: ConsentPurpose,
    action: ConsentAction,
    *,
    channel: ConsentChannel,
    language: str,
    actor: str = "subject",
) -> ConsentEvent:
    """Add a consent event naming the policy version shown in ``language`` (not committed)."""
    version = current_version(language)
    event = ConsentEvent(
        email=normalise_email(email),
        purpose=purpose,
        action=action,
        channel=channel,
        policy_version_id=version.id if version else None,
        actor=actor,
    )
    db.session.add(event)
    return event
