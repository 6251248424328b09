"""A webhook receiver for tests: a werkzeug server that records what Mollie POSTs."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    content_type: str
    user_agent: str
    form: dict[str, str]
    body: bytes
    at: float  # time.monotonic()


class WebhookReceiver:
    """Answers ``answers`` in turn (then ``status``), each after ``delay`` seconds."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.answers: list[int] = []
        self.status = 200
        self.delay = 0.0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.url = f"http://127.0.0.1:{self._server.server_port}/webhook"

    @Request.application
    def _app(self, request: Request) -> Response:
        body = request.get_data()
        with self._lock:
            self.received.append(
                Received(
                    method=request.method,
                    path=request.path,
                    content_type=request.content_type or "",
                    user_agent=request.headers.get("User-Agent", ""),
                    form=request.form.to_dict(),
                    body=body,
                    at=time.monotonic(),
                )
            )
            status = self.answers.pop(0) if self.answers else self.status
        if self.delay:
            self._stopping.wait(self.delay)
        return Response("", status=status)

    def start(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Received]:
        """Poll until ``count`` requests arrived (or the deadline passed)."""
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        with self._lock:
            return list(self.received)
