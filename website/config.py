"""Configuration from environment variables, with safe development defaults.

Every setting the site reads is declared once in ``SETTINGS``; the README's configuration
table explains the same names (a test keeps the two in step). ``create_app`` reads the
environment when it builds an app, never at import time.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

from stdnum import iban
from stdnum.exceptions import ValidationError

from website.vat_numbers import dutch_vat_number

ENVIRONMENTS = ("development", "testing", "production")

# Development-only values: the app refuses to start in production while one is in use.
DEV_SECRET_KEY = "dev-only-secret-key-do-not-use-in-production"  # noqa: S105
DEFAULT_SQLITE_NAME = "website.db"
MOLLIE_LIVE_ENDPOINT = "https://api.mollie.com"


class ConfigError(RuntimeError):
    """The configuration cannot be used; the message says what to change."""


def _boolean(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError("expected true or false")


def _choice(*allowed: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if value not in allowed:
            raise ValueError(f"expected one of {', '.join(allowed)}")
        return value

    return parse


def _iban(value: str) -> str:
    """The IBAN in compact form (``NL91ABNA0417164300``), once its check digits pass."""
    try:
        return iban.validate(value)
    except ValidationError as exc:
        raise ValueError(f"not an IBAN ({exc})") from exc


# Payment methods that are paid at once: none leaves a payment "authorized", waiting for a
# capture the site does not make (Klarna, Billie, Riverty and cards with manual capture do).
MOLLIE_METHODS_WITHOUT_CAPTURE = frozenset(
    {"ideal", "creditcard", "bancontact", "banktransfer", "paypal", "belfius", "kbc", "eps"}
)


def _mollie_methods(value: str) -> tuple[str, ...]:
    methods = tuple(name.strip() for name in value.split(",") if name.strip())
    unsupported = [name for name in methods if name not in MOLLIE_METHODS_WITHOUT_CAPTURE]
    if not methods or unsupported:
        raise ValueError(
            "expected a comma-separated list of "
            + ", ".join(sorted(MOLLIE_METHODS_WITHOUT_CAPTURE))
            + (f" (not {', '.join(unsupported)})" if unsupported else "")
        )
    return methods


@dataclass(frozen=True)
class Setting:
    """One environment variable, the config key it fills and its default."""

    env: str
    default: Any = None
    parse: Callable[[str], Any] = str
    key: str | None = None
    dev_only_default: bool = False  # production refuses to run on this default

    @property
    def config_key(self) -> str:
        return self.key or self.env


SETTINGS: tuple[Setting, ...] = (
    Setting("APP_ENV", "development", _choice(*ENVIRONMENTS)),
    Setting("SECRET_KEY", DEV_SECRET_KEY, dev_only_default=True),
    Setting("DATABASE_URL", None, key="SQLALCHEMY_DATABASE_URI", dev_only_default=True),
    Setting("DEFAULT_LANGUAGE", "nl", _choice("nl", "en")),
    Setting("PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
    Setting("STUDIO_EMAIL", "info@ivisualproductions.nl"),
    Setting("STUDIO_INBOX", None),
    Setting("MAX_CONTENT_LENGTH", 16 * 1024 * 1024, int),
    Setting("PROXY_HOPS", 0, int),
    Setting("RATELIMIT_STORAGE_URI", "memory://", dev_only_default=True),
    Setting("MAIL_TRANSPORT", "maildir", _choice("maildir", "smtp"), dev_only_default=True),
    Setting("MAIL_SERVER", "localhost"),
    Setting("MAIL_PORT", 25, int),
    Setting("MAIL_USE_TLS", False, _boolean),
    Setting("MAIL_USE_SSL", False, _boolean),
    Setting("MAIL_USERNAME", None),
    Setting("MAIL_PASSWORD", None),
    Setting("MAIL_DEFAULT_SENDER", "iVisual Productions <info@ivisualproductions.nl>"),
    Setting("MAIL_TIMEOUT", 15, int),
    Setting("MAIL_MAX_ATTEMPTS", 8, int),
    Setting("MAIL_RETRY_SECONDS", 60, int),
    Setting("MAIL_KEEP_SENT_DAYS", 30, int),
    Setting("CONTACT_RETENTION_MONTHS", 12, int),
    Setting("BACKUP_MAX_AGE_DAYS", 30, int),
    Setting("CONTACT_MIN_SECONDS", 3, int),
    Setting("POST_RATE_LIMIT_IP", "60 per minute; 600 per hour"),
    Setting("CONTACT_RATE_LIMIT_IP", "5 per 10 minutes; 20 per day"),
    Setting("CONTACT_RATE_LIMIT_EMAIL", "3 per hour; 10 per day"),
    # The studio's legal details, printed on every invoice (art. 35a Wet OB). The btw-id and
    # the IBAN must pass their check digits in every environment: with a typo there, every
    # invoice would be wrong and bank transfers would go astray.
    Setting("STUDIO_NAME", "iVisual Productions"),
    Setting("STUDIO_ADDRESS", "Voorbeeldstraat 1, 1234 AB Amsterdam", dev_only_default=True),
    Setting("STUDIO_KVK", "12345678", dev_only_default=True),
    Setting("STUDIO_VAT_ID", "NL000099998B57", dutch_vat_number, dev_only_default=True),
    Setting("STUDIO_IBAN", "NL91ABNA0417164300", _iban, dev_only_default=True),
    # Mollie: development and the tests talk to the sandbox (python -m website.mollie_sandbox).
    Setting("MOLLIE_API_KEY", "test_sandboxdevelopmentkey0000000000", dev_only_default=True),
    Setting("MOLLIE_API_ENDPOINT", "http://127.0.0.1:5001", dev_only_default=True),
    Setting("MOLLIE_TIMEOUT", 10, int),
    Setting(
        "MOLLIE_METHODS", ("ideal", "creditcard", "bancontact", "banktransfer"), _mollie_methods
    ),
    Setting("STAFF_SESSION_IDLE_MINUTES", 60, int),
    Setting("STAFF_SESSION_MAX_HOURS", 12, int),
    Setting("PRIVACY_CODE_MINUTES", 15, int),
    Setting("PRIVACY_SESSION_IDLE_MINUTES", 20, int),
    Setting("PRIVACY_SESSION_MAX_MINUTES", 120, int),
    Setting("PRIVACY_RATE_LIMIT_IP", "10 per 10 minutes; 50 per day"),
    Setting("PRIVACY_RATE_LIMIT_EMAIL", "3 per 10 minutes; 10 per day"),
    Setting("PRIVACY_MAIL_LIMIT_EMAIL", "20 per day"),
    Setting("PRIVACY_RATE_LIMIT_UPLOADS", "40 per hour; 100 per day"),
    Setting("PRIVACY_UPLOAD_FOLDER", None),
    Setting("ERASURE_LOG", None),
    Setting("PRIVACY_PHOTO_MAX_BYTES", 10 * 1024 * 1024, int),
    Setting("PRIVACY_PHOTO_MAX_PIXELS", 40_000_000, int),
    Setting("PRIVACY_PHOTO_LIMIT", 20, int),
)


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
    config["MAILDIR"] = os.path.join(instance_path, "mailbox")
    if config["PRIVACY_UPLOAD_FOLDER"] is None:
        config["PRIVACY_UPLOAD_FOLDER"] = os.path.join(instance_path, "uploads")
    if config["ERASURE_LOG"] is None:
        config["ERASURE_LOG"] = os.path.join(instance_path, "erasures.jsonl")
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
    env = config["APP_ENV"]
    if env not in ENVIRONMENTS:
        raise ConfigError(f"APP_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}.")
    if config["DEFAULT_LANGUAGE"] not in ("nl", "en"):
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
        "STUDIO_INBOX": config.get("STUDIO_INBOX") or config["STUDIO_EMAIL"],
        # Form tokens live as long as the session: a visitor who writes a long message
        # must not find the form expired when they send it.
        "WTF_CSRF_TIME_LIMIT": None,
        # The outbox decides what is sent; Flask-Mail must never drop mail on its own.
        "MAIL_SUPPRESS_SEND": False,
        "RATELIMIT_HEADERS_ENABLED": True,
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
    for setting in SETTINGS:
        if setting.env in ("SECRET_KEY", "DATABASE_URL") or not setting.dev_only_default:
            continue
        if config.get(setting.config_key) == setting.default:
            problems.append(f"{setting.env} is still the development default {setting.default!r}")
    if config["MOLLIE_API_ENDPOINT"].rstrip("/") != MOLLIE_LIVE_ENDPOINT:
        problems.append(f"MOLLIE_API_ENDPOINT must be {MOLLIE_LIVE_ENDPOINT} (never the sandbox)")
    if not config["MOLLIE_API_KEY"].startswith("live_"):
        problems.append("MOLLIE_API_KEY is not a live key (live_...)")
    if problems:
        raise ConfigError(
            "Refusing to start in production: "
            + "; ".join(problems)
            + ". Set these environment variables (see the configuration table in README.md)."
        )
