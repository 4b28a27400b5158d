"""`flask residents …`: the population registry (add, seed) and the sandbox SMS outbox.

Output shows ID numbers and phones masked only, as everywhere else.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from app import crypto
from app.errors import DomainError
from app.identity import registry, service, sms


@click.group("residents", help="The population registry (人口库) and identity helpers.")
def residents_cli():
    pass


@residents_cli.command("add")
@click.option("--name", required=True, help="Name as on the ID card.")
@click.option("--id-number", required=True, help="18-character resident ID number.")
@with_appcontext
def add_command(name: str, id_number: str):
    """Add one resident to the registry."""
    try:
        service.add_resident(name=name, id_number=id_number)
    except DomainError as exc:
        details = "; ".join(m for fields in exc.errors.get("json", {}).values() for m in fields)
        raise click.ClickException(f"{exc.error}: {details or exc.message}") from None
    click.echo(f"added resident {crypto.mask_id_number(registry.normalise_id_number(id_number))}")


@residents_cli.command("seed")
@click.option(
    "--file",
    "path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Residents JSON (default: the demo residents).",
)
@with_appcontext
def seed_command(path: Path | None):
    """Load the demo residents (idempotent)."""
    added, present = service.seed_residents(path)
    click.echo(f"residents: {added} added, {present} already present")


@residents_cli.command("sms-code")
@click.argument("mobile")
@with_appcontext
def sms_code_command(mobile: str):
    """Development only (SMS_PROVIDER=sandbox): print the last login code "sent" to MOBILE."""
    if current_app.config.get("SMS_PROVIDER") != "sandbox":
        raise click.ClickException("only the sandbox SMS provider keeps codes")
    try:
        code = sms.sandbox_last_code(mobile)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    if code is None:
        raise click.ClickException("no valid code for this number")
    click.echo(code)
