"""`flask enterprises …`: the market-entity registry (seed, add, import). Legal representatives'
ID numbers are shown masked only."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from app import crypto
from app.enterprises import importer, registry
from app.errors import DomainError
from app.extensions import db


@click.group("enterprises", help="The market-entity registry (市场主体登记).")
def enterprises_cli():
    pass


@enterprises_cli.command("seed")
@click.option(
    "--file",
    "path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Enterprises JSON (default: the demo enterprises).",
)
@with_appcontext
def seed_command(path: Path | None):
    """Load the demo enterprises and their credit records (idempotent)."""
    report = registry.seed_enterprises(path or registry.SEED_FILE)
    click.echo(
        f"enterprises: {report['added']} added, {report['present']} already present; "
        f"{report['credit_added']} credit record(s) added"
    )


@enterprises_cli.command("add")
@click.option("--uscc", required=True, help="18-character unified social credit code.")
@click.option("--name", required=True, help="Registered name.")
@click.option("--kind", required=True, help="Market-entity type, e.g. 有限责任公司.")
@click.option("--status", default="存续", show_default=True, help="存续 / 注销 / 吊销 / 迁出.")
@click.option("--address", default="", help="Registered address (住所).")
@click.option("--division-code", default="", help="Division code of the registration authority.")
@click.option("--established-on", default="", help="YYYY-MM-DD.")
@click.option("--legal-rep-name", required=True, help="Legal representative's name as on the ID card.")
@click.option("--legal-rep-id-number", required=True, help="Legal representative's resident ID number.")
@with_appcontext
def add_command(**options):
    """Add one enterprise to the registry."""
    try:
        enterprise = registry.add_enterprise(options)
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc.error}: {importer._reason(exc)}") from None
    db.session.commit()
    masked = crypto.mask_id_number(registry.clean_record(options)["legal_rep_id_number"])
    click.echo(f"added {enterprise.uscc} {enterprise.name} (legal representative {masked})")


@enterprises_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_command(file: Path):
    """Add the enterprises of a CSV file: all of them, or none if any line is bad."""
    try:
        report = importer.import_enterprises(file)
    except importer.ImportFileError as exc:
        raise click.ClickException(f"{file}: {exc}") from None
    for error in report.errors:
        click.echo(f"{file}:{error}", err=True)
    if report.errors:
        raise click.ClickException(f"{len(report.errors)} bad line(s); nothing was imported")
    click.echo(f"imported {report.written} enterprise(s) from {file.name}")
