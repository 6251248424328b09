"""``flask mail deliver``: the outbox worker, once or as a loop (safe to run several)."""

from __future__ import annotations

import signal
import time

import click
from flask.cli import AppGroup

from website.extensions import db
from website.mail.services import deliver_due

mail_cli = AppGroup("mail", help="Deliver the mail outbox.")


@mail_cli.command("deliver")
@click.option("--loop", is_flag=True, help="Keep delivering until stopped.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between rounds.")
@click.option("--batch", default=100, show_default=True, help="Messages per round at most.")
def deliver_command(loop: bool, interval: float, batch: int) -> None:
    """Send the queued messages that are due."""
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    if loop:
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
    while True:
        report = deliver_due(limit=batch)
        db.session.remove()  # a long-running worker keeps no rows between rounds
        if report.handled or not loop:
            click.echo(
                f"Mail: {report.sent} sent, {report.retrying} to retry, "
                f"{report.dead} dead, {report.suppressed} suppressed."
            )
        if report.interrupted:
            click.echo(
                f"Mail: {report.interrupted} left by a stopped worker while sending, set aside "
                "as not delivered (they may have arrived): see the dashboard."
            )
        if not loop or stopping:
            return
        deadline = time.monotonic() + interval
        while not stopping and time.monotonic() < deadline:
            time.sleep(0.2)
