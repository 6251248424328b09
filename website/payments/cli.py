"""``flask payments reconcile``: ask Mollie about payments whose webhook may have been lost."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from website.clock import utcnow
from website.extensions import db
from website.payments.models import FINAL_STATUSES, PaymentAttempt, PaymentSource
from website.payments.services import (
    PaymentKeyRefused,
    PaymentUnavailable,
    catch_up_money_back,
    catch_up_replacements,
    sync_payment,
)

payments_cli = AppGroup("payments", help="Keep payments in step with Mollie.")

# Bank transfers stay open for up to two weeks at Mollie; a little longer covers them all.
LOOK_BACK = timedelta(days=16)
# Refunds and chargebacks made this long ago are still looked at: a refund settles within
# days, and Mollie notifies a chargeback (and its reversal) within weeks.
MONEY_BACK_LOOK_BACK = timedelta(days=60)
# Exit status when Mollie refuses the key: a configuration error, not Mollie being away (1).
KEY_REFUSED_EXIT = 2


# What else reconcile catches up on, after the unfinished payments: each step reads one of
# Mollie's lists and returns (brought up to date, not reachable).
CATCH_UPS: tuple[tuple[str, Callable[[datetime], tuple[int, int]], timedelta, str], ...] = (
    (
        "Refunds and chargebacks",
        catch_up_money_back,
        MONEY_BACK_LOOK_BACK,
        "%d payments brought up to date.",
    ),
    ("Payments under a new id", catch_up_replacements, LOOK_BACK, "%d found."),
)


@payments_cli.command("reconcile")
def reconcile_command() -> None:
    """Sync every unfinished Mollie payment of the last two weeks, every paid one whose
    refunds or chargebacks changed, and every payment Mollie made to carry one of ours on
    (run from cron, hourly)."""
    attempts = db.session.scalars(
        sa.select(PaymentAttempt).where(
            PaymentAttempt.mollie_id.is_not(None),
            PaymentAttempt.status.not_in(FINAL_STATUSES),
            PaymentAttempt.created_at > utcnow() - LOOK_BACK,
        )
    ).all()
    changed = failed = 0
    try:
        for attempt in attempts:
            before = attempt.status
            try:
                changed += sync_payment(attempt, PaymentSource.RECONCILE).status is not before
            except PaymentKeyRefused:
                raise
            except PaymentUnavailable:
                failed += 1
        click.echo(f"Checked {len(attempts)} payments: {changed} changed, {failed} not reachable.")
        for label, catch_up, look_back, said in CATCH_UPS:
            try:
                done, undone = catch_up(utcnow() - look_back)
            except PaymentKeyRefused:
                raise
            except PaymentUnavailable as unreachable:
                click.echo(f"{label}: Mollie could not be reached.")
                raise SystemExit(1) from unreachable
            click.echo(f"{label}: {said % done}")
            failed += undone
    except PaymentKeyRefused as refused:
        click.echo(
            f"Mollie refuses the API key ({refused}): set a valid MOLLIE_API_KEY. "
            f"Stopped after {changed} changed of {len(attempts)} payments.",
            err=True,
        )
        raise SystemExit(KEY_REFUSED_EXIT) from refused
    if failed:
        raise SystemExit(1)
