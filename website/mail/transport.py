"""Handing rendered messages to the mail server (SMTP through Flask-Mail) or a local Maildir.

The Maildir transport is the development mailbox: messages are written as files under the
instance folder and shown at /dev/mailbox, so the whole flow runs without any mail account.
"""

from __future__ import annotations

import contextlib
import mailbox
import smtplib
from types import TracebackType
from typing import Protocol, Self

import flask_mail
from flask import current_app


class DeliveryError(Exception):
    """Sending failed; ``permanent`` when retrying cannot help (a 5xx refusal)."""

    def __init__(self, summary: str, *, permanent: bool, connection_lost: bool) -> None:
        super().__init__(summary)
        self.summary = summary
        self.permanent = permanent
        self.connection_lost = connection_lost


class Transport(Protocol):
    def send(self, message: flask_mail.Message) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...


class TimedConnection(flask_mail.Connection):
    """Flask-Mail's connection with a socket timeout, so a slow server cannot hang a worker."""

    def configure_host(self) -> smtplib.SMTP | smtplib.SMTP_SSL:
        timeout = current_app.config["MAIL_TIMEOUT"]
        server, port = self.mail.server, self.mail.port
        host = (
            smtplib.SMTP_SSL(server, port, timeout=timeout)
            if self.mail.use_ssl
            else smtplib.SMTP(server, port, timeout=timeout)
        )
        if self.mail.use_tls:
            host.starttls()
        if self.mail.username and self.mail.password:
            host.login(self.mail.username, self.mail.password)
        return host


class SmtpTransport:
    """One SMTP connection for a delivery round, opened on first use."""

    def __init__(self) -> None:
        self._connection: TimedConnection | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._close()

    def send(self, message: flask_mail.Message) -> None:
        try:
            if self._connection is None:
                self._connection = TimedConnection(current_app.extensions["mail"]).__enter__()
            self._connection.send(message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise DeliveryError(
                f"recipient refused {codes}", permanent=min(codes) >= 500, connection_lost=False
            ) from exc
        except smtplib.SMTPResponseException as exc:
            lost = exc.smtp_code in (421,)
            if lost:
                self._drop()
            raise DeliveryError(
                f"server answered {exc.smtp_code}",
                permanent=exc.smtp_code >= 500,
                connection_lost=lost,
            ) from exc
        except (OSError, smtplib.SMTPException) as exc:
            self._drop()
            raise DeliveryError(type(exc).__name__, permanent=False, connection_lost=True) from exc

    def _drop(self) -> None:
        if self._connection is not None and self._connection.host is not None:
            with contextlib.suppress(OSError):
                self._connection.host.close()
        self._connection = None

    def _close(self) -> None:
        if self._connection is None:
            return
        try:
            self._connection.__exit__(None, None, None)  # type: ignore[arg-type]
        except (OSError, smtplib.SMTPException):
            self._drop()
        self._connection = None


class MaildirTransport:
    """Development only: store each message in the instance folder's Maildir."""

    def __init__(self) -> None:
        self._box = mailbox.Maildir(current_app.config["MAILDIR"], create=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._box.close()

    def send(self, message: flask_mail.Message) -> None:
        self._box.add(message.as_bytes())


def open_transport() -> Transport:
    if current_app.config["MAIL_TRANSPORT"] == "smtp":
        return SmtpTransport()
    return MaildirTransport()
