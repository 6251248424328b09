"""Finding clients, and everything the studio holds about one of them."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from website.audit.services import record
from website.clients.models import Client
from website.contact.models import ContactMessage
from website.extensions import db
from website.invoices.models import Invoice
from website.mail.models import OutboxMessage
from website.mail.services import is_suppressed, normalise_email
from website.privacy.models import ConsentEvent, ConsentPurpose, Profile, ProfilePhoto
from website.privacy.profile import find_profile
from website.privacy.services import latest_consents
from website.privacy.subject import photos
from website.queries import contains, insert_unless_present


def client_for(email: str, name: str, language: str, *, update: bool = True) -> Client:
    """The client with this address, created if new.

    Staff (``update``) also set the name and language of a known client; anyone else, such as
    a visitor of the contact form who proved nothing about the address, leaves them as they are.
    """
    address = normalise_email(email)
    query = sa.select(Client).where(Client.email == address)
    client = db.session.scalar(query)
    if client is None:
        # Several first messages from one address at once (a double submit, two tabs): each
        # inserts unless another did first, and all of them file under the one client.
        insert_unless_present(Client, "email", email=address, name=name, language=language)
        client = db.session.scalars(query).one()
    elif update:
        client.name, client.language = name, language
    return client


def update_details(
    client: Client,
    *,
    name: str,
    language: str,
    address: str | None,
    company_name: str | None,
    vat_id: str | None,
    staff_id: int,
) -> None:
    """Staff correct a client's record (Art. 16 GDPR); issued invoices keep what they showed."""
    client.name, client.language = name, language
    client.address, client.company_name, client.vat_id = address, company_name, vat_id
    record(staff_id, "client.updated", "client", client.id)
    db.session.commit()


def search_query(text: str | None) -> sa.Select[tuple[Client]]:
    """Clients whose name or email contains ``text``, most recent first."""
    query = sa.select(Client).order_by(Client.created_at.desc(), Client.id.desc())
    if text:
        query = query.where(sa.or_(contains(Client.name, text), contains(Client.email, text)))
    return query


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
    )
