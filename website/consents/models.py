"""Consent: an append-only history of what each person agreed to, and when.

The contact form, the privacy centre, unsubscribe links and staff all record here; the mail
outbox reads it before sending a newsletter. It imports no feature, so every feature can.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import Mapped, mapped_column, relationship

from website.addresses import email_hash
from website.clock import utcnow
from website.extensions import Model
from website.labels import Labelled, set_labels
from website.policy.models import PolicyVersion


class ConsentPurpose(Labelled):
    PORTFOLIO = "portfolio"
    SOCIAL_MEDIA = "social_media"
    PARTNERS = "partners"
    NEWSLETTER = "newsletter"


class ConsentAction(Labelled):
    GIVEN = "given"
    WITHDRAWN = "withdrawn"


class ConsentChannel(Labelled):
    CONTACT_FORM = "contact_form"
    PRIVACY_CENTRE = "privacy_centre"
    UNSUBSCRIBE_LINK = "unsubscribe_link"
    STAFF = "staff"


set_labels(
    {
        ConsentPurpose.PORTFOLIO: _l("Portfolio"),
        ConsentPurpose.SOCIAL_MEDIA: _l("Social media"),
        ConsentPurpose.PARTNERS: _l("Sharing with partners"),
        ConsentPurpose.NEWSLETTER: _l("Newsletter"),
        ConsentAction.GIVEN: _l("given"),
        ConsentAction.WITHDRAWN: _l("withdrawn"),
        ConsentChannel.CONTACT_FORM: _l("contact form"),
        ConsentChannel.PRIVACY_CENTRE: _l("privacy centre"),
        ConsentChannel.UNSUBSCRIBE_LINK: _l("unsubscribe link"),
        ConsentChannel.STAFF: _l("by staff"),
    }
)


class ConsentNotice(Model):
    """The exact consent text someone was shown, in the language shown; found by its hash.

    Stored once per distinct text and never changed, so what a person agreed to can be proven
    long after the wording on the site has moved on (Art. 7(1) GDPR).
    """

    __tablename__ = "consent_notice"

    hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)  # SHA-256 of text, hex
    language: Mapped[str] = mapped_column(sa.String(2))
    text: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def _email_hash(context: DefaultExecutionContext) -> str:
    return email_hash(context.get_current_parameters()["email"])


class ConsentEvent(Model):
    """One giving or withdrawing of consent; rows are only ever added, never changed."""

    __tablename__ = "consent_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)  # normalised
    # website.addresses.email_hash of the address: what an unsubscribe link knows.
    email_hash: Mapped[str] = mapped_column(sa.String(64), index=True, default=_email_hash)
    purpose: Mapped[ConsentPurpose]
    action: Mapped[ConsentAction]
    channel: Mapped[ConsentChannel]
    # The policy text the person was shown when they decided (Art. 7(1) GDPR).
    policy_version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("policy_version.id"))
    # The consent text itself, as shown (ConsentNotice); None where no text was shown, as
    # for an unsubscribe link or an objection, which need no policy version either.
    notice_hash: Mapped[str | None] = mapped_column(sa.ForeignKey("consent_notice.hash"))
    actor: Mapped[str] = mapped_column(sa.String(40))  # "subject", or "staff:<id>"
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    policy_version: Mapped[PolicyVersion | None] = relationship()
    notice: Mapped[ConsentNotice | None] = relationship()
