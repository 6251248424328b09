"""Configuration from environment variables, with safe development defaults.

Every setting the site reads is declared once in ``SETTINGS``; the README's configuration
table lists the same names (a test keeps the two in step). ``create_app`` reads the
environment when it builds an app, never at import time.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

ENVIRONMENTS = ("development", "testing", "production")

# Development-only values: the app refuses to start in production while one is in use.
DEV_SECRET_KEY = "dev-only-secret-key-do-not-use-in-production"  # noqa: S105


class ConfigError(RuntimeError):
    """The configuration cannot be used; the message says what to change."""


def _integer(value: str) -> int:
    return int(value)


@dataclass(frozen=True)
class Setting:
    """One environment variable: its config key, default and meaning."""

    env: str
    help: str
    default: Any = None
    parse: Callable[[str], Any] = str
    key: str | None = None
    dev_only_default: bool = False

    @property
    def config_key(self) -> str:
        return self.key or self.env


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "APP_ENV",
        "`development`, `testing` or `production`. Production turns on HSTS and secure "
        "cookies and refuses development defaults.",
        default="development",
    ),
    Setting(
        "SECRET_KEY",
        "Signs sessions and form tokens. Required in production: a long random string.",
        default=DEV_SECRET_KEY,
        dev_only_default=True,
    ),
    Setting(
        "DATABASE_URL",
        "SQLAlchemy URL of the database, e.g. `postgresql://user@host/db` (psycopg 3).",
        default=None,
        key="SQLALCHEMY_DATABASE_URI",
        dev_only_default=True,
    ),
    Setting(
        "DEFAULT_LANGUAGE",
        "Language (`nl` or `en`) for visitors whose browser prefers neither.",
        default="nl",
    ),
    Setting(
        "STUDIO_EMAIL",
        "The studio's public email address, shown on every page.",
        default="info@ivisualproductions.nl",
    ),
    Setting(
        "MAX_CONTENT_LENGTH",
        "Largest request body in bytes; larger requests get the 413 page.",
        default=16 * 1024 * 1024,
        parse=_integer,
    ),
)

DEFAULT_SQLITE_NAME = "website.db"


def settings_from_env(environ: Mapping[str, str], instance_path: str) -> dict[str, Any]:
    """Read every declared setting from ``environ``, falling back to its default."""
    config: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = environ.get(setting.env)
        if raw is None or raw == "":
            config[setting.config_key] = setting.default
            continue
        try:
            config[setting.config_key] = setting.parse(raw)
        except ValueError as exc:
            raise ConfigError(f"{setting.env}={raw!r} is not valid: {exc}") from exc
    config["DEVELOPMENT_DATABASE_URI"] = "sqlite:///" + os.path.join(
        instance_path, DEFAULT_SQLITE_NAME
    )
    if config["SQLALCHEMY_DATABASE_URI"] is None:
        config["SQLALCHEMY_DATABASE_URI"] = config["DEVELOPMENT_DATABASE_URI"]
    return config


def normalise_database_url(url: str) -> str:
    """Point plain ``postgres(ql)://`` URLs at the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def finish_config(config: MutableMapping[str, Any], explicit: Mapping[str, Any]) -> None:
    """Derive the settings that follow from the environment, then check them.

    Derived values never replace a key given explicitly (``explicit``: the test overrides).
    """
    env = config.get("APP_ENV", "development")
    if env not in ENVIRONMENTS:
        raise ConfigError(f"APP_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}.")
    if config.get("DEFAULT_LANGUAGE") not in ("nl", "en"):
        raise ConfigError("DEFAULT_LANGUAGE must be 'nl' or 'en'.")
    production = env == "production"
    derived = {
        "TESTING": env == "testing",
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        "HSTS_ENABLED": production,
        "BABEL_DEFAULT_LOCALE": config["DEFAULT_LANGUAGE"],
        "BABEL_DEFAULT_TIMEZONE": "Europe/Amsterdam",
    }
    for key, value in derived.items():
        if key not in explicit:
            config[key] = value
    config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(config["SQLALCHEMY_DATABASE_URI"])
    if production:
        _refuse_development_defaults(config)


def _refuse_development_defaults(config: Mapping[str, Any]) -> None:
    problems = []
    if not config.get("SECRET_KEY") or config["SECRET_KEY"] == DEV_SECRET_KEY:
        problems.append("SECRET_KEY is missing or still the development default")
    elif len(config["SECRET_KEY"]) < 32:
        problems.append("SECRET_KEY is shorter than 32 characters")
    if config["SQLALCHEMY_DATABASE_URI"] == config.get("DEVELOPMENT_DATABASE_URI"):
        problems.append("DATABASE_URL is not set (the development SQLite file is in use)")
    if problems:
        raise ConfigError(
            "Refusing to start in production: "
            + "; ".join(problems)
            + ". Set these environment variables (see the configuration table in README.md)."
        )
