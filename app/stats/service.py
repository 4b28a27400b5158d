"""The governance figures, computed from the platform's own rows (definitions: README, section
"Engagement and figures"). Every rate is given with its numerator and denominator.

Period: China dates `first`..`last` inclusive. The case set C of a period is every case whose
China submission date falls in it (drafts have none), of one department when asked. "Today"
(for cases still open) is the China date of the computation.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app.cases import queue
from app.cases.models import Case, CaseEvent, CaseMaterial
from app.catalog.models import Department, ServiceItem
from app.errors import ValidationFailed
from app.evaluations.models import Evaluation
from app.evaluations.service import BAD, GOOD
from app.extensions import db
from app.workdays import add_working_days, working_days_between

CHINA = ZoneInfo("Asia/Shanghai")
# a counter application takes two trips: hand in, collect the result
BASELINE_VISITS = 2
CLOSING_ACTIONS = ("conclude", "reject")
MAX_PERIOD_DAYS = 3 * 366


def _utc(day: date) -> datetime:
    """China midnight at the start of `day`, as naive UTC."""
    return datetime.combine(day, time.min, tzinfo=CHINA).astimezone(UTC).replace(tzinfo=None)


def _rate(numerator: int, denominator: int) -> dict:
    return {
        "rate": round(numerator / denominator, 4) if denominator else None,
        "numerator": numerator,
        "denominator": denominator,
    }


def p90(values: list[int]) -> int | None:
    """The 90th percentile by the nearest-rank method."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def check_period(first: date, last: date) -> None:
    if last < first:
        raise ValidationFailed("结束日期不能早于开始日期", errors={"to": ["结束日期不能早于开始日期"]})
    if (last - first).days > MAX_PERIOD_DAYS:
        raise ValidationFailed("统计区间最长三年", errors={"from": ["统计区间最长三年"]})


def default_period(on: date | None = None) -> tuple[date, date]:
    """This year so far."""
    on = on or queue.today()
    return date(on.year, 1, 1), on


def figures(first: date, last: date, *, department: str | None = None, on: date | None = None) -> dict:
    """Every figure of the period, for the whole platform or one department."""
    check_period(first, last)
    on = on or queue.today()
    cal = queue.calendar()
    where = [
        Case.submitted_at.is_not(None),
        Case.submitted_at >= _utc(first),
        Case.submitted_at < _utc(last + timedelta(days=1)),
    ]
    if department is not None:
        where.append(Case.department_code == department)
    cases = db.session.execute(
        sa.select(Case.id, Case.service_code, Case.status, Case.submitted_at).where(*where)
    ).all()
    codes = {c.service_code for c in cases}
    items = (
        {
            row.implementation_code: row
            for row in db.session.execute(
                sa.select(
                    ServiceItem.implementation_code,
                    ServiceItem.fully_online,
                    ServiceItem.visits,
                    ServiceItem.promised_time_limit,
                ).where(ServiceItem.implementation_code.in_(codes))
            )
        }
        if codes
        else {}
    )
    case_ids = sa.select(Case.id).where(*where).scalar_subquery()
    instant = set(
        db.session.scalars(
            sa.select(CaseEvent.case_id).where(CaseEvent.case_id.in_(case_ids), CaseEvent.action == "instant_approve")
        )
    )
    closed: dict[int, datetime] = {}
    for case_id, at in db.session.execute(
        sa.select(CaseEvent.case_id, sa.func.min(CaseEvent.created_at))
        .where(CaseEvent.case_id.in_(case_ids), CaseEvent.action.in_(CLOSING_ACTIONS))
        .group_by(CaseEvent.case_id)
    ):
        closed[case_id] = at
    methods = dict(
        db.session.execute(
            sa.select(CaseMaterial.method, sa.func.count())
            .where(CaseMaterial.case_id.in_(case_ids), CaseMaterial.method.is_not(None))
            .group_by(CaseMaterial.method)
        ).all()
    )

    total = len(cases)
    full_online = sum(1 for c in cases if c.service_code in items and items[c.service_code].fully_online)
    visits_avoided = sum(
        max(0, BASELINE_VISITS - items[c.service_code].visits) for c in cases if c.service_code in items
    )
    days, promised, within, overdue = [], [], 0, 0
    for c in cases:
        item = items.get(c.service_code)
        if item is None:
            continue
        received = queue.received_on(c.submitted_at, cal)
        deadline = add_working_days(received, item.promised_time_limit, cal)
        if c.id in closed:
            end = queue.china_date(closed[c.id])
            spent = working_days_between(received, end, cal)
            days.append(spent)
            promised.append(item.promised_time_limit)
            within += spent <= item.promised_time_limit
            overdue += end > deadline
        elif c.status in queue.OPEN and on > deadline:
            overdue += 1
    licence, commitment, upload = methods.get("licence", 0), methods.get("commitment", 0), methods.get("upload", 0)

    ev_where = [Evaluation.created_at >= _utc(first), Evaluation.created_at < _utc(last + timedelta(days=1))]
    if department is not None:
        ev_where.append(Evaluation.department_code == department)
    ratings = db.session.execute(
        sa.select(Evaluation.score, Evaluation.followup_due, Evaluation.replied_at).where(*ev_where)
    ).all()
    good = sum(1 for r in ratings if r.score in GOOD)
    bad = [r for r in ratings if r.score in BAD]
    answered_in_time = sum(
        1 for r in bad if r.replied_at is not None and queue.china_date(r.replied_at) <= r.followup_due
    )

    item_where = [ServiceItem.active.is_(True)]
    if department is not None:
        item_where.append(
            ServiceItem.department_id == sa.select(Department.id).where(Department.code == department).scalar_subquery()
        )
    active_items, mobile_items = db.session.execute(
        sa.select(sa.func.count(), sa.func.count().filter(ServiceItem.mobile.is_(True))).where(*item_where)
    ).one()

    return {
        "period": {"from": first.isoformat(), "to": last.isoformat()},
        "department_code": department,
        "as_of": on.isoformat(),
        "cases_submitted": total,
        "full_online_rate": _rate(full_online, total),
        "mobile_rate": _rate(mobile_items, active_items),
        "instant_approval_rate": _rate(len(instant), total),
        "materials_without_upload_rate": _rate(licence + commitment, licence + commitment + upload),
        "materials": {"licence": licence, "commitment": commitment, "upload": upload},
        "visits_avoided": visits_avoided,
        "processing": {
            "closed_cases": len(days),
            "mean_days": round(sum(days) / len(days), 2) if days else None,
            "p90_days": p90(days),
            "mean_promised_days": round(sum(promised) / len(promised), 2) if promised else None,
            "within_promise_rate": _rate(within, len(days)),
        },
        "overdue_count": overdue,
        "ratings": len(ratings),
        "satisfaction_rate": _rate(good, len(ratings)),
        "bad_rating_followup_rate": _rate(answered_in_time, len(bad)),
    }


def month_starts(last_month: date, months: int) -> list[date]:
    """The first days of the `months` months ending with `last_month`'s month, oldest first."""
    out = []
    year, month = last_month.year, last_month.month
    for _ in range(months):
        out.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def monthly_trend(*, months: int = 12, department: str | None = None, on: date | None = None) -> list[dict]:
    """Per month (to today): cases submitted, full-online, instant-approval and satisfaction rates."""
    on = on or queue.today()
    out = []
    for start in month_starts(on, months):
        end = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        f = figures(start, min(end, on), department=department, on=on)
        out.append(
            {
                "month": start.strftime("%Y-%m"),
                "cases_submitted": f["cases_submitted"],
                "full_online_rate": f["full_online_rate"]["rate"],
                "instant_approval_rate": f["instant_approval_rate"]["rate"],
                "satisfaction_rate": f["satisfaction_rate"]["rate"],
            }
        )
    return out


def trend_svg(*, months: int = 12, department: str | None = None) -> str:
    from app.stats.svg import render_trend

    title = "掌上办月度趋势" + (f"（{department}）" if department else "")
    return render_trend(monthly_trend(months=months, department=department), title=title)


def summary(*, date_from: date | None = None, date_to: date | None = None, department: str | None = None) -> dict:
    """The figures of a period (default: this year so far)."""
    first, last = default_period()
    return figures(date_from or first, date_to or last, department=department)
