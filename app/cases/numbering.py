"""Readable case numbers: department prefix, date, six-digit sequence (YQX-20261122-000123).

One statement draws a number: the sequence row of the prefix and day is created at 1, or, when it
exists, bumped (INSERT … ON CONFLICT (prefix) DO UPDATE … RETURNING). The upsert locks the row
until the submitting transaction commits, so two concurrent submissions never draw the same
number (the second waits for the first, then bumps its committed value), and racing creators of
a new day's row do not fail.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from app.cases.models import CaseNumberSequence
from app.extensions import db

_TABLE = CaseNumberSequence.__table__
_DRAW: dict[str, sa.Insert] = {}


def prefix_for(department_code: str, day: datetime) -> str:
    # "YQX-GA" → "YQX": the division part of the department code
    return f"{department_code.split('-')[0]}-{day:%Y%m%d}"


def _draw_statement(dialect: str) -> sa.Insert:
    statement = _DRAW.get(dialect)
    if statement is None:  # built once per dialect: compiled-cache hits afterwards
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        base = insert(_TABLE).values(prefix=sa.bindparam("prefix"), last_value=1)
        statement = _DRAW[dialect] = base.on_conflict_do_update(
            index_elements=[_TABLE.c.prefix], set_={"last_value": _TABLE.c.last_value + 1}
        ).returning(_TABLE.c.last_value)
    return statement


def next_number(department_code: str, day: datetime) -> str:
    """Draw the next case number for this department's prefix and day (in the caller's transaction)."""
    prefix = prefix_for(department_code, day)
    statement = _draw_statement(db.session.get_bind().dialect.name)
    value = db.session.execute(statement, {"prefix": prefix}).scalar_one()
    return f"{prefix}-{value:06d}"
