"""The verified session on the web side: its cookie, and the guard on every panel."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import current_app, flash, g, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from website.htmx import redirect_after_post
from website.privacy import verification

COOKIE = "privacy_session"
COOKIE_PATH = "/privacy-centre"


def set_cookie(response: Response, secret: str) -> None:
    """A session cookie of its own: HttpOnly, SameSite=Lax, Secure in production."""
    response.set_cookie(
        COOKIE,
        secret,
        path=COOKIE_PATH,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )


def clear_cookie(response: Response) -> None:
    response.delete_cookie(
        COOKIE,
        path=COOKIE_PATH,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )


def cookie_secret() -> str | None:
    return request.cookies.get(COOKIE)


def verified_email() -> str | None:
    """The address this browser proved it reads, if its session is still alive."""
    if "subject" not in g:
        g.subject = verification.current_session(cookie_secret())
    return g.subject


def verified_subject() -> str:
    """The verified address, for code behind ``@verified`` (which makes sure there is one)."""
    email = verified_email()
    if email is None:
        raise RuntimeError("No verified session: only call this behind @verified.")
    return email


def verified(view: Callable[..., Any]) -> Callable[..., Any]:
    """Only for a verified browser; others go to the start (told why if their session ended)."""

    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if verified_email() is not None:
            return view(*args, **kwargs)
        response = redirect_after_post(url_for("pages.privacy_centre"))
        if cookie_secret():
            flash(_("Your session has ended. Please confirm your email address again."))
            clear_cookie(response)
        return response

    return guarded
