"""`flask catalog …` commands: import, export, seed."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from app.catalog.export import write_export
from app.catalog.importer import import_catalog
from app.catalog.reader import CatalogFileError

# The demo catalog; a deployment seeds its own file through the same command (CATALOG_SEED_FILE,
# from ZSB_SEED_FILE in app/config.py).
SEED_FILE = Path(__file__).resolve().parent / "seed" / "catalog.json"


@click.group("catalog", help="Import, export and seed the service catalog.")
def catalog_cli():
    pass


def _run_import(path: Path, skip_bad: bool) -> None:
    def bar(total: int):
        return click.progressbar(length=total, label="importing", file=sys.stderr)

    try:
        report = import_catalog(path, skip_bad=skip_bad, progress_factory=bar)
    except CatalogFileError as exc:
        raise click.ClickException(f"{path}: {exc}") from None
    for error in report.errors:
        click.echo(f"{path}:{error}", err=True)
    if report.errors and not report.written:
        raise click.ClickException(
            f"{len(report.errors)} bad row(s); nothing was imported (use --skip-bad to import the good rows)"
        )
    summary = ", ".join(
        f"{section} +{report.created[section]}/~{report.updated[section]}"
        for section in report.created
        if report.created[section] or report.updated[section]
    )
    click.echo(f"imported {path.name}: {summary or 'nothing'} (created/updated); skipped {report.skipped} bad row(s)")


@catalog_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--skip-bad", is_flag=True, help="Import the good rows even when some rows are bad.")
@with_appcontext
def import_command(file: Path, skip_bad: bool):
    """Upsert a catalog file (JSON or CSV, docs/catalog-format.md) by implementation code."""
    _run_import(file, skip_bad)


@catalog_cli.command("export")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="File to write (default stdout).")
@click.option(
    "--format", "fmt", type=click.Choice(["json", "csv"]), default=None, help="Default: from the file name, else json."
)
@with_appcontext
def export_command(output: Path | None, fmt: str | None):
    """Write the catalog in the import format."""
    fmt = fmt or (
        output.suffix.lstrip(".").lower() if output and output.suffix.lower() in (".json", ".csv") else "json"
    )
    if output:
        with output.open("w", encoding="utf-8", newline="") as fh:
            count = write_export(fh, fmt)
        click.echo(f"exported {count} items to {output}", err=True)
    else:
        write_export(sys.stdout, fmt)


@catalog_cli.command("seed")
@with_appcontext
def seed_command():
    """Load the demo catalog (idempotent: upserts by code)."""
    _run_import(Path(current_app.config.get("CATALOG_SEED_FILE") or SEED_FILE), skip_bad=False)
