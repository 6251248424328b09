"""The contact form: messages are stored first, then mailed through the outbox."""
