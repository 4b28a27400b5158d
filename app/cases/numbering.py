"""Readable case numbers: department prefix, date, six-digit sequence (YQX-20261122-000123).

One statement draws a number: the sequence row of the prefix and day is created at 1, or, when it
exists, bumped (INSERT … ON CONFLICT (prefix) DO UPDATE … RETURNING); racing creators of a new
day's row do not fail and two submissions never draw the same number.

On PostgreSQL the draw is its own autocommitted statement on another pooled connection, so the
row lock of the department's day lasts one statement, not the whole submitting transaction
(every submit of a department on a day draws from that one row: held until the submit's commit,
it serialised them all behind each other's licence issuance and WAL flush). Its commit does not
wait for the WAL flush (synchronous_commit off for that transaction): the submit that uses the
number commits later, and flushing its commit record flushes the draw's before it. A submit that
fails after drawing leaves a gap in the day's sequence; numbers are never reused. On SQLite
(one writer at a time anyway) the draw stays in the caller's transaction.
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
        if dialect == "postgresql":
            # the row to insert is selected under the setting that spares this one transaction
            # the wait for its WAL flush (see above)
            lazily = sa.func.set_config("synchronous_commit", "off", True).is_not(None)
            row = sa.select(sa.bindparam("prefix", type_=sa.String), sa.literal(1)).where(lazily)
            base = postgresql.insert(_TABLE).from_select(["prefix", "last_value"], row)
        else:
            base = sqlite.insert(_TABLE).values(prefix=sa.bindparam("prefix"), last_value=1)
        statement = _DRAW[dialect] = base.on_conflict_do_update(
            index_elements=[_TABLE.c.prefix], set_={"last_value": _TABLE.c.last_value + 1}
        ).returning(_TABLE.c.last_value)
    return statement


def next_number(department_code: str, day: datetime) -> str:
    """Draw the next case number for this department's prefix and day (PostgreSQL: committed at
    once, on its own; SQLite: in the caller's transaction)."""
    prefix = prefix_for(department_code, day)
    dialect = db.session.get_bind().dialect.name
    statement = _draw_statement(dialect)
    if dialect == "postgresql":
        with db.engine.connect() as conn:
            value = conn.execution_options(isolation_level="AUTOCOMMIT").execute(statement, {"prefix": prefix})
            value = value.scalar_one()
    else:
        value = db.session.execute(statement, {"prefix": prefix}).scalar_one()
    return f"{prefix}-{value:06d}"
