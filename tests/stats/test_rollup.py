"""The figures from the rollup cells (app/stats/rollup.py) against the live computation over the
same rows (`use_rollup=False`), on generated history (bench/city/generate.py): right after a
refresh, while cases move and ratings are answered after it (their cells read live), after the
next refresh, and with the cells unusable (no state, the calendar changed)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.cases import queue, transitions
from app.cases.models import Case, utcnow
from app.evaluations.models import Evaluation
from app.extensions import db
from app.stats import rollup, service
from app.stats.models import StatsRollupState
from app.workdays import CalendarDay
from bench.city.generate import generate
from tests.engagement import read
from tests.stats.rollups import settle
from tests.stats.test_demo_history import payments_clean  # noqa: F401 - fixture reused


def _periods(today: date) -> list[tuple[date, date, str | None, date]]:
    month = date(today.year, today.month, 1)
    return [
        (today - timedelta(days=364), today, None, today),
        (today - timedelta(days=364), today, "YQX-GA", today),
        (today - timedelta(days=200), today - timedelta(days=20), None, today - timedelta(days=10)),
        ((month - timedelta(days=1)).replace(day=1), month - timedelta(days=1), "YQX-MZ", today),
        (date(today.year, 1, 1), today, None, today),
        (today - timedelta(days=3), today, "YQX-GA", today + timedelta(days=30)),  # open cases go red
    ]


def _assert_same(app) -> None:
    def run():
        today = queue.today()
        for first, last, department, on in _periods(today):
            got = service.figures(first, last, department=department, on=on, with_audience=True)
            want = service.figures(first, last, department=department, on=on, use_rollup=False, with_audience=True)
            assert got == want, (first, last, department, on)
        for department in (None, "YQX-GA"):
            got = service.monthly_trend(months=13, department=department)
            assert got == service.monthly_trend(months=13, department=department, use_rollup=False)

    read(app, run)


def _coverage(app):
    return read(app, lambda: rollup.coverage(queue.calendar(), []))


@pytest.fixture
def history(identity_app, payments_clean):  # noqa: F811 - the fixture imported above
    written = read(identity_app, lambda: generate(years=1, cases=400, seed=11))
    assert written["cases"] == 400
    settle(identity_app)


def test_rollup_equals_live_on_generated_history(identity_app, history):
    cov = _coverage(identity_app)
    assert cov is not None and not cov.dirty  # the cells answer
    _assert_same(identity_app)


def test_cases_that_move_after_a_refresh_are_read_live_until_the_next(identity_app, history):
    def move():
        open_cases = db.session.execute(
            sa.select(Case.id, Case.status).where(Case.status.in_(("submitted", "accepted"))).order_by(Case.id)
        ).all()
        assert len(open_cases) >= 3
        for case_id, status in open_cases[:6]:
            steps = ("accept", "approve", "conclude") if status == "submitted" else ("approve", "conclude")
            for action in steps[: 1 + case_id % len(steps)]:
                transitions.staff_move(case_id, action, actor="test")
        # a bad rating answered now, and a new rating
        bad = db.session.scalars(
            sa.select(Evaluation).where(Evaluation.score <= 2, Evaluation.replied_at.is_(None)).limit(1)
        ).first()
        if bad is not None:
            bad.replied_at = utcnow()
        rated = db.session.scalar(
            sa.select(Case).where(Case.status == "concluded", ~Case.id.in_(sa.select(Evaluation.case_id))).limit(1)
        )
        db.session.add(
            Evaluation(
                case_id=rated.id, account_id=rated.account_id, department_code=rated.department_code,
                service_code=rated.service_code, score=2, answers={}, followup_status="open",
                followup_due=queue.today() + timedelta(days=20),
            )
        )  # fmt: skip
        db.session.commit()

    read(identity_app, move)
    cov = _coverage(identity_app)
    assert cov is not None and cov.dirty  # their cells are read live
    _assert_same(identity_app)
    report = settle(identity_app)
    assert report["full"] is False and report["case_cells"] >= 1 and report["rating_cells"] >= 1
    assert not _coverage(identity_app).dirty
    _assert_same(identity_app)


def test_without_usable_cells_the_figures_are_live(identity_app, history):
    def drop_state():
        db.session.execute(sa.delete(StatsRollupState))
        db.session.commit()

    read(identity_app, drop_state)
    assert _coverage(identity_app) is None
    _assert_same(identity_app)
    assert settle(identity_app)["full"] is True  # no state: everything recomputed

    def add_holiday():
        cal = queue.calendar()
        day = queue.today() - timedelta(days=40)
        while not cal.is_working_day(day):
            day -= timedelta(days=1)
        db.session.add(CalendarDay(calendar=cal.name, day=day, kind="holiday", name="测试"))
        db.session.commit()

    read(identity_app, add_holiday)
    assert _coverage(identity_app) is None  # counted with another calendar: unusable
    _assert_same(identity_app)
    assert settle(identity_app)["full"] is True
    assert _coverage(identity_app) is not None
    _assert_same(identity_app)


@pytest.mark.parametrize(
    ("first", "last"),
    [
        (date(2024, 12, 7), date(2026, 12, 6)),
        (date(2025, 12, 8), date(2026, 12, 7)),
        (date(2026, 2, 10), date(2026, 2, 11)),
        (date(2026, 1, 1), date(2026, 12, 31)),
        (date(2025, 3, 31), date(2025, 5, 1)),
        (date(2024, 2, 29), date(2024, 2, 29)),
    ],
)
@pytest.mark.parametrize("levels", ["ymd", "td", "md"])
def test_signed_spans_count_every_day_of_the_period_once(first, last, levels):
    weight: dict[date, int] = {}
    for grain, a, b, sign in rollup.spans(first, last, levels=levels):
        assert grain in levels
        if grain == "d":
            end = b
        elif grain == "y":
            end = date(a.year, 12, 31)
        else:
            end = rollup._next_month(a) - timedelta(days=1)
        day = a
        while day <= end:
            weight[day] = weight.get(day, 0) + sign
            day += timedelta(days=1)
    counted = {day for day, w in weight.items() if w}
    assert all(weight[day] == 1 for day in counted)
    assert counted == {first + timedelta(days=k) for k in range((last - first).days + 1)}


def test_the_open_cases_index_names_the_open_statuses():
    from app.cases.models import OPEN_STATUSES

    assert OPEN_STATUSES == "status IN (" + ", ".join(f"'{s}'" for s in (
        "submitted", "accepted", "correction_requested", "approved", "denied")) + ")"  # fmt: skip
    assert {str(s) for s in queue.OPEN} == {"submitted", "accepted", "correction_requested", "approved", "denied"}
