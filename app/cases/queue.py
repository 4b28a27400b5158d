"""A department's work queue and the electronic supervision (电子监察) of its deadlines.

The promised deadline is counted in working days under the holiday calendar (WORK_CALENDAR,
default "CN") from the day the case counts as received: the China date of submission, or the
next working day when it was submitted on a weekend or holiday. The deadline is the promised
number of working days after it (`add_working_days`), so a promise of 0 days (即办) means the
day received. While a case is open its supervision is
"red" once today is past the deadline (for a member of a 一件事 bundle, the earlier of its own and
the bundle's), "yellow" when at most SUPERVISION_YELLOW_DAYS (default 1)
working days are left, else "green"; closed cases carry none.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from app import crypto
from app.cases.models import Case
from app.cases.states import CaseStatus
from app.catalog.models import ServiceItem
from app.extensions import db
from app.identity import registry
from app.identity.models import VerifiedIdentity
from app.workdays import DEFAULT_CALENDAR, WorkCalendar, add_working_days, load_calendar, working_days_between

CHINA = ZoneInfo("Asia/Shanghai")
GREEN, YELLOW, RED = "green", "yellow", "red"
# cases on the clock: everything between submission and the closing of the file
OPEN = frozenset(
    {CaseStatus.SUBMITTED, CaseStatus.ACCEPTED, CaseStatus.CORRECTION_REQUESTED, CaseStatus.APPROVED, CaseStatus.DENIED}
)


def today() -> date:
    """Today in China (deadlines are China dates)."""
    return datetime.now(CHINA).date()


def china_date(moment: datetime) -> date:
    """The China date of a naive UTC timestamp."""
    return moment.replace(tzinfo=UTC).astimezone(CHINA).date()


def received_on(submitted_at: datetime, cal: WorkCalendar) -> date:
    """The working day a case counts as received: submitted on a weekend or holiday, the next one."""
    day = china_date(submitted_at)
    return day if cal.is_working_day(day) else add_working_days(day, 1, cal)


def calendar() -> WorkCalendar:
    return load_calendar(current_app.config.get("WORK_CALENDAR", DEFAULT_CALENDAR))


def yellow_days() -> int:
    return int(current_app.config.get("SUPERVISION_YELLOW_DAYS", 1))


def promised_limits(service_codes: set[str]) -> dict[str, int]:
    """Promised time limit (working days) per item implementation code."""
    if not service_codes:
        return {}
    rows = db.session.execute(
        sa.select(ServiceItem.implementation_code, ServiceItem.promised_time_limit).where(
            ServiceItem.implementation_code.in_(service_codes)
        )
    )
    return {code: limit for code, limit in rows}


def supervision(case: Case, promised: int | None, *, cal: WorkCalendar, on: date, yellow: int) -> dict:
    """{"deadline", "working_days_left", "supervision"} of one case as of `on`."""
    if case.submitted_at is None or promised is None:
        return {"deadline": None, "working_days_left": None, "supervision": None}
    received = received_on(case.submitted_at, cal)
    deadline = add_working_days(received, promised, cal)
    bundle_limit = getattr(case, "bundle_time_limit", None)
    if bundle_limit is not None:
        # a member of a 一件事 bundle: the whole's promise binds it as well as its own
        deadline = min(deadline, add_working_days(received, bundle_limit, cal))
    left = working_days_between(on, deadline, cal)
    if case.status not in OPEN:
        colour = None
    elif on > deadline:
        colour = RED
    elif left <= yellow:
        colour = YELLOW
    else:
        colour = GREEN
    return {"deadline": deadline.isoformat(), "working_days_left": left, "supervision": colour}


def masked_applicants(account_ids: set[int]) -> dict[int, str]:
    """The masked real name (**明) per account."""
    if not account_ids:
        return {}
    rows = db.session.execute(
        sa.select(VerifiedIdentity.account_id, VerifiedIdentity.name_enc).where(
            VerifiedIdentity.account_id.in_(account_ids)
        )
    )
    return {
        account_id: crypto.mask_name(crypto.decrypt(name_enc, context=registry.NAME_CONTEXT))
        for account_id, name_enc in rows
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() + "Z" if value else None


def department_queue(
    department_code: str,
    *,
    status: str | None = None,
    overdue: bool | None = None,
    page: int = 1,
    page_size: int = 20,
    on: date | None = None,
) -> dict:
    """The submitted cases of one department's items, oldest submission first, with their
    promised deadline and supervision colour. `overdue` True keeps only red cases, False only
    the others. Drafts are never in a queue."""
    on = on or today()
    where = [Case.department_code == department_code, Case.status != CaseStatus.DRAFT]
    if status is not None:
        where.append(Case.status == status)
    query = sa.select(Case).where(*where).order_by(Case.submitted_at, Case.id)
    cal, yellow = calendar(), yellow_days()
    if overdue is None:
        total = db.session.scalar(sa.select(sa.func.count()).select_from(Case).where(*where))
        cases = db.session.scalars(query.offset((page - 1) * page_size).limit(page_size)).all()
        limits = promised_limits({c.service_code for c in cases})
        rows = [(c, supervision(c, limits.get(c.service_code), cal=cal, on=on, yellow=yellow)) for c in cases]
    else:
        # the colour depends on each item's limit and the calendar: filtered here, not in SQL
        cases = db.session.scalars(query).all()
        limits = promised_limits({c.service_code for c in cases})
        rows = [(c, supervision(c, limits.get(c.service_code), cal=cal, on=on, yellow=yellow)) for c in cases]
        rows = [r for r in rows if (r[1]["supervision"] == RED) == overdue]
        total = len(rows)
        rows = rows[(page - 1) * page_size : page * page_size]
    names = masked_applicants({c.account_id for c, _ in rows})
    items = [
        {
            "id": c.id,
            "case_number": c.case_number,
            "service_code": c.service_code,
            "service_name": c.service_name,
            "status": c.status,
            "applicant_masked": names.get(c.account_id, ""),
            "submitted_at": _iso(c.submitted_at),
            "promised_time_limit": limits.get(c.service_code),
            **sup,
        }
        for c, sup in rows
    ]
    return {"items": items, "total": total, "page": page, "page_size": page_size}
