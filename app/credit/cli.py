"""`flask credit …`: add bad-credit entries, load the demo entries. ID numbers are hashed at
once and shown masked only."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app import crypto
from app.credit import service
from app.credit.models import Severity
from app.errors import DomainError
from app.extensions import db


@click.group("credit", help="Credit records (失信名单, 虚假承诺).")
def credit_cli():
    pass


@credit_cli.command("add")
@click.option("--id-number", required=True, help="18-character resident ID number.")
@click.option("--reason", required=True, help="Why the person is listed.")
@click.option("--severity", type=click.Choice([s.value for s in Severity]), default=Severity.SERIOUS.value)
@with_appcontext
def add_command(id_number: str, reason: str, severity: str):
    """Put a person on the bad-credit list."""
    from app.identity import registry

    try:
        number = registry.normalise_id_number(id_number)
        service.add_entry(resident_hash=registry.id_hash(number), severity=severity, reason=reason)
    except DomainError as exc:
        raise click.ClickException(f"{exc.error}: {exc.message}") from None
    db.session.commit()
    click.echo(f"listed {crypto.mask_id_number(number)} ({severity})")


@credit_cli.command("seed")
@with_appcontext
def seed_command():
    """Add the demo entries (刘建国 serious, 郑海川 general, 欧阳清风 false commitment)."""
    click.echo(f"added {service.seed_demo()} demo credit records")
