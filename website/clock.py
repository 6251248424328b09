"""The site's clock: every "now" and "today" the site uses is read here.

Timestamps are aware UTC datetimes; dates that people see on invoices, due dates and policy
versions are the studio's dates, in Amsterdam, whatever the server's own time zone is.

The clock can be moved (``travel_to``) so the test suite can run as if it were another
moment, say the last evening of a year; the site itself never moves it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

STUDIO_TIMEZONE = ZoneInfo("Europe/Amsterdam")

_offset = timedelta(0)


def utcnow() -> datetime:
    """Now, as an aware UTC datetime (the default of every timestamp column)."""
    return datetime.now(UTC) + _offset


def studio_today() -> date:
    """Today's date where the studio is: invoice dates and due dates are Dutch dates."""
    return utcnow().astimezone(STUDIO_TIMEZONE).date()


def travel_to(moment: datetime) -> None:
    """Let the clock read ``moment`` now and run on from there (for tests)."""
    global _offset
    if moment.tzinfo is None:
        raise ValueError("travel_to needs an aware datetime")
    _offset = moment - datetime.now(UTC)
