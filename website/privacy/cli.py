"""``flask privacy``: the privacy commands staff run from the shell."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from website.privacy.erasure import reapply_erasures

privacy_cli = AppGroup("privacy", help="Privacy: erasures.")


@privacy_cli.command("reapply-erasures")
def reapply_command() -> None:
    """Apply every recorded erasure again: run this right after restoring a backup."""
    redone = reapply_erasures()
    click.echo(f"{redone} erasure(s) applied again.")
