"""``flask retention run``: delete personal data whose retention period has ended.

Each feature registers its own rule with ``@rule(name)``; a rule takes "now", deletes what is
due, commits, and returns how many records it removed. Safe to run from cron at any interval.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import datetime

import click
from flask.cli import AppGroup

from website.clock import utcnow

Rule = Callable[[datetime], int]
RULES: dict[str, Rule] = {}

retention_cli = AppGroup("retention", help="Apply the retention periods.")


def rule(name: str) -> Callable[[Rule], Rule]:
    """Register a retention rule under a name that says what it deletes."""

    def register(function: Rule) -> Rule:
        RULES[name] = function
        return function

    return register


def run_rules(now: datetime | None = None) -> dict[str, int]:
    """Apply every rule; return how many records each one deleted."""
    moment = now or utcnow()
    return {name: apply(moment) for name, apply in RULES.items()}


def months_before(moment: datetime, months: int) -> datetime:
    """The same moment ``months`` calendar months earlier (clamped to that month's end)."""
    year, month_index = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    last_day = calendar.monthrange(year, month_index + 1)[1]
    return moment.replace(year=year, month=month_index + 1, day=min(moment.day, last_day))


@retention_cli.command("run")
def run_command() -> None:
    """Delete everything whose retention period has ended."""
    for name, count in run_rules().items():
        click.echo(f"{name}: {count} deleted")
