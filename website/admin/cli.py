"""``flask staff create|disable|enable EMAIL``: staff accounts from the command line."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from website.admin.services import StaffError, create_staff, set_active

staff_cli = AppGroup("staff", help="Manage back-office accounts.")


@staff_cli.command("create")
@click.argument("email")
@click.password_option("--password", prompt="Password", confirmation_prompt=True)
def create_command(email: str, password: str) -> None:
    """Create an account; asks for the password twice."""
    try:
        staff = create_staff(email, password)
    except StaffError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Created staff account {staff.email}.")


@staff_cli.command("disable")
@click.argument("email")
def disable_command(email: str) -> None:
    """Disable an account and sign it out everywhere."""
    try:
        staff = set_active(email, active=False)
    except StaffError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Disabled {staff.email}.")


@staff_cli.command("enable")
@click.argument("email")
def enable_command(email: str) -> None:
    """Enable a disabled account again."""
    try:
        staff = set_active(email, active=True)
    except StaffError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Enabled {staff.email}.")
