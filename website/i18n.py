"""Languages: the visitor's choice (a remembered cookie), else the browser's preference."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, has_request_context, request
from flask_babel import get_locale
from werkzeug.wrappers import Response

from website.extensions import babel
from website.money import format_money

LANGUAGES = {"nl": "Nederlands", "en": "English"}
LANGUAGE_COOKIE = "language"
LANGUAGE_COOKIE_MAX_AGE = 365 * 24 * 60 * 60


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_language)
    app.jinja_env.policies["ext.i18n.trimmed"] = True  # as babel.cfg extracts them
    app.after_request(_describe_language)
    app.jinja_env.globals.update(LANGUAGES=LANGUAGES, current_language=current_language)
    app.jinja_env.filters["money"] = lambda amount: format_money(amount, current_language())


def select_language() -> str:
    """The chosen language if the visitor picked one, else the best browser match; outside a
    request (a command, the mail worker) the default language."""
    if not has_request_context():
        return current_app.config["DEFAULT_LANGUAGE"]
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(
        LANGUAGES, default=current_app.config["DEFAULT_LANGUAGE"]
    )


def current_language() -> str:
    return str(get_locale() or current_app.config["DEFAULT_LANGUAGE"])


def remember_language(response: Response, language: str) -> None:
    """Store the visitor's choice; a preference cookie, never read by anyone else."""
    response.set_cookie(
        LANGUAGE_COOKIE,
        language,
        max_age=LANGUAGE_COOKIE_MAX_AGE,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )


def safe_next_url(target: str | None, fallback: str) -> str:
    """``target`` if it is a path on this site, else ``fallback`` (no open redirects)."""
    if not target or "\\" in target or any(ord(char) < 32 for char in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target


def _describe_language(response: Response) -> Response:
    """Say which language a page is in, and that it depends on the cookie and the browser."""
    if response.mimetype == "text/html":
        response.headers["Content-Language"] = current_language()
        response.vary.update(("Accept-Language", "Cookie"))
    return response
