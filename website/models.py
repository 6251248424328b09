"""Every feature's models in one place, for Alembic autogenerate and ``flask shell``."""

from website.contact.models import ContactMessage
from website.extensions import Base, db
from website.mail.models import OutboxMessage, Suppression
from website.policy.models import PolicyVersion
from website.privacy.models import ConsentEvent

__all__ = [
    "Base",
    "ConsentEvent",
    "ContactMessage",
    "OutboxMessage",
    "PolicyVersion",
    "Suppression",
    "db",
]
