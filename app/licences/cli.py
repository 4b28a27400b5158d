"""`flask licences …`: demo licences, issuing, revoking, the daily expiry sweep."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import click
from flask.cli import with_appcontext

from app.errors import DomainError
from app.licences import demo, service


@click.group("licences", help="Electronic licences (电子证照).")
def licences_cli():
    pass


@licences_cli.command("seed")
@click.option(
    "--file",
    "path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Licences JSON (default: the demo licences).",
)
@with_appcontext
def seed_command(path: Path | None):
    """Issue the demo licences to the demo residents (idempotent; run `flask residents seed` first)."""
    report = demo.seed_licences(path or demo.SEED_FILE)
    click.echo(
        f"licences: {report['issued']} issued, {report['present']} already present, "
        f"{report['missing_residents']} skipped (resident not in the registry)"
    )


@licences_cli.command("issue")
@click.option("--resident-id", type=int, required=True)
@click.option("--type", "type_code", required=True, help="Licence type code, e.g. L-JMSFZ.")
@click.option("--issuer", required=True, help="Issuing department code, e.g. YQX-GA.")
@click.option("--essentials", default="{}", help="Essentials as a JSON object.")
@click.option("--valid-until", default=None, help="YYYY-MM-DD; omit for long-term.")
@with_appcontext
def issue_command(resident_id: int, type_code: str, issuer: str, essentials: str, valid_until: str | None):
    """Issue one licence."""
    try:
        out = service.issue(
            resident_id=resident_id,
            licence_type_code=type_code,
            issuer_department_code=issuer,
            essentials=json.loads(essentials),
            valid_until=date.fromisoformat(valid_until) if valid_until else None,
        )
    except DomainError as exc:
        raise click.ClickException(f"{exc.error}: {exc.message}") from None
    click.echo(f"issued licence {out['id']} {out['identifier']}")


@licences_cli.command("revoke")
@click.argument("licence_id", type=int)
@click.option("--reason", required=True)
@with_appcontext
def revoke_command(licence_id: int, reason: str):
    """Revoke (注销) one licence."""
    try:
        service.revoke(licence_id, reason)
    except DomainError as exc:
        raise click.ClickException(f"{exc.error}: {exc.message}") from None
    click.echo(f"revoked licence {licence_id}")


@licences_cli.command("expire")
@with_appcontext
def expire_command():
    """Mark valid licences past their validity as expired (daily)."""
    click.echo(f"licences expired: {service.expire_due()}")
