"""Readable case numbers: department prefix, date, six-digit sequence (YQX-20261122-000123).

The sequence row of the prefix and day is created if missing (INSERT … ON CONFLICT DO NOTHING,
so racing creators do not fail) and then bumped under a row lock, so two concurrent submissions
never draw the same number. The lock is held until the submitting transaction commits.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from app.cases.models import CaseNumberSequence
from app.extensions import db


def prefix_for(department_code: str, day: datetime) -> str:
    # "YQX-GA" → "YQX": the division part of the department code
    return f"{department_code.split('-')[0]}-{day:%Y%m%d}"


def _insert_missing(prefix: str) -> None:
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(CaseNumberSequence).values(prefix=prefix, last_value=0).on_conflict_do_nothing()
    db.session.execute(stmt)


def next_number(department_code: str, day: datetime) -> str:
    """Draw the next case number for this department's prefix and day (in the caller's transaction)."""
    prefix = prefix_for(department_code, day)
    _insert_missing(prefix)
    row = db.session.scalar(sa.select(CaseNumberSequence).where(CaseNumberSequence.prefix == prefix).with_for_update())
    row.last_value += 1
    db.session.flush()
    return f"{prefix}-{row.last_value:06d}"
