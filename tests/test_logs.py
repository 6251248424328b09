"""No log line shows a secret from a path, or starts a forged line, whoever writes it."""

from __future__ import annotations

import logging

import pytest
from flask import Flask

REQUEST_LINE = '%s - - [%s] "%s" %s %s'


def logged(logger: str, path: str) -> str:
    """The request line ``logger`` would write for a GET of ``path``."""
    record = logging.getLogger(logger).makeRecord(
        logger,
        logging.INFO,
        __file__,
        1,
        REQUEST_LINE,
        ("127.0.0.1", "25/Nov/2026 10:00:00", f"GET {path} HTTP/1.1", "200", "-"),
        None,
    )
    return record.getMessage()


@pytest.mark.usefixtures("app")
@pytest.mark.parametrize("logger", ["werkzeug", "gunicorn.access", "gunicorn.error", "website"])
@pytest.mark.parametrize(
    ("path", "shown"),
    [
        ("/privacy-centre/unsubscribe/abc.DEF-1", "/privacy-centre/unsubscribe/[secret]"),
        ("/pay/Zq3_secret-token", "/pay/[secret]"),
        ("/pay/Zq3_secret-token/transfer-qr.svg", "/pay/[secret]/transfer-qr.svg"),
        ("/pay/return/42/k3y_Secret?poll=3", "/pay/return/42/[secret]?poll=3"),
        ("/webhooks/mollie/w3bh00k", "/webhooks/mollie/[secret]"),
        ("/privacy-centre/consents", "/privacy-centre/consents"),
        ("/contact", "/contact"),
    ],
)
def test_secrets_in_paths_are_masked(logger: str, path: str, shown: str) -> None:
    line = logged(logger, path)
    assert line == f'127.0.0.1 - - [25/Nov/2026 10:00:00] "GET {shown} HTTP/1.1" 200 -'


def test_a_real_request_is_logged_masked(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="werkzeug")
    logging.getLogger("werkzeug").info(
        REQUEST_LINE, "1.2.3.4", "now", "GET /pay/s3cr3t HTTP/1.1", 404, "-"
    )
    assert [record.getMessage() for record in caplog.records] == [
        '1.2.3.4 - - [now] "GET /pay/[secret] HTTP/1.1" 404 -'
    ]


def test_a_forged_line_cannot_start_in_a_log(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="werkzeug")
    path = '/webhooks/mollie/x\n127.0.0.1 - - [now] "GET /admin/ HTTP/1.1" 200 -\x1b[2J'
    logging.getLogger("werkzeug").info(REQUEST_LINE, "1.2.3.4", "now", f"POST {path}", 404, "-")
    [line] = [record.getMessage() for record in caplog.records]
    assert "\n" not in line and "\x1b" not in line
    assert "\\x0a" in line and "\\x1b" in line


def test_an_error_log_and_its_traceback_show_no_token(
    app: Flask, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = "Zq3_the-secret-token-of-a-pay-link"

    def broken(given: str) -> None:
        raise RuntimeError(f"could not load /pay/{given}")

    monkeypatch.setattr("website.payments.views.invoice_for_token", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    caplog.set_level(logging.ERROR)
    assert app.test_client().get(f"/pay/{token}").status_code == 500
    [record] = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert "/pay/[secret]" in record.getMessage()
    assert record.exc_text and "could not load /pay/[secret]" in record.exc_text
    assert token not in caplog.text


def test_forged_posts_meet_the_rate_limit_before_the_csrf_check(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    """A flood is refused cheaply, one short line each, before any form is checked."""
    app.config["POST_RATE_LIMIT_IP"] = "5 per minute"
    caplog.set_level(logging.DEBUG)
    client = app.test_client()
    answers = [client.post("/contact", data={"message": "x" * 5000}).status_code for _ in range(8)]
    assert answers == [400] * 5 + [429] * 3
    assert all(len(record.getMessage()) < 200 for record in caplog.records)
    assert len(caplog.records) <= 2 * len(answers)
