"""The mail outbox: one entry point for every email the site sends."""

from website.mail.cli import mail_cli
from website.mail.services import queue_mail

__all__ = ["mail_cli", "queue_mail"]
