"""The mail outbox: one entry point (``queue_mail``) for every email the site sends."""
