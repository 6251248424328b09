"""Keep unsubscribe tokens out of the web server's access log (it records every path)."""

from __future__ import annotations

import logging
import re

TOKEN_IN_PATH = re.compile(r"(/privacy-centre/unsubscribe/)[^\s?\"]+")


class MaskTokens(logging.Filter):
    """Replaces the token in an unsubscribe path by ``[token]``; lets every record through."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if TOKEN_IN_PATH.search(message):
            record.msg, record.args = TOKEN_IN_PATH.sub(r"\1[token]", message), ()
        return True


MASK_TOKENS = MaskTokens()


def mask_access_log() -> None:
    """Filter Werkzeug's request log (``addFilter`` adds the same filter only once)."""
    logging.getLogger("werkzeug").addFilter(MASK_TOKENS)
