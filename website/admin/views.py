"""Every back-office screen, registered on the one admin blueprint."""

from website.admin import (
    audit,
    auth,
    clients,
    dashboard,
    inbox,
    invoices,
    policy,
    removals,
    requests,
)
from website.admin.blueprint import bp

__all__ = [
    "audit",
    "auth",
    "bp",
    "clients",
    "dashboard",
    "inbox",
    "invoices",
    "policy",
    "removals",
    "requests",
]
