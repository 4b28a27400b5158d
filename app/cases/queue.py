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

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from app import crypto
from app.cases.models import Case
from app.cases.states import CaseStatus
from app.catalog.models import ServiceItem
from app.enterprises import public as enterprises
from app.extensions import db
from app.identity import registry
from app.identity.models import VerifiedIdentity
from app.workdays import (
    DEFAULT_CALENDAR,
    WorkCalendar,
    WorkdayCounter,
    add_working_days,
    load_calendar,
    working_days_between,
)

CHINA = ZoneInfo("Asia/Shanghai")
GREEN, YELLOW, RED = "green", "yellow", "red"
# cases on the clock: everything between submission and the closing of the file
OPEN = frozenset(
    {CaseStatus.SUBMITTED, CaseStatus.ACCEPTED, CaseStatus.CORRECTION_REQUESTED, CaseStatus.APPROVED, CaseStatus.DENIED}
)


# calendar days a page's counter covers past its newest submission (a deadline further out is
# counted day by day, the same number)
LONGEST_DEADLINE_DAYS = 200


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


def supervision(
    case: Case, promised: int | None, *, cal: WorkCalendar, on: date, yellow: int, counter: WorkdayCounter | None = None
) -> dict:
    """{"deadline", "working_days_left", "supervision"} of one case as of `on` (`counter`: the
    same count for a page of cases at once)."""
    if case.submitted_at is None or promised is None:
        return {"deadline": None, "working_days_left": None, "supervision": None}
    received = received_on(case.submitted_at, cal)
    deadline = add_working_days(received, promised, cal)
    bundle_limit = getattr(case, "bundle_time_limit", None)
    if bundle_limit is not None:
        # a member of a 一件事 bundle: the whole's promise binds it as well as its own
        deadline = min(deadline, add_working_days(received, bundle_limit, cal))
    left = counter.between(on, deadline) if counter is not None else working_days_between(on, deadline, cal)
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


def applicant_fields(cases: Iterable[Case]) -> dict[int, dict]:
    """Who applied, as staff see it, per case id: {"applicant_masked" (the person's masked name,
    or the enterprise's registered name — a public register fact), "handler_masked" (the person
    who acted, masked), "enterprise": {"id", "name"} | None}."""
    cases = list(cases)
    names = masked_applicants({c.account_id for c in cases})
    companies = enterprises.names_of({c.enterprise_id for c in cases if c.enterprise_id is not None})
    out = {}
    for c in cases:
        handler = names.get(c.account_id, "")
        if c.enterprise_id is None:
            out[c.id] = {"applicant_masked": handler, "handler_masked": handler, "enterprise": None}
            continue
        name = companies.get(c.enterprise_id, "")
        out[c.id] = {
            "applicant_masked": name,
            "handler_masked": handler,
            "enterprise": {"id": c.enterprise_id, "name": name},
        }
    return out


def last_red_day(promised: int, *, on: date, cal: WorkCalendar) -> date:
    """The last China submission date whose deadline (`supervision`: the promised working days
    after the day received) lies before `on`: a case submitted on it or earlier, still open, is
    red. Deadlines never fall as the submission date rises, so one date per limit decides."""
    day = on - timedelta(days=promised + 1)  # the deadline is at least `promised` days after
    while add_working_days(received_on_day(day, cal), promised, cal) >= on:
        day -= timedelta(days=1)
    return day


def received_on_day(day: date, cal: WorkCalendar) -> date:
    return day if cal.is_working_day(day) else add_working_days(day, 1, cal)


def red_clause(department_code: str, *, on: date, cal: WorkCalendar):
    """SQL: the case is red (open, today past its deadline) — the colour `supervision` gives,
    decided in the database so a filtered queue is paged there (one cut-off per promised limit).
    A member of a 一件事 bundle is bound by the earlier of its item's and its bundle's promise,
    as in `supervision`: its limit is the smaller of the two."""
    open_cases = sa.select(Case.service_code, Case.bundle_time_limit).where(
        Case.department_code == department_code, Case.status.in_(OPEN)
    )
    pairs = {(code, limit) for code, limit in db.session.execute(open_cases.distinct())}
    limits = promised_limits({code for code, _ in pairs})
    by_limit: dict[tuple[int, int | None], list[str]] = {}
    for code, bundle_limit in pairs:
        if code in limits:
            by_limit.setdefault((limits[code], bundle_limit), []).append(code)
    cut = []
    for (limit, bundle_limit), group in sorted(by_limit.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)):
        effective = limit if bundle_limit is None else min(limit, bundle_limit)
        # never NULL (the overdue=False side negates the clause)
        same_bundle_limit = (
            Case.bundle_time_limit.is_(None)
            if bundle_limit is None
            else sa.and_(Case.bundle_time_limit.is_not(None), Case.bundle_time_limit == bundle_limit)
        )
        cut.append(
            sa.and_(
                Case.service_code.in_(sorted(set(group))),
                same_bundle_limit,
                Case.submitted_at < _utc_midnight(last_red_day(effective, on=on, cal=cal) + timedelta(days=1)),
            )
        )
    return sa.and_(Case.status.in_(OPEN), sa.or_(*cut)) if cut else sa.false()


def _utc_midnight(day: date) -> datetime:
    """China midnight at the start of `day`, as naive UTC."""
    return datetime.combine(day, datetime.min.time(), tzinfo=CHINA).astimezone(UTC).replace(tzinfo=None)


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
    cal, yellow = calendar(), yellow_days()
    if overdue is not None:
        red = red_clause(department_code, on=on, cal=cal)
        where.append(red if overdue else sa.not_(red))
    order = (Case.submitted_at, Case.id)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Case).where(*where))
    # the page's ids from the index alone (its order and filter columns are all in it), then
    # those rows: an OFFSET over whole rows reads every row it skips
    ids = sa.select(Case.id).where(*where).order_by(*order).offset((page - 1) * page_size).limit(page_size)
    cases = db.session.scalars(sa.select(Case).where(Case.id.in_(ids.scalar_subquery())).order_by(*order)).all()
    limits = promised_limits({c.service_code for c in cases})
    # an old case's days left run over years of calendar: count them once for the page
    days = [china_date(c.submitted_at) for c in cases if c.submitted_at is not None] + [on]
    counter = WorkdayCounter(min(days), max(days) + timedelta(days=LONGEST_DEADLINE_DAYS), cal)
    rows = [
        (c, supervision(c, limits.get(c.service_code), cal=cal, on=on, yellow=yellow, counter=counter)) for c in cases
    ]
    who = applicant_fields(c for c, _ in rows)
    items = [
        {
            "id": c.id,
            "case_number": c.case_number,
            "service_code": c.service_code,
            "service_name": c.service_name,
            "status": c.status,
            **who[c.id],
            "submitted_at": _iso(c.submitted_at),
            "promised_time_limit": limits.get(c.service_code),
            **sup,
        }
        for c, sup in rows
    ]
    return {"items": items, "total": total, "page": page, "page_size": page_size}
