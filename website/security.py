"""Security headers on every response."""

from __future__ import annotations

from flask import Flask, current_app
from werkzeug.wrappers import Response


def content_security_policy(form_targets: tuple[str, ...] = ()) -> str:
    """Everything comes from this site: no CDN, no fonts or analytics from elsewhere.

    Forms post only here; ``form_targets`` adds origins a form's answer may redirect to
    (the pay button's redirect to Mollie's checkout: browsers check redirects too).
    """
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            " ".join(("form-action 'self'", *form_targets)),
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        )
    )


CONTENT_SECURITY_POLICY = content_security_policy()
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "camera",
        "microphone",
        "geolocation",
        "payment",
        "usb",
        "browsing-topics",
    )
)
HSTS = "max-age=63072000; includeSubDomains"


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config["HSTS_ENABLED"]:
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response
