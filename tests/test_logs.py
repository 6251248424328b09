"""The access log of the development server and of gunicorn shows no secret from a path."""

from __future__ import annotations

import logging

import pytest
from flask import Flask

REQUEST_LINE = '%s - - [%s] "%s" %s %s'


def logged(logger: str, path: str) -> str:
    """The request line ``logger`` would write for a GET of ``path``, after its filters."""
    record = logging.LogRecord(
        logger,
        logging.INFO,
        __file__,
        1,
        REQUEST_LINE,
        ("127.0.0.1", "25/Nov/2026 10:00:00", f"GET {path} HTTP/1.1", "200", "-"),
        None,
    )
    for log_filter in logging.getLogger(logger).filters:
        assert log_filter.filter(record), "every record goes through"
    return record.getMessage()


@pytest.mark.usefixtures("app")
@pytest.mark.parametrize("logger", ["werkzeug", "gunicorn.access"])
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
