"""Every log line the process writes is masked and kept on one line.

A pay link's token opens an invoice, a return address's key shows its payment, a webhook's
secret lets anyone poke a payment's sync, and an unsubscribe link stops someone's mail: none
of them belongs in a log file, whichever logger writes it (the web server's access line,
Flask's error log with its traceback, a library's warning). And a path or header may carry
line breaks or terminal escapes meant to forge a log line: control characters are escaped.

This works on the records themselves, as they are made (``logging.setLogRecordFactory``),
so it covers every logger and handler in the process, including gunicorn's.
"""

from __future__ import annotations

import logging
import re
from typing import Any

# Each path's fixed start is kept; what follows it, up to a space, quote or query, is masked.
SECRET_IN_PATH = re.compile(
    r"(/privacy-centre/unsubscribe/|/pay/return/\d+/|/pay/(?!return/)|/webhooks/mollie/)"
    r"[^\s?\"/]+"
)
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_FORMATTER = logging.Formatter()


def clean(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with secrets in paths masked and control characters escaped."""
    masked = SECRET_IN_PATH.sub(r"\1[secret]", text)
    allowed = "\n" if keep_newlines else ""
    return CONTROL.sub(
        lambda match: match.group() if match.group() in allowed else f"\\x{ord(match.group()):02x}",
        masked,
    )


def _masking_factory(make: Any) -> Any:
    def make_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = make(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a broken log call: keep what it held, masked, as its message
            message = repr((record.msg, record.args))
        record.msg, record.args = clean(message), ()
        if record.exc_info:  # the traceback, formatted once here and masked
            record.exc_text = clean(_FORMATTER.formatException(record.exc_info), keep_newlines=True)
        if record.stack_info:
            record.stack_info = clean(record.stack_info, keep_newlines=True)
        return record

    make_record.masks_secrets = True  # type: ignore[attr-defined]
    return make_record


def mask_all_logs() -> None:
    """Install the masking record factory (once per process)."""
    current = logging.getLogRecordFactory()
    if not getattr(current, "masks_secrets", False):
        logging.setLogRecordFactory(_masking_factory(current))
