"""The development mailbox: what the site sent, for a newcomer without any mail account.

Registered only while MAIL_TRANSPORT is ``maildir``, which production refuses.
"""

from __future__ import annotations

import mailbox
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime

from flask import Blueprint, abort, current_app, make_response, render_template
from werkzeug.wrappers import Response

bp = Blueprint("dev_mailbox", __name__, url_prefix="/dev/mailbox")

# The HTML part of a mail is shown as it is, but sandboxed: no scripts, no requests.
SANDBOX_POLICY = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def _messages() -> list[tuple[str, EmailMessage]]:
    box = mailbox.Maildir(current_app.config["MAILDIR"], create=True)
    parser = BytesParser(policy=policy.default)
    found = [(key, parser.parsebytes(box.get_bytes(key))) for key in box.iterkeys()]
    return sorted(found, key=lambda item: parsedate_to_datetime(item[1]["Date"]), reverse=True)


def _message(key: str) -> EmailMessage:
    for found_key, message in _messages():
        if found_key == key:
            return message
    abort(404)


@bp.get("")
def index() -> str:
    """List every message delivered to the development mailbox, newest first."""
    return render_template("dev_mailbox/index.html", messages=_messages())


@bp.get("/<string:key>")
def show(key: str) -> str:
    """Show one message: its headers and plain-text part."""
    message = _message(key)
    text = message.get_body(preferencelist=("plain",))
    return render_template(
        "dev_mailbox/message.html",
        key=key,
        message=message,
        text=text.get_content() if text else "",
        has_html=message.get_body(preferencelist=("html",)) is not None,
    )


@bp.get("/<string:key>/html")
def show_html(key: str) -> Response:
    """The HTML part on its own, sandboxed."""
    html = _message(key).get_body(preferencelist=("html",))
    if html is None:
        abort(404)
    response = make_response(html.get_content())
    response.headers["Content-Security-Policy"] = SANDBOX_POLICY
    return response
