"""A real SMTP server for tests (aiosmtpd on 127.0.0.1), with switches for bad behaviour."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """The server's handler: keeps what it accepts, or answers as told."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.rcpt_answer: str | None = None  # e.g. "550 5.1.1 No such user"
        self.data_delay = 0.0
        # Hold each message until this many connections send one at the same time (or 10 s
        # have passed, then no longer): proof that concurrent senders overlap. 0 holds nothing.
        self.overlap = 0
        self.overlapped = asyncio.Event()
        self._sending: set[int] = set()
        self.on_data: Callable[[], None] | None = None  # called as each message arrives
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if self.rcpt_answer:
            return self.rcpt_answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        if self.overlap and not self.overlapped.is_set():
            self._sending.add(id(session))
            if len(self._sending) >= self.overlap:
                self.overlapped.set()
            try:
                await asyncio.wait_for(self.overlapped.wait(), timeout=10)
            except TimeoutError:
                self.overlap = 0  # they never overlapped: stop holding messages
            finally:
                self._sending.discard(id(session))
        if self.on_data is not None:
            await asyncio.to_thread(self.on_data)
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.messages.append(message)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


class SmtpServer:
    """Start, stop and start again on the same port, as a real server would."""

    def __init__(self) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def config(self) -> dict[str, object]:
        return {"MAIL_TRANSPORT": "smtp", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": self.port}
