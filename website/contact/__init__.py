"""The contact form: messages are stored first, then mailed through the outbox."""

from website.contact.views import bp

__all__ = ["bp"]
