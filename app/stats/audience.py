"""The figures split by audience: cases submitted by persons for themselves and cases applied
for an enterprise (法人, Case.enterprise_id set). Kept apart from service.py, which computes
the rest of the figures."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app.cases.models import Case
from app.extensions import db
from app.stats import service

CHINA = ZoneInfo("Asia/Shanghai")


def _utc(day: date) -> datetime:
    """China midnight at the start of `day`, as naive UTC (as the other figures count)."""
    return datetime.combine(day, time.min, tzinfo=CHINA).astimezone(UTC).replace(tzinfo=None)


def cases_by_audience(first: date, last: date, *, department: str | None = None) -> dict:
    """Cases submitted in the period (China dates, inclusive): {"individual", "legal_person"}."""
    where = [
        Case.submitted_at.is_not(None),
        Case.submitted_at >= _utc(first),
        Case.submitted_at < _utc(last + timedelta(days=1)),
    ]
    if department is not None:
        where.append(Case.department_code == department)
    legal = sa.func.count(Case.enterprise_id)  # counts the non-null ones
    total, legal_person = db.session.execute(sa.select(sa.func.count(), legal).where(*where)).one()
    return {"individual": total - legal_person, "legal_person": legal_person}


def summary(*, date_from: date | None = None, date_to: date | None = None, department: str | None = None) -> dict:
    """`service.summary` and the split of its cases by audience (the same count as
    `cases_by_audience`, taken from the figures' own sums)."""
    first, last = service.default_period()
    return service.figures(date_from or first, date_to or last, department=department, with_audience=True)
