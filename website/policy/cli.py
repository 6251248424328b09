"""``flask policy import``: load the policy versions kept as Markdown in the repository."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from website.policy.services import PolicyConflict, import_directory

DEFAULT_DIRECTORY = Path(__file__).resolve().parents[2] / "content" / "policy"


policy_cli = AppGroup("policy", help="Publish privacy policy versions.")


@policy_cli.command("import")
@click.argument(
    "directory",
    required=False,
    default=DEFAULT_DIRECTORY,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
)
def import_command(directory: Path) -> None:
    """Publish the policy files in DIRECTORY (default: content/policy)."""
    try:
        report = import_directory(directory)
    except PolicyConflict as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Policy versions: {len(report.added)} added, {len(report.unchanged)} unchanged.")
    for name in report.added:
        click.echo(f"  added {name}")
