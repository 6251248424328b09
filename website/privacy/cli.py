"""``flask privacy``: the privacy commands staff and cron run from the shell."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from website.privacy.announcements import announce_policy
from website.privacy.erasure import reapply_erasures

privacy_cli = AppGroup("privacy", help="Privacy: erasures, announcing a new policy version.")


@privacy_cli.command("reapply-erasures")
def reapply_command() -> None:
    """Apply every recorded erasure again: run this right after restoring a backup."""
    redone = reapply_erasures()
    click.echo(f"{redone} erasure(s) applied again.")


@privacy_cli.command("announce-policy")
def announce_command() -> None:
    """Mail newsletter subscribers once about the policy version in force (daily, from cron)."""
    queued = announce_policy()
    click.echo(f"{queued} announcement(s) of the privacy policy in force queued.")
