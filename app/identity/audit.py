"""The audit trail of verification attempts (real name, face), append-only.

`record` adds a row to the current transaction. `record_failure` is for the paths that refuse:
it rolls back whatever the attempt had started, writes the row in its own transaction and
commits, so a refused attempt is still on record.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa

from app.extensions import db
from app.identity.models import VerificationAttempt, utcnow

log = logging.getLogger(__name__)

KINDS = ("realname", "face_start", "face_verify", "face_login")


def record(
    *,
    kind: str,
    outcome: str,
    account_id: int | None,
    channel: str | None = None,
    provider_ref: str | None = None,
    code: str | None = None,
    ip: str | None = None,
) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown attempt kind {kind!r}")
    db.session.add(
        VerificationAttempt(
            account_id=account_id,
            kind=kind,
            channel=channel,
            outcome=outcome,
            provider_ref=provider_ref,
            code=(code or None) and str(code)[:48],
            ip=ip,
            created_at=utcnow(),
        )
    )
    log.info(
        "verification attempt %s %s",
        kind,
        outcome,
        extra={"account_id": account_id, "kind": kind, "outcome": outcome, "channel": channel, "code": code},
    )


def record_failure(**kwargs) -> None:
    db.session.rollback()
    record(**kwargs)
    db.session.commit()


def history(account_id: int, *, page: int, page_size: int) -> dict:
    """One account's own attempts, newest first, in the pagination envelope."""
    where = VerificationAttempt.account_id == account_id
    total = db.session.scalar(sa.select(sa.func.count()).select_from(VerificationAttempt).where(where))
    rows = db.session.scalars(
        sa.select(VerificationAttempt)
        .where(where)
        .order_by(VerificationAttempt.created_at.desc(), VerificationAttempt.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return {
        "items": [
            {
                "kind": r.kind,
                "channel": r.channel,
                "outcome": r.outcome,
                "provider_ref": r.provider_ref,
                "code": r.code,
                "created_at": r.created_at,
            }
            for r in rows
        ],
        "total": total,
        "page": page,
        "page_size": page_size,
    }
