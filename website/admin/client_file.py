"""The client page's file: everything the studio holds about one client, from every feature.

An aggregate over invoices, messages, consents, mail and the privacy centre, so it lives in the
back office, above the features it reads (as ``website.privacy.subject`` does for an address).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from website.clients.models import Client
from website.consents.models import ConsentEvent, ConsentPurpose
from website.consents.services import latest_consents
from website.contact.models import ContactMessage
from website.extensions import db
from website.invoices.models import Invoice
from website.mail.models import OutboxMessage
from website.mail.services import is_suppressed
from website.privacy.models import Profile, ProfilePhoto
from website.privacy.profile import find_profile
from website.privacy.subject import photos
from website.restrictions.models import Restriction
from website.restrictions.services import restriction_of


@dataclass(frozen=True)
class ClientFile:
    """Everything about one client, for the client page."""

    client: Client
    invoices: list[Invoice]
    messages: list[ContactMessage]
    consents: list[ConsentEvent]
    mails: list[OutboxMessage]
    # From the privacy centre: the consent in force per purpose, the objection, the profile.
    current_consents: dict[ConsentPurpose, ConsentEvent | None]
    objecting: bool
    profile: Profile | None
    photos: list[ProfilePhoto]
    # Art. 18: while in force, only storing; the page says so above everything else.
    restriction: Restriction | None


def client_file(client: Client) -> ClientFile:
    invoices = list(
        db.session.scalars(
            sa.select(Invoice)
            .where(Invoice.client_id == client.id)
            .options(selectinload(Invoice.lines))
            .order_by(Invoice.created_at.desc(), Invoice.id.desc())
        )
    )
    messages = list(
        db.session.scalars(
            sa.select(ContactMessage)
            .where(ContactMessage.client_id == client.id)
            .order_by(ContactMessage.received_at.desc())
        )
    )
    consents = list(
        db.session.scalars(
            sa.select(ConsentEvent)
            .options(selectinload(ConsentEvent.policy_version))
            .where(ConsentEvent.email == client.email)
            .order_by(ConsentEvent.created_at.desc(), ConsentEvent.id.desc())
        )
    )
    references = [message.reference for message in messages]
    mails = list(
        db.session.scalars(
            sa.select(OutboxMessage)
            .where(
                sa.or_(
                    sa.func.lower(OutboxMessage.recipient) == client.email,
                    OutboxMessage.reference.in_(references),
                )
            )
            .order_by(OutboxMessage.created_at.desc())
        )
    )
    return ClientFile(
        client=client,
        invoices=invoices,
        messages=messages,
        consents=consents,
        mails=mails,
        current_consents=latest_consents(reversed(consents)),
        objecting=is_suppressed(client.email),
        profile=find_profile(client.email),
        photos=photos(client.email),
        restriction=restriction_of(client.email),
    )
