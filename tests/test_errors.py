"""Error pages: in the site's layout and the visitor's language, never a stack trace."""

from __future__ import annotations

import pytest
from flask import Blueprint, Flask, abort, request
from flask.testing import FlaskClient
from flask_wtf import FlaskForm
from werkzeug.exceptions import TooManyRequests

from tests.conftest import make_config
from website import create_app

TITLES = {
    400: ("Ongeldig verzoek", "Bad request"),
    403: ("Geen toegang", "Forbidden"),
    404: ("Pagina niet gevonden", "Page not found"),
    405: ("Methode niet toegestaan", "Method not allowed"),
    413: ("Te groot", "Too large"),
    422: ("Kan dit niet verwerken", "Cannot process this"),
    429: ("Te veel verzoeken", "Too many requests"),
    500: ("Er ging iets mis", "Something went wrong"),
}


def failing_routes() -> Blueprint:
    """Routes that fail on purpose, one way per status code."""
    bp = Blueprint("failing", __name__, url_prefix="/_failing")

    @bp.get("/abort/<int:code>")
    def abort_with(code: int) -> str:
        if code == 429:
            raise TooManyRequests(retry_after=30)
        abort(code)

    @bp.get("/crash")
    def crash() -> str:
        raise RuntimeError("secret detail from deep inside")

    @bp.post("/form")
    def form() -> str:
        FlaskForm()  # CSRF is checked before any view runs; reading the body may exceed the limit
        return str(len(request.form))

    return bp


@pytest.fixture
def failing_client(database_url: str) -> FlaskClient:
    app: Flask = create_app(
        make_config(database_url, MAX_CONTENT_LENGTH=1024, PROPAGATE_EXCEPTIONS=False)
    )
    app.register_blueprint(failing_routes())
    return app.test_client()


def request_for(client: FlaskClient, code: int, language: str, **headers: str):
    headers = {"Accept-Language": language, **headers}
    if code == 500:
        return client.get("/_failing/crash", headers=headers)
    if code == 405:
        return client.post("/", headers=headers)
    if code == 404:
        return client.get("/no/such/page", headers=headers)
    if code == 413:
        return client.post("/_failing/form", data={"x": "y" * 4096}, headers=headers)
    return client.get(f"/_failing/abort/{code}", headers=headers)


@pytest.mark.parametrize("code", sorted(TITLES))
@pytest.mark.parametrize("language", ["nl", "en"])
def test_error_page_in_layout_and_language(
    failing_client: FlaskClient, code: int, language: str
) -> None:
    response = request_for(failing_client, code, language)
    assert response.status_code == code
    page = response.text
    title = TITLES[code][0 if language == "nl" else 1]
    assert f"<title>{title} · iVisual Productions</title>" in page
    assert f'<html lang="{language}">' in page
    assert 'class="site-header"' in page and 'class="site-footer"' in page
    assert "Traceback" not in page and "secret detail" not in page


def test_errors_carry_their_protocol_headers(failing_client: FlaskClient) -> None:
    allowed = request_for(failing_client, 405, "en").headers["Allow"]
    assert set(allowed.split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert request_for(failing_client, 429, "en").headers["Retry-After"] == "30"


def test_missing_csrf_token_gets_a_clear_400(failing_client: FlaskClient) -> None:
    response = failing_client.post("/_failing/form", data={"x": "y"})
    assert response.status_code == 400
    assert "Dit formulier is verlopen of is niet vanaf deze site verstuurd" in response.text
    wrong = failing_client.post(
        "/_failing/form", data={"csrf_token": "forged"}, headers={"Accept-Language": "en"}
    )
    assert wrong.status_code == 400
    assert "This form has expired or was not sent from this site" in wrong.text


def test_htmx_requests_get_the_error_as_a_fragment(failing_client: FlaskClient) -> None:
    response = request_for(failing_client, 404, "en", **{"HX-Request": "true"})
    assert response.status_code == 404
    assert "<html" not in response.text
    assert 'id="error-title">Page not found</h1>' in response.text
    assert response.headers["HX-Retarget"] == "#main"
    assert response.headers["HX-Reswap"] == "innerHTML"
