"""Clients: finding or creating one by address, correcting one, searching them."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from website.addresses import normalise_email
from website.audit.services import record
from website.clients.models import Client
from website.extensions import db
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


@dataclass(frozen=True)
class Details:
    """What staff keep about a client besides the email address, which is who they are."""

    name: str
    language: str
    address: str | None = None
    company_name: str | None = None
    vat_id: str | None = None


def client_with_details(email: str, details: Details) -> Client:
    """The client with this address, created if new, holding ``details`` (not committed):
    staff drafting an invoice file its client with the draft."""
    client = client_for(email, details.name, details.language)
    _hold(client, details)
    return client


def update_details(client: Client, details: Details, *, staff_id: int) -> None:
    """Staff correct a client's record (Art. 16 GDPR); issued invoices keep what they showed."""
    _hold(client, details)
    record(staff_id, "client.updated", "client", client.id)
    db.session.commit()


def _hold(client: Client, details: Details) -> None:
    """Store ``details`` on ``client``; a blank optional detail is stored as none."""
    client.name, client.language = details.name, details.language
    client.address = details.address or None
    client.company_name = details.company_name or None
    client.vat_id = details.vat_id or None


def client_with_email(email: str) -> Client | None:
    """The client with this address, if there is one."""
    return db.session.scalar(sa.select(Client).where(Client.email == normalise_email(email)))


def correct_own_details(
    client: Client, *, name: str, phone: str | None, language: str, address: str | None
) -> None:
    """The person corrects their own record in the privacy centre (Art. 16 GDPR), all at once;
    issued invoices keep what they showed. Audited, as staff corrections are."""
    client.name, client.language = name, language
    client.phone = phone or None
    client.address = address or None
    record(None, "client.corrected_by_person", "client", client.id)
    db.session.commit()


def search_query(text: str | None) -> sa.Select[Client]:
    """Clients whose name or email contains ``text``, most recent first."""
    query = sa.select(Client).order_by(Client.created_at.desc(), Client.id.desc())
    if text:
        query = query.where(sa.or_(contains(Client.name, text), contains(Client.email, text)))
    return query
