"""Key rotation: `flask crypto reencrypt` re-writes every encrypted column value and every
uploaded file that is not under the primary key of FIELD_ENCRYPTION_KEYS (and seals files stored
before files were sealed).

Rotate by putting a new key first in FIELD_ENCRYPTION_KEYS (keeping the old ones after it), deploy,
run `flask crypto reencrypt`, then drop the old keys. Idempotent and resumable: a value already
under the primary key is left alone. The columns are read as raw ciphertexts (not through the
models' types), so one loop serves the identity's `*_enc` columns and the encrypted texts alike.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from app import crypto
from app.extensions import db

log = logging.getLogger(__name__)

BATCH = 500

# (table, column, context): every column that holds an app.crypto ciphertext
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("channel_identities", "phone_enc", "phone"),
    ("residents", "id_enc", "id_number"),
    ("residents", "name_enc", "person_name"),
    ("verified_identities", "id_enc", "id_number"),
    ("verified_identities", "name_enc", "person_name"),
    ("face_checks", "id_enc", "id_number"),
    ("face_checks", "name_enc", "person_name"),
    ("enterprises", "legal_rep_id_enc", "id_number"),
    ("enterprises", "legal_rep_name_enc", "person_name"),
    ("agent_grants", "agent_id_enc", "id_number"),
    ("agent_grants", "agent_name_enc", "person_name"),
    ("licences", "holder_name_enc", "licence.holder_name"),
    ("licences", "number_enc", "licence.number"),
    ("licences", "essentials_enc", "licence.essentials"),
    ("delivery_addresses", "contact", "delivery.address"),
    ("deliveries", "contact", "delivery.address"),
    ("cases", "form_data", "case.form_data"),
    ("complaints", "title", "complaint.title"),
    ("complaints", "content", "complaint.content"),
    ("complaints", "answer", "complaint.answer"),
    ("evaluations", "comment", "evaluation.comment"),
    ("evaluations", "reply", "evaluation.reply"),
)


@dataclass
class Counts:
    values: int = 0
    files: int = 0


def reencrypt_columns() -> int:
    """Re-encrypt column values written under an older key; returns how many (commits per batch)."""
    done = 0
    for table, column, context in COLUMNS:
        tbl = sa.table(table, sa.column("id", sa.Integer()), sa.column(column, sa.Text()))
        last = 0
        while True:
            rows = db.session.execute(
                sa.select(tbl.c.id, tbl.c[column])
                .where(tbl.c.id > last, tbl.c[column].like("v1.%"))
                .order_by(tbl.c.id)
                .limit(BATCH)
            ).all()
            if not rows:
                break
            for row_id, token in rows:
                last = row_id
                if crypto.needs_reencryption(token):
                    fresh = crypto.reencrypt(token, context=context)
                    # compare-and-set: a value changed meanwhile by the application is already fresh
                    db.session.execute(
                        tbl.update().where(tbl.c.id == row_id, tbl.c[column] == token).values({column: fresh})
                    )
                    done += 1
            db.session.commit()
    return done


def reencrypt_files() -> int:
    """Seal (or re-seal under the primary key) every stored file a case_files row names."""
    from app.cases.models import CaseFile
    from app.storage import get_backend

    backend = get_backend()
    done = 0
    last = 0
    while True:
        rows = db.session.execute(
            sa.select(CaseFile.id, CaseFile.storage_key, CaseFile.content_type)
            .where(CaseFile.id > last)
            .order_by(CaseFile.id)
            .limit(BATCH)
        ).all()
        db.session.rollback()
        if not rows:
            return done
        for file_id, key, content_type in rows:
            last = file_id
            if not backend.exists(key):
                log.warning("case file %s has no stored object", file_id)
                continue
            blob = backend.get(key)
            if not crypto.file_needs_reencryption(blob):
                continue
            plain = crypto.decrypt_bytes(blob, context=key) if crypto.is_sealed_bytes(blob) else blob
            backend.put(key, crypto.encrypt_bytes(plain, context=key), content_type=content_type)
            done += 1


def reencrypt_all() -> Counts:
    return Counts(values=reencrypt_columns(), files=reencrypt_files())


@click.group("crypto")
def crypto_cli() -> None:
    """Encryption keys of personal data at rest."""


@crypto_cli.command("reencrypt")
@with_appcontext
def reencrypt_command() -> None:
    """Re-encrypt values and files under the primary key of FIELD_ENCRYPTION_KEYS."""
    counts = reencrypt_all()
    log.info("re-encrypted %s value(s) and %s file(s)", counts.values, counts.files)
    click.echo(f"re-encrypted {counts.values} value(s) and {counts.files} file(s)")
