"""Keep the secrets some paths carry out of the web server's access log (it records every path).

A pay link's token opens an invoice, a return address's key shows its payment, a webhook's
secret lets anyone poke a payment's sync, and an unsubscribe link stops someone's mail: none
of them belongs in a log file. The filter serves the development server (``werkzeug``) and
gunicorn (``gunicorn.access``), both of which log each request line.
"""

from __future__ import annotations

import logging
import re

# Each path's fixed start is kept; what follows it, up to a space, quote or query, is masked.
SECRET_IN_PATH = re.compile(
    r"(/privacy-centre/unsubscribe/|/pay/return/\d+/|/pay/(?!return/)|/webhooks/mollie/)"
    r"[^\s?\"/]+"
)
ACCESS_LOGGERS = ("werkzeug", "gunicorn.access")


class MaskSecrets(logging.Filter):
    """Replaces the secret in such a path by ``[secret]``; lets every record through."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if SECRET_IN_PATH.search(message):
            record.msg, record.args = SECRET_IN_PATH.sub(r"\1[secret]", message), ()
        return True


MASK_SECRETS = MaskSecrets()


def mask_access_logs() -> None:
    """Filter the access loggers (``addFilter`` adds the same filter only once)."""
    for name in ACCESS_LOGGERS:
        logging.getLogger(name).addFilter(MASK_SECRETS)
