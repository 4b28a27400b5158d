"""The governance figures, computed from the platform's own rows (definitions: README, section
"Engagement and figures"). Every rate is given with its numerator and denominator.

Period: China dates `first`..`last` inclusive. The case set C of a period is every case whose
China submission date falls in it (drafts have none), of one department when asked. "Today"
(for cases still open) is the China date of the computation.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app.cases import queue
from app.cases.models import Case
from app.catalog.models import Department, ServiceItem
from app.errors import ValidationFailed
from app.evaluations.models import Evaluation
from app.extensions import db
from app.stats import cells, rollup, sql

CHINA = ZoneInfo("Asia/Shanghai")
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


def _sums(first: date, last: date, department: str | None, on: date, *, by_month: bool, use_rollup: bool):
    """(case rows of cells.case_figures, rating rows of cells.rating_figures) of the period: the
    rollup cells where they are complete (app/stats/rollup.py), the live rows for the rest."""
    dialect = db.session.get_bind().dialect.name
    cal_obj = queue.calendar()
    cov = rollup.coverage(cal_obj, _case_where(first, last, department)) if use_rollup else None
    margin = timedelta(days=31)
    lo, hi = min(first, on) - margin, max(last, on, queue.today()) + margin
    key = (first, last, department, cov, by_month)
    case_rows = db.session.execute(_case_statement(dialect, cal_obj, *key, on, lo, hi)).all()
    if any(r.outside for r in case_rows):  # a closing dated outside the calendar range (clock skew): widen it
        wide = (lo - timedelta(days=3660), hi + timedelta(days=3660))
        case_rows = db.session.execute(_case_statement(dialect, cal_obj, *key, on, *wide)).all()
    return case_rows, db.session.execute(_rating_statement(*key)).all()


# The statements are pure functions of their arguments (the rows are read when executed), so a
# request with the same period, department, coverage and day reuses the same object: SQLAlchemy
# computes a statement's cache key once per object (~10 ms for these) and then hits its
# compiled cache. A refresh (new coverage) or a new day makes new keys.
@lru_cache(maxsize=256)
def _case_statement(dialect, cal_obj, first, last, department, cov, by_month, on, lo, hi) -> sa.Select:
    where = _case_where(first, last, department)
    live = [*where, rollup.live_cases(cov)] if cov else where
    table = sql.ordinals(cal_obj, lo, hi)
    on_o, on_w = table[on]
    cal = sql.day_ordinals(dialect, table)
    parts = [cells.columns_of(cells.case_facts(live, cal), cells.CASE_COLUMNS)]
    if cov:
        parts.extend(rollup.case_cells(first, last, department, cov, by_month=by_month, cal=None if by_month else cal))
    rows = (sa.union_all(*parts) if len(parts) > 1 else parts[0]).subquery("r")
    return cells.case_figures(rows, on_o=on_o, on_w=on_w, by_month=by_month)


@lru_cache(maxsize=256)
def _rating_statement(first, last, department, cov, by_month) -> sa.Select:
    ev_where = [Evaluation.created_at >= _utc(first), Evaluation.created_at < _utc(last + timedelta(days=1))]
    if department is not None:
        ev_where.append(Evaluation.department_code == department)
    live_ratings = [*ev_where, rollup.unsettled(cov.settled_before)] if cov else ev_where
    parts = [cells.columns_of(cells.rating_facts(live_ratings), cells.RATING_COLUMNS)]
    if cov:
        parts.extend(rollup.rating_cells(first, last, department, by_month=by_month))
    rows = (sa.union_all(*parts) if len(parts) > 1 else parts[0]).subquery("q")
    return cells.rating_figures(rows, by_month=by_month)


@lru_cache(maxsize=64)
def _items_statement(department: str | None) -> sa.Select:
    """Active and mobile service items (of the department)."""
    item_where = [ServiceItem.active.is_(True)]
    if department is not None:
        item_where.append(
            ServiceItem.department_id == sa.select(Department.id).where(Department.code == department).scalar_subquery()
        )
    return sa.select(sa.func.count(), sa.func.count().filter(ServiceItem.mobile.is_(True))).where(*item_where)


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


def figures(
    first: date,
    last: date,
    *,
    department: str | None = None,
    on: date | None = None,
    use_rollup: bool = True,
    with_audience: bool = False,
) -> dict:
    """Every figure of the period, for the whole platform or one department: from the rollup
    cells and the live rows (`use_rollup` False: live rows only — the same numbers)."""
    check_period(first, last)
    on = on or queue.today()
    sql.no_jit(serial=True)
    rows, rating_rows = _sums(first, last, department, on, by_month=False, use_rollup=use_rollup)
    total = sum(int(r.cases) for r in rows)
    full_online, visits_avoided, instant, promised, within, overdue, legal, licence, commitment, upload = (
        sum(int(getattr(r, k)) for r in rows)
        for k in ("full", "avoided", "instant", "promised", "within", "overdue", "legal", *cells.METHODS)
    )
    histogram = [(int(r.spent), int(r.cases)) for r in rows if r.spent is not None]
    closed = sum(count for _, count in histogram)
    spent_days = sum(value * count for value, count in histogram)
    ratings, good, bad_count, answered_in_time = (int(v) for v in rating_rows[0])

    active_items, mobile_items = db.session.execute(_items_statement(department)).one()

    out = {
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
    if with_audience:
        out["cases_by_audience"] = {"individual": total - legal, "legal_person": legal}
    return out


def month_starts(last_month: date, months: int) -> list[date]:
    """The first days of the `months` months ending with `last_month`'s month, oldest first."""
    out = []
    year, month = last_month.year, last_month.month
    for _ in range(months):
        out.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def monthly_trend(
    *, months: int = 12, department: str | None = None, on: date | None = None, use_rollup: bool = True
) -> list[dict]:
    """Per month (to today): cases submitted, full-online, instant-approval and satisfaction rates —
    the same figures as `figures` over each month, grouped by China month."""
    on = on or queue.today()
    sql.no_jit(serial=True)
    starts = month_starts(on, months)
    rows, rating_rows = _sums(starts[0], on, department, on, by_month=True, use_rollup=use_rollup)
    cases: dict[str, list[int]] = {}
    for r in rows:
        acc = cases.setdefault(str(r.month)[:7], [0, 0, 0])
        acc[0] += int(r.cases)
        acc[1] += int(r.full)
        acc[2] += int(r.instant)
    ratings = {str(month)[:7]: (int(count), int(good)) for month, count, good, _, _ in rating_rows}
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
