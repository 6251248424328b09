"""``flask payments reconcile``: ask Mollie about payments whose webhook may have been lost."""

from __future__ import annotations

from datetime import timedelta

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
            except PaymentUnavailable as unreachable:
                if isinstance(unreachable, PaymentKeyRefused):
                    raise
                failed += 1
        click.echo(f"Checked {len(attempts)} payments: {changed} changed, {failed} not reachable.")
        try:
            synced, unsynced = catch_up_money_back(utcnow() - MONEY_BACK_LOOK_BACK)
        except PaymentUnavailable as unreachable:
            if isinstance(unreachable, PaymentKeyRefused):
                raise
            click.echo("Refunds and chargebacks: Mollie could not be reached.")
            raise SystemExit(1) from unreachable
        click.echo(f"Refunds and chargebacks: {synced} payments brought up to date.")
        failed += unsynced
        try:
            adopted, unadopted = catch_up_replacements(utcnow() - LOOK_BACK)
        except PaymentUnavailable as unreachable:
            if isinstance(unreachable, PaymentKeyRefused):
                raise
            click.echo("Payments under a new id: Mollie could not be reached.")
            raise SystemExit(1) from unreachable
        click.echo(f"Payments under a new id: {adopted} found.")
        failed += unadopted
    except PaymentKeyRefused as refused:
        click.echo(
            f"Mollie refuses the API key ({refused}): set a valid MOLLIE_API_KEY. "
            f"Stopped after {changed} changed of {len(attempts)} payments.",
            err=True,
        )
        raise SystemExit(KEY_REFUSED_EXIT) from refused
    if failed:
        raise SystemExit(1)
