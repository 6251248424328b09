"""Every feature's models in one place, for Alembic autogenerate and ``flask shell``."""

from website.admin.models import RecoveryCode, SignInThrottle, StaffMember, StaffSession
from website.audit.models import AuditEvent
from website.clients.models import Client
from website.consents.models import ConsentEvent, ConsentNotice
from website.contact.models import ContactMessage
from website.extensions import Base, db
from website.invoices.models import Installment, Invoice, InvoiceCounter, InvoiceLine, PayLink
from website.mail.models import OutboxMessage, Suppression
from website.payments.models import PaymentAttempt, PaymentEvent
from website.policy.models import PolicyVersion
from website.privacy.models import (
    EmailChange,
    ErasureRecord,
    PolicyAnnouncement,
    PrivacyRequest,
    Profile,
    ProfilePhoto,
    RemovalRequest,
    VerificationChallenge,
    VerifiedSession,
)
from website.restrictions.models import Restriction

__all__ = [
    "AuditEvent",
    "Base",
    "Client",
    "ConsentEvent",
    "ConsentNotice",
    "ContactMessage",
    "EmailChange",
    "ErasureRecord",
    "Installment",
    "Invoice",
    "InvoiceCounter",
    "InvoiceLine",
    "OutboxMessage",
    "PayLink",
    "PaymentAttempt",
    "PaymentEvent",
    "PolicyAnnouncement",
    "PolicyVersion",
    "PrivacyRequest",
    "Profile",
    "ProfilePhoto",
    "RecoveryCode",
    "RemovalRequest",
    "Restriction",
    "SignInThrottle",
    "StaffMember",
    "StaffSession",
    "Suppression",
    "VerificationChallenge",
    "VerifiedSession",
    "db",
]
