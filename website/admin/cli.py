"""``flask staff create|password|disable|enable|unlock EMAIL``: staff accounts from the
command line."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from website.admin.services import (
    StaffError,
    create_staff,
    existing_staff,
    set_active,
    set_password,
    unlock,
)

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


@staff_cli.command("password")
@click.argument("email")
@click.password_option("--password", prompt="New password", confirmation_prompt=True)
def password_command(email: str, password: str) -> None:
    """Set a new password (for one that is forgotten) and sign the account out everywhere."""
    try:
        staff = existing_staff(email)
        set_password(staff, password)
    except StaffError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"New password set for {staff.email}; it is signed out everywhere.")


@staff_cli.command("unlock")
@click.argument("email")
def unlock_command(email: str) -> None:
    """Forget the failed sign-ins and wrong codes that delay an account."""
    try:
        staff = unlock(email)
    except StaffError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Unlocked {staff.email}.")
