"""Extension singletons, created unbound here and initialised in ``create_app``."""

from __future__ import annotations

import enum
import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask import current_app, request
from flask_babel import Babel
from flask_limiter import Limiter, RequestLimit
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from limits import RateLimitItem
from sqlalchemy.orm import DeclarativeBase, registry

# Predictable constraint names, so Alembic can find (and drop) them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every database (SQLite stores it naive)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UTCDateTime needs an aware datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Hundredths(sa.TypeDecorator[Decimal]):
    """A decimal with two places (money, quantities, rates), stored exactly as an integer.

    SQLite has no exact decimal type; a count of hundredths is exact on every database.
    """

    impl = sa.BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: sa.Dialect) -> int | None:
        if value is None:
            return None
        hundredths = Decimal(value) * 100
        if hundredths != hundredths.to_integral_value():
            raise ValueError(f"{value} has more than two decimal places")
        return int(hundredths)

    def process_result_value(self, value: int | None, dialect: sa.Dialect) -> Decimal | None:
        return None if value is None else Decimal(value).scaleb(-2)


class Base(DeclarativeBase):
    registry = registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={
            datetime: UTCDateTime,
            Decimal: Hundredths,
            # Enums are stored by value in a plain string column, portable and readable.
            enum.Enum: sa.Enum(
                enum.Enum,
                native_enum=False,
                length=20,
                values_callable=lambda members: [member.value for member in members],
            ),
        },
    )


db = SQLAlchemy(model_class=Base)
if TYPE_CHECKING:
    Model = Base  # what the type checker sees: db.Model is made from Base when the app runs
else:
    Model = db.Model


def enforce_foreign_keys(engine: sa.Engine) -> None:
    """Make SQLite check foreign keys (and apply ON DELETE) as PostgreSQL always does; it
    leaves them off unless each connection asks."""
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _foreign_keys_on(connection: Any, _record: object) -> None:
        connection.execute("PRAGMA foreign_keys = ON")


migrate = Migrate(render_as_batch=True, compare_type=True)
csrf = CSRFProtect()
babel = Babel()
mail = Mail()
login_manager = LoginManager()
# Posts that machines send for many people at once, each limited in its own way.
MACHINE_POSTS = {"pay.webhook", "privacy.unsubscribe"}


def _not_a_form_post() -> bool:
    return request.method != "POST" or request.endpoint in MACHINE_POSTS


# One limit for every form post from an IP address (POST_RATE_LIMIT_IP), checked before
# anything else looks at the request, CSRF included: a flood of forged posts is refused
# cheaply. Each form adds its own limits on top. Storage: RATELIMIT_STORAGE_URI.
limiter = Limiter(
    key_func=get_remote_address,
    default_limits=[],
    application_limits=[lambda: current_app.config["POST_RATE_LIMIT_IP"]],
    application_limits_exempt_when=_not_a_form_post,
)


def count_hit(limit: RateLimitItem, *keys: str) -> bool:
    """Count one hit of ``limit`` for ``keys`` outside a route's own limits; False once it is
    spent. Always True while rate limiting is switched off (RATELIMIT_ENABLED)."""
    if not limiter.enabled:
        return True
    return limiter.limiter.hit(limit, *keys)


def retry_minutes(limit: RequestLimit) -> int:
    """Whole minutes (at least one) until a breached rate limit lets requests through again."""
    return max(1, round((limit.reset_at - time.time()) / 60))
