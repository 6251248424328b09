"""The app factory and configuration, including the refusal to run production on defaults."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.conftest import PRODUCTION_DETAILS, TEST_SECRET_KEY, make_config
from website import create_app
from website.config import DEV_SECRET_KEY, SETTINGS, ConfigError
from website.extensions import db

README = Path(__file__).resolve().parents[1] / "README.md"
PRODUCTION_DB = "postgresql://app@127.0.0.1:1/unreachable"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for setting in SETTINGS:
        monkeypatch.delenv(setting.env, raising=False)


def test_development_defaults_need_no_settings() -> None:
    app = create_app()
    assert app.config["APP_ENV"] == "development"
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("/instance/website.db")
    assert app.config["SESSION_COOKIE_SECURE"] is False
    assert app.config["HSTS_ENABLED"] is False


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://someone@db.example/site")
    monkeypatch.setenv("DEFAULT_LANGUAGE", "en")
    monkeypatch.setenv("MAX_CONTENT_LENGTH", "1024")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://someone@db.example/site"
    assert app.config["DEFAULT_LANGUAGE"] == "en"
    assert app.config["MAX_CONTENT_LENGTH"] == 1024


def test_the_factory_does_not_touch_the_database() -> None:
    # Nothing listens on port 1: creating the app must still work (no connection at start-up).
    app = create_app(make_config(PRODUCTION_DB))
    assert app.name == "website"


def test_test_overrides_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEFAULT_LANGUAGE", "en")
    app = create_app(make_config("sqlite://", DEFAULT_LANGUAGE="nl"))
    assert app.config["DEFAULT_LANGUAGE"] == "nl"
    assert app.testing


PRODUCTION = {
    "APP_ENV": "production",
    "SECRET_KEY": TEST_SECRET_KEY,
    "DATABASE_URL": PRODUCTION_DB,
    "MAIL_TRANSPORT": "smtp",
    "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
    **PRODUCTION_DETAILS,
}


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY is missing or still the development default"),
        ({"SECRET_KEY": DEV_SECRET_KEY}, "SECRET_KEY is missing or still the development default"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY is shorter than 32 characters"),
        ({"DATABASE_URL": None}, "DATABASE_URL is not set"),
        ({"MAIL_TRANSPORT": None}, "MAIL_TRANSPORT is still the development default 'maildir'"),
        (
            {"RATELIMIT_STORAGE_URI": None},
            "RATELIMIT_STORAGE_URI is still the development default 'memory://'",
        ),
        ({"STUDIO_KVK": None}, "STUDIO_KVK is still the development default"),
        ({"STUDIO_IBAN": None}, "STUDIO_IBAN is still the development default"),
        ({"MOLLIE_API_ENDPOINT": None}, "MOLLIE_API_ENDPOINT must be https://api.mollie.com"),
        (
            {"MOLLIE_API_ENDPOINT": "http://127.0.0.1:5001"},
            "MOLLIE_API_ENDPOINT must be https://api.mollie.com (never the sandbox)",
        ),
        ({"MOLLIE_API_KEY": "test_abcdefghijklmnop"}, "MOLLIE_API_KEY is not a live key"),
    ],
)
def test_production_refuses_development_defaults(
    monkeypatch: pytest.MonkeyPatch, changes: dict[str, str | None], complaint: str
) -> None:
    for name, value in {**PRODUCTION, **changes}.items():
        if value is not None:
            monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match="Refusing to start in production") as refused:
        create_app()
    assert complaint in str(refused.value)


def test_production_with_real_settings_is_hardened(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["HSTS_ENABLED"] is True
    assert app.config["PREFERRED_URL_SCHEME"] == "https"
    assert not app.debug


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("APP_ENV", "staging", "APP_ENV='staging' is not valid: expected one of development"),
        ("MAX_CONTENT_LENGTH", "lots", "MAX_CONTENT_LENGTH='lots' is not valid"),
        ("DEFAULT_LANGUAGE", "de", "DEFAULT_LANGUAGE='de' is not valid: expected one of nl, en"),
        ("MAIL_USE_TLS", "maybe", "MAIL_USE_TLS='maybe' is not valid: expected true or false"),
        ("MAIL_TRANSPORT", "carrier-pigeon", "expected one of maildir, smtp"),
    ],
)
def test_invalid_values_are_refused_clearly(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=re.escape(message)):
        create_app()


@pytest.mark.parametrize("env", ["production", "development"])
@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("STUDIO_IBAN", "NL02RABO0123456789", "not an IBAN (The number's checksum"),
        ("STUDIO_IBAN", "NL91ABNA041716430", "not an IBAN"),
        ("STUDIO_VAT_ID", "NL123456789B01", "not a Dutch btw-id (The number's checksum"),
        ("STUDIO_VAT_ID", "DE136695976", "not a Dutch btw-id"),
    ],
)
def test_the_studios_iban_and_btw_id_must_pass_their_check_digits(
    monkeypatch: pytest.MonkeyPatch, env: str, name: str, value: str, message: str
) -> None:
    for variable, setting in {**PRODUCTION, "APP_ENV": env, name: value}.items():
        monkeypatch.setenv(variable, setting)
    with pytest.raises(ConfigError, match=re.escape(f"{name}={value!r} is not valid: {message}")):
        create_app()


def test_the_studios_iban_and_btw_id_are_kept_compact(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUDIO_IBAN", "nl44 rabo 0123 4567 89")
    monkeypatch.setenv("STUDIO_VAT_ID", "NL 1234.56.782.B01")
    app = create_app()
    assert app.config["STUDIO_IBAN"] == "NL44RABO0123456789"
    assert app.config["STUDIO_VAT_ID"] == "NL123456782B01"


def test_production_refuses_the_development_iban_however_it_is_written(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in {**PRODUCTION, "STUDIO_IBAN": "NL91 ABNA 0417 1643 00"}.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match="STUDIO_IBAN is still the development default"):
        create_app()


def test_readme_documents_every_setting() -> None:
    table = README.read_text(encoding="utf-8").split("## Configuration", 1)[1].split("\n## ", 1)[0]
    first_cells = re.findall(r"^\| ([^|]+) \|", table, flags=re.MULTILINE)
    documented = {name for cell in first_cells for name in re.findall(r"`([A-Z_]+)`", cell)}
    assert documented == {setting.env for setting in SETTINGS}


def test_failed_statements_are_logged_without_their_values(app: Flask) -> None:
    """An error log line carries the SQL, never the personal data bound to it."""
    with app.app_context():
        try:
            db.session.execute(sa.text("SELECT * FROM no_such_table WHERE x = :x"), {"x": "anna"})
        except sa.exc.DBAPIError as error:
            assert "anna" not in str(error)
            assert "hidden due to hide_parameters" in str(error)
        else:
            pytest.fail("the statement should have failed")
        finally:
            db.session.rollback()


@pytest.mark.parametrize(
    ("value", "message"),
    [("ideal,klarna", "(not klarna)"), ("billie", "(not billie)"), (" , ", "expected a comma")],
)
def test_only_payment_methods_paid_at_once_are_offered(
    monkeypatch: pytest.MonkeyPatch, value: str, message: str
) -> None:
    """Klarna and Billie leave a payment authorised until captured; the site captures nothing."""
    monkeypatch.setenv("MOLLIE_METHODS", value)
    with pytest.raises(ConfigError, match=re.escape(message)):
        create_app()
    monkeypatch.setenv("MOLLIE_METHODS", " ideal , banktransfer")
    assert create_app().config["MOLLIE_METHODS"] == ("ideal", "banktransfer")
