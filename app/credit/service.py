"""The credit core's public functions: look a person up, add list entries, record false
commitments. Callers pass the keyed ID hash (app.identity.registry.id_hash)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from app.credit.errors import InvalidSeverity
from app.credit.models import BadCreditEntry, FalseCommitment, Severity
from app.extensions import db

# Demo entries against the demo residents (README "Demo residents"); `flask credit seed`.
DEMO_ENTRIES = (
    ("539921195601011115", Severity.SERIOUS, "失信被执行人：拒不履行生效判决（演示数据）"),  # 刘建国
    ("53990019690704051X", Severity.GENERAL, "欠缴物业费被起诉（演示数据）"),  # 郑海川
)
DEMO_FALSE_COMMITMENTS = (("539921198212250917", "承诺无房产与登记不符（演示数据）"),)  # 欧阳清风


@dataclass(frozen=True)
class CreditStatus:
    """What the credit record says about one person."""

    serious: bool
    general: bool
    false_commitment: bool

    @property
    def blocked(self) -> bool:
        """May not submit applications."""
        return self.serious

    @property
    def commitment_allowed(self) -> bool:
        """May replace a certificate by a commitment (告知承诺)."""
        return not (self.serious or self.false_commitment)

    @property
    def flag(self) -> str | None:
        """What an officer is shown on a case that was let through."""
        if self.general or self.false_commitment:
            return "general_bad_credit" if self.general else "false_commitment"
        return None


# What a check reads, in one statement (one round trip per submit): the active entries'
# severities, and a marker row when any false commitment is on record.
_FALSE_COMMITMENT = "false_commitment"
_CHECK = sa.union_all(
    sa.select(BadCreditEntry.severity.label("kind")).where(
        BadCreditEntry.id_hash == sa.bindparam("h"), BadCreditEntry.active.is_(True)
    ),
    sa.select(sa.literal(_FALSE_COMMITMENT, sa.String).label("kind")).where(
        sa.exists().where(FalseCommitment.id_hash == sa.bindparam("h"))
    ),
)


def check(resident_hash: str) -> CreditStatus:
    """The credit status of the person with this ID hash (clean when unknown)."""
    kinds = set(db.session.scalars(_CHECK, {"h": resident_hash}))
    return CreditStatus(
        serious=Severity.SERIOUS in kinds,
        general=Severity.GENERAL in kinds,
        false_commitment=_FALSE_COMMITMENT in kinds,
    )


def add_entry(*, resident_hash: str, severity: str, reason: str, source: str = "manual") -> BadCreditEntry:
    """Put a person on the bad-credit list (flushes; the caller commits)."""
    if severity not in {s.value for s in Severity}:
        raise InvalidSeverity()
    entry = BadCreditEntry(id_hash=resident_hash, severity=severity, reason=reason[:200], source=source)
    db.session.add(entry)
    db.session.flush()
    return entry


def lift_entry(entry_id: int) -> None:
    """Take an entry off the list (kept for the record; the caller commits)."""
    db.session.execute(sa.update(BadCreditEntry).where(BadCreditEntry.id == entry_id).values(active=False))


def record_false_commitment(*, resident_hash: str, reason: str, case_id: int | None = None) -> FalseCommitment:
    """Record that a commitment by this person was false (flushes; the caller commits)."""
    record = FalseCommitment(id_hash=resident_hash, case_id=case_id, reason=reason[:200])
    db.session.add(record)
    db.session.flush()
    return record


def seed_demo() -> int:
    """Add the demo entries that are not there yet; returns how many were added. Commits."""
    from app.identity.registry import id_hash

    added = 0
    for number, severity, reason in DEMO_ENTRIES:
        digest = id_hash(number)
        exists = db.session.scalar(
            sa.select(BadCreditEntry.id).where(BadCreditEntry.id_hash == digest, BadCreditEntry.reason == reason)
        )
        if exists is None:
            add_entry(resident_hash=digest, severity=severity, reason=reason, source="demo")
            added += 1
    for number, reason in DEMO_FALSE_COMMITMENTS:
        digest = id_hash(number)
        exists = db.session.scalar(
            sa.select(FalseCommitment.id).where(FalseCommitment.id_hash == digest, FalseCommitment.reason == reason)
        )
        if exists is None:
            record_false_commitment(resident_hash=digest, reason=reason)
            added += 1
    db.session.commit()
    return added
