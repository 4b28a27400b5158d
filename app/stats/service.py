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
from app.stats import sql

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


def _case_where(first: date, last: date, department: str | None) -> list:
    where = [
        Case.submitted_at.is_not(None),
        Case.submitted_at >= _utc(first),
        Case.submitted_at < _utc(last + timedelta(days=1)),
    ]
    if department is not None:
        where.append(Case.department_code == department)
    return where


def _case_rows(where: list, on: date, lo: date, hi: date) -> list:
    """The case set C grouped by working days spent (None: not closed), with the sums each
    figure needs. The working-day arithmetic of app.workdays, as integers over the calendar
    table of app/stats/sql.py (o: working days up to and including a day; w: 1 on a working day):
      received R (ordinal of the received day)   = o(s) + 1 - w(s) for the China submission day s
      deadline: the (R + n)-th working day; a day d is after it  <=>  o(d) - w(d) >= R + n
      working_days_between(received, e)          = o(e) - R            when o(e) >= R (e >= received)
                                                 = o(e) - w(e) - R + 1 otherwise (minus the working
                                                   days in [e, received))"""
    dialect = db.session.get_bind().dialect.name
    table = sql.ordinals(queue.calendar(), lo, hi)
    cal = sql.day_ordinals(dialect, table)
    cs, ce = cal.alias("cs"), cal.alias("ce")
    on_o, on_w = table[on]
    closing = (
        sa.select(CaseEvent.case_id, sa.func.min(CaseEvent.created_at).label("at"))
        .where(CaseEvent.action.in_(CLOSING_ACTIONS), CaseEvent.case_id.in_(sa.select(Case.id).where(*where)))
        .group_by(CaseEvent.case_id)
        .subquery("cl")
    )
    instant = sa.exists().where(CaseEvent.case_id == Case.id, CaseEvent.action == "instant_approve")
    received = cs.c.o + 1 - cs.c.w
    n = ServiceItem.promised_time_limit
    closed = sa.and_(closing.c.at.is_not(None), n.is_not(None))
    spent = sa.case((ce.c.o >= received, ce.c.o - received), else_=ce.c.o - ce.c.w - received + 1)
    x = (
        sa.select(
            sa.case((closed, spent), else_=None).label("spent"),
            sa.case((ServiceItem.fully_online.is_(True), 1), else_=0).label("full"),
            sa.case((ServiceItem.visits < BASELINE_VISITS, BASELINE_VISITS - ServiceItem.visits), else_=0).label(
                "avoided"
            ),
            sa.case((instant, 1), else_=0).label("instant"),
            sa.case((closed, n), else_=0).label("promised"),
            sa.case((sa.and_(closed, spent <= n), 1), else_=0).label("within"),
            sa.case(
                (sa.and_(closed, ce.c.o - ce.c.w >= received + n), 1),
                (
                    sa.and_(
                        closing.c.at.is_(None),
                        n.is_not(None),
                        Case.status.in_(queue.OPEN),
                        on_o - on_w >= received + n,
                    ),
                    1,
                ),
                else_=0,
            ).label("overdue"),
            sa.case((sa.and_(closing.c.at.is_not(None), ce.c.o.is_(None)), 1), else_=0).label("outside"),
        )
        .select_from(Case)
        .outerjoin(ServiceItem, ServiceItem.implementation_code == Case.service_code)
        .join(cs, cs.c.day == sql.china_day(Case.submitted_at))
        .outerjoin(closing, closing.c.case_id == Case.id)
        .outerjoin(ce, ce.c.day == sql.china_day(closing.c.at))
        .where(*where)
        .subquery("x")
    )
    sums = [sa.func.coalesce(sa.func.sum(c), 0) for c in (x.c.full, x.c.avoided, x.c.instant, x.c.promised)]
    sums += [sa.func.coalesce(sa.func.sum(c), 0) for c in (x.c.within, x.c.overdue, x.c.outside)]
    return db.session.execute(sa.select(x.c.spent, sa.func.count(), *sums).group_by(x.c.spent)).all()


def _p90_of(histogram: list[tuple[int, int]]) -> int | None:
    """The nearest-rank 90th percentile of (value, count) pairs, as `p90` over the values."""
    total = sum(count for _, count in histogram)
    if not total:
        return None
    rank, seen = math.ceil(0.9 * total), 0
    for value, count in sorted(histogram):
        seen += count
        if seen >= rank:
            return value
    return None


def figures(first: date, last: date, *, department: str | None = None, on: date | None = None) -> dict:
    """Every figure of the period, for the whole platform or one department (aggregated in SQL)."""
    check_period(first, last)
    on = on or queue.today()
    sql.no_jit()
    where = _case_where(first, last, department)
    margin = timedelta(days=31)
    lo, hi = min(first, on) - margin, max(last, on, queue.today()) + margin
    rows = _case_rows(where, on, lo, hi)
    if any(r[-1] for r in rows):  # a closing dated outside the calendar range (clock skew): widen it
        rows = _case_rows(where, on, lo - timedelta(days=3660), hi + timedelta(days=3660))
    total = sum(r[1] for r in rows)
    full_online, visits_avoided, instant, promised, within, overdue = (
        sum(int(r[k]) for r in rows) for k in range(2, 8)
    )
    histogram = [(int(r[0]), r[1]) for r in rows if r[0] is not None]
    closed = sum(count for _, count in histogram)
    spent_days = sum(value * count for value, count in histogram)

    case_ids = sa.select(Case.id).where(*where).scalar_subquery()
    methods = dict(
        db.session.execute(
            sa.select(CaseMaterial.method, sa.func.count())
            .where(CaseMaterial.case_id.in_(case_ids), CaseMaterial.method.is_not(None))
            .group_by(CaseMaterial.method)
        ).all()
    )
    licence, commitment, upload = methods.get("licence", 0), methods.get("commitment", 0), methods.get("upload", 0)

    ev_where = [Evaluation.created_at >= _utc(first), Evaluation.created_at < _utc(last + timedelta(days=1))]
    if department is not None:
        ev_where.append(Evaluation.department_code == department)
    bad = Evaluation.score.in_(BAD)
    in_time = sa.and_(
        bad,
        Evaluation.replied_at.is_not(None),
        sql.china_day(Evaluation.replied_at) <= Evaluation.followup_due,
    )
    ratings, good, bad_count, answered_in_time = (
        int(v or 0)
        for v in db.session.execute(
            sa.select(
                sa.func.count(),
                sa.func.sum(sa.case((Evaluation.score.in_(GOOD), 1), else_=0)),
                sa.func.sum(sa.case((bad, 1), else_=0)),
                sa.func.sum(sa.case((in_time, 1), else_=0)),
            ).where(*ev_where)
        ).one()
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
        "instant_approval_rate": _rate(instant, total),
        "materials_without_upload_rate": _rate(licence + commitment, licence + commitment + upload),
        "materials": {"licence": licence, "commitment": commitment, "upload": upload},
        "visits_avoided": visits_avoided,
        "processing": {
            "closed_cases": closed,
            "mean_days": round(spent_days / closed, 2) if closed else None,
            "p90_days": _p90_of(histogram),
            "mean_promised_days": round(promised / closed, 2) if closed else None,
            "within_promise_rate": _rate(within, closed),
        },
        "overdue_count": overdue,
        "ratings": ratings,
        "satisfaction_rate": _rate(good, ratings),
        "bad_rating_followup_rate": _rate(answered_in_time, bad_count),
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
    """Per month (to today): cases submitted, full-online, instant-approval and satisfaction rates —
    the same figures as `figures` over each month, grouped by China month in two queries."""
    on = on or queue.today()
    sql.no_jit()
    starts = month_starts(on, months)
    where = _case_where(starts[0], on, department)
    instant = sa.exists().where(CaseEvent.case_id == Case.id, CaseEvent.action == "instant_approve")
    per_case = (
        sa.select(
            sql.china_month(Case.submitted_at).label("month"),
            sa.case((ServiceItem.fully_online.is_(True), 1), else_=0).label("full"),
            sa.case((instant, 1), else_=0).label("instant"),
        )
        .select_from(Case)
        .outerjoin(ServiceItem, ServiceItem.implementation_code == Case.service_code)
        .where(*where)
        .subquery("m")
    )
    cases = {
        month: (count, int(full), int(inst))
        for month, count, full, inst in db.session.execute(
            sa.select(
                per_case.c.month, sa.func.count(), sa.func.sum(per_case.c.full), sa.func.sum(per_case.c.instant)
            ).group_by(per_case.c.month)
        )
    }
    ev_where = [Evaluation.created_at >= _utc(starts[0]), Evaluation.created_at < _utc(on + timedelta(days=1))]
    if department is not None:
        ev_where.append(Evaluation.department_code == department)
    per_rating = (
        sa.select(
            sql.china_month(Evaluation.created_at).label("month"),
            sa.case((Evaluation.score.in_(GOOD), 1), else_=0).label("good"),
        )
        .where(*ev_where)
        .subquery("r")
    )
    ratings = {
        month: (count, int(good))
        for month, count, good in db.session.execute(
            sa.select(per_rating.c.month, sa.func.count(), sa.func.sum(per_rating.c.good)).group_by(per_rating.c.month)
        )
    }
    out = []
    for start in starts:
        key = start.strftime("%Y-%m")
        total, full, inst = cases.get(key, (0, 0, 0))
        rated, good = ratings.get(key, (0, 0))
        out.append(
            {
                "month": key,
                "cases_submitted": total,
                "full_online_rate": _rate(full, total)["rate"],
                "instant_approval_rate": _rate(inst, total)["rate"],
                "satisfaction_rate": _rate(good, rated)["rate"],
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
