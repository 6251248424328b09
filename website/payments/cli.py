"""``flask payments reconcile``: ask Mollie about payments whose webhook may have been lost."""

from __future__ import annotations

from datetime import timedelta

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from website.clock import utcnow
from website.extensions import db
from website.payments.models import FINAL_STATUSES, PaymentAttempt, PaymentSource
from website.payments.services import PaymentUnavailable, sync_payment

payments_cli = AppGroup("payments", help="Keep payments in step with Mollie.")

# Bank transfers stay open for up to two weeks at Mollie; a little longer covers them all.
LOOK_BACK = timedelta(days=16)


@payments_cli.command("reconcile")
def reconcile_command() -> None:
    """Sync every unfinished Mollie payment of the last two weeks (run from cron, hourly)."""
    attempts = db.session.scalars(
        sa.select(PaymentAttempt).where(
            PaymentAttempt.mollie_id.is_not(None),
            PaymentAttempt.status.not_in(FINAL_STATUSES),
            PaymentAttempt.created_at > utcnow() - LOOK_BACK,
        )
    ).all()
    changed = failed = 0
    for attempt in attempts:
        before = attempt.status
        try:
            changed += sync_payment(attempt, PaymentSource.RECONCILE).status is not before
        except PaymentUnavailable:
            failed += 1
    click.echo(f"Checked {len(attempts)} payments: {changed} changed, {failed} not reachable.")
    if failed:
        raise SystemExit(1)
