"""The figures aggregated in SQL (app/stats/sql.py's working-day ordinals) against the per-case
computation with app.workdays — the definitions of the README applied case by case, as the
figures were computed before — over many cases around the 2026 holidays (Spring Festival,
National Day, make-up working Sundays); and the trend's months against each month's figures."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest

from app.cases import queue
from app.cases.models import Case, CaseEvent
from app.extensions import db
from app.stats.service import figures, month_starts, monthly_trend
from app.workdays import add_working_days, working_days_between
from tests.cases.helpers import citizen
from tests.engagement import account_of, read
from tests.stats.rollups import settle
from tests.stats.test_stats import DEPT, cn

CODES = sorted(DEPT)
OPEN = ("submitted", "accepted", "correction_requested", "approved", "denied")


def _seed(app, account_id: int, n: int = 240) -> list[dict]:
    rng = random.Random(20261206)
    specs = []
    for _ in range(n):
        submitted = datetime(2026, 1, 10) + timedelta(minutes=rng.randrange(0, 300 * 24 * 60))
        closing = None
        if rng.random() < 0.7:  # closed some days later (or, rarely, before it counts as received)
            closing = submitted + timedelta(hours=rng.choice((1, 5, 30, 60)) + 24 * rng.randrange(0, 30))
        status = rng.choice(("concluded", "rejected")) if closing else rng.choice((*OPEN, "withdrawn"))
        specs.append({"code": rng.choice(CODES), "submitted": submitted, "closing": closing, "status": status})

    def run():
        for k, s in enumerate(specs):
            case = Case(
                account_id=account_id, service_code=s["code"], service_name="测试事项", department_code=DEPT[s["code"]],
                department_name="测试部门", status=s["status"], form_schema={}, form_data={},
                case_number=f"T-SQL-{k:05d}", submitted_at=cn(s["submitted"].isoformat(" ")),
            )  # fmt: skip
            db.session.add(case)
            db.session.flush()
            if s["closing"]:
                action = "conclude" if s["status"] == "concluded" else "reject"
                for at in (s["closing"], s["closing"] + timedelta(days=3)):  # the first one counts
                    db.session.add(
                        CaseEvent(case_id=case.id, action=action, from_status="x", to_status="y", actor="t",
                                  created_at=cn(at.isoformat(" ")))
                    )  # fmt: skip
        db.session.commit()

    read(app, run)
    return specs


def _reference(app, specs, first: date, last: date, on: date, department: str | None) -> dict:
    def run():
        cal = queue.calendar()
        limits = queue.promised_limits(set(CODES))
        days, promised, within, overdue = [], [], 0, 0
        for s in specs:
            day = s["submitted"].date()
            if not first <= day <= last or (department and DEPT[s["code"]] != department):
                continue
            received = day if cal.is_working_day(day) else add_working_days(day, 1, cal)
            limit = limits[s["code"]]
            deadline = add_working_days(received, limit, cal)
            if s["closing"]:
                end = s["closing"].date()
                spent = working_days_between(received, end, cal)
                days.append(spent)
                promised.append(limit)
                within += spent <= limit
                overdue += end > deadline
            elif s["status"] in OPEN and on > deadline:
                overdue += 1
        ordered = sorted(days)
        return {
            "closed_cases": len(days),
            "mean_days": round(sum(days) / len(days), 2) if days else None,
            "p90_days": ordered[-(-9 * len(ordered) // 10) - 1] if ordered else None,
            "mean_promised_days": round(sum(promised) / len(promised), 2) if promised else None,
            "within": within,
            "overdue": overdue,
        }

    return read(app, run)


@pytest.mark.parametrize(
    ("first", "last", "on", "department"),
    [
        (date(2026, 1, 1), date(2026, 12, 31), date(2026, 11, 30), None),
        (date(2026, 2, 10), date(2026, 3, 5), date(2026, 3, 1), "YQX-GA"),
        (date(2026, 9, 20), date(2026, 10, 12), date(2026, 10, 9), "YQX-MZ"),
        (date(2026, 4, 1), date(2026, 6, 30), date(2026, 5, 1), None),
    ],
)
@pytest.mark.parametrize("rolled", [False, True])
def test_processing_and_overdue_equal_the_per_case_computation(api, identity_app, first, last, on, department, rolled):
    specs = _seed(identity_app, account_of(identity_app, citizen(api)))
    if rolled:
        settle(identity_app)
    want = _reference(identity_app, specs, first, last, on, department)
    got = read(identity_app, lambda: figures(first, last, department=department, on=on))
    processing = got["processing"]
    assert want["closed_cases"] > 4  # the dataset reaches into the period
    assert {k: processing[k] for k in ("closed_cases", "mean_days", "p90_days", "mean_promised_days")} == {
        k: want[k] for k in ("closed_cases", "mean_days", "p90_days", "mean_promised_days")
    }
    assert processing["within_promise_rate"]["numerator"] == want["within"]
    assert got["overdue_count"] == want["overdue"]


@pytest.mark.parametrize("rolled", [False, True])
@pytest.mark.parametrize("department", [None, "YQX-GA"])
def test_trend_months_are_the_figures_of_each_month(api, identity_app, department, rolled):
    _seed(identity_app, account_of(identity_app, citizen(api)), n=120)
    if rolled:
        settle(identity_app)
    on = date(2026, 10, 20)
    trend = read(identity_app, lambda: monthly_trend(months=14, department=department, on=on))
    assert [row["month"] for row in trend] == [m.strftime("%Y-%m") for m in month_starts(on, 14)]
    assert sum(row["cases_submitted"] for row in trend) > 50
    for row, start in zip(trend, month_starts(on, 14), strict=True):
        end = min((start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1), on)
        f = read(identity_app, lambda s=start, e=end: figures(s, e, department=department, on=on))
        assert row == {
            "month": start.strftime("%Y-%m"),
            "cases_submitted": f["cases_submitted"],
            "full_online_rate": f["full_online_rate"]["rate"],
            "instant_approval_rate": f["instant_approval_rate"]["rate"],
            "satisfaction_rate": f["satisfaction_rate"]["rate"],
        }


@pytest.mark.parametrize("rolled", [False, True])
def test_open_cases_are_overdue_from_the_day_after_their_deadline(api, identity_app, rolled):
    """One open case submitted every day; "today" on a deadline (not overdue yet), the day after
    it, and a holiday."""
    account_id = account_of(identity_app, citizen(api))
    days = [date(2026, 8, 20) + timedelta(days=k) for k in range(50)]

    def run():
        for k, day in enumerate(days):
            code = CODES[k % len(CODES)]
            db.session.add(
                Case(
                    account_id=account_id, service_code=code, service_name="测试事项", department_code=DEPT[code],
                    department_name="测试部门", status="accepted", form_schema={}, form_data={},
                    case_number=f"T-OPEN-{k:05d}", submitted_at=cn(f"{day} 10:00"),
                )
            )  # fmt: skip
        db.session.commit()
        cal = queue.calendar()
        limits = queue.promised_limits(set(CODES))
        deadlines = [
            add_working_days(queue.received_on(cn(f"{d} 10:00"), cal), limits[CODES[k % len(CODES)]], cal)
            for k, d in enumerate(days)
        ]
        return deadlines

    deadlines = read(identity_app, run)
    if rolled:  # the open cases are in the day cells, their overdue decided when read
        settle(identity_app)
    for on in [*sorted(set(deadlines))[::6], date(2026, 10, 3)]:
        got = read(identity_app, lambda on=on: figures(days[0], days[-1], on=on))
        assert got["overdue_count"] == sum(1 for d in deadlines if on > d), on
