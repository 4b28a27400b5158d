"""Objects no row references: what an upload leaves behind when its process dies between storing
the file and committing its row (app/cases/files.py removes the object itself whenever the commit
fails). Each stored prefix has its owner's table: cases/ → case_files, bundles/ (a file uploaded
once for a 一件事 material) → bundle_files. `flask storage orphans [--delete]` lists (and removes) them; objects younger
than the grace period are left alone, as their upload may still be on its way to the commit."""

from __future__ import annotations

import time

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from app.bundles.models import BundleFile
from app.cases.models import CaseFile
from app.extensions import db
from app.storage import get_storage

# prefix → the column of the rows that reference objects stored under it
SOURCES = {"cases/": CaseFile.storage_key, "bundles/": BundleFile.storage_key}
BATCH = 500


def find_orphans(*, older_than_seconds: float = 3600, prefix: str | None = None) -> list[str]:
    """Keys older than the grace period that no row references, under every known prefix (or
    only `prefix`, one of SOURCES)."""
    cutoff = time.time() - older_than_seconds
    orphans: list[str] = []
    for scanned, column in SOURCES.items():
        if prefix is not None and scanned != prefix:
            continue
        candidates = [key for key, modified in get_storage().list(scanned) if modified < cutoff]
        known: set[str] = set()
        for start in range(0, len(candidates), BATCH):
            batch = candidates[start : start + BATCH]
            known.update(db.session.scalars(sa.select(column).where(column.in_(batch))))
        orphans.extend(key for key in candidates if key not in known)
    return orphans


@click.group("storage")
def storage_cli() -> None:
    """Uploaded files in the configured storage."""


@storage_cli.command("orphans")
@click.option("--older-than-minutes", default=60, show_default=True, help="grace period for uploads in flight")
@click.option("--delete", is_flag=True, help="remove them (otherwise only list them)")
@with_appcontext
def orphans_command(older_than_minutes: int, delete: bool) -> None:
    """List (or delete) stored objects under cases/ or bundles/ that no row references."""
    keys = find_orphans(older_than_seconds=older_than_minutes * 60)
    storage = get_storage()
    for key in keys:
        if delete:
            storage.delete(key)
        click.echo(("deleted " if delete else "") + key)
    click.echo(f"{len(keys)} orphan object(s){' deleted' if delete else ''}", err=True)
