"""Electronic supervision (电子监察) of the work queue: the promised deadline counted in working
days over weekends, holidays and make-up working days, and the green / yellow / red colours.
Expected dates are derived here by stepping day by day over the test's own copy of the
calendar, not by the code under test."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from app.cases import queue
from app.cases.models import Case
from app.extensions import db
from app.workdays import WorkCalendar
from tests.cases.helpers import RELIEF, citizen, ready_draft, submit
from tests.staff_api.helpers import BASE, act, staff_token

# Autumn 2026 in the demo calendar: 中秋 25–27 Sep, 国庆 1–7 Oct, make-up working days 20 Sep, 10 Oct
HOLIDAYS = {date(2026, 9, 25), date(2026, 9, 26), date(2026, 9, 27)} | {date(2026, 10, d) for d in range(1, 8)}
MAKE_UP = {date(2026, 9, 20), date(2026, 10, 10)}


def _working(day: date) -> bool:
    return day in MAKE_UP or (day not in HOLIDAYS and day.weekday() < 5)


def _nth_working_day_after(day: date, n: int) -> date:
    while not _working(day):  # received on a non-working day: counts from the next working day
        day += timedelta(days=1)
    while n:
        day += timedelta(days=1)
        n -= _working(day)
    return day


def _relief_case(api) -> dict:
    token = citizen(api)
    draft = ready_draft(api, token, code=RELIEF)
    resp = submit(api, token, draft["id"])
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def _set_submitted(app, case_id: int, china_moment: datetime) -> None:
    with app.app_context():
        utc = china_moment - timedelta(hours=8)
        db.session.execute(sa.update(Case).where(Case.id == case_id).values(submitted_at=utc))
        db.session.commit()
        db.session.remove()


def test_deadline_and_colours_over_the_national_day_holiday(api, identity_app, monkeypatch):
    case = _relief_case(api)  # 临时救助: promised within 7 working days
    dept = case["department_code"]
    # Thursday 24 Sep, 23:30 in China (15:30 UTC): the China date counts
    _set_submitted(identity_app, case["id"], datetime(2026, 9, 24, 23, 30))
    deadline = _nth_working_day_after(date(2026, 9, 24), 7)
    assert deadline == date(2026, 10, 12)  # 28, 29, 30 Sep, 8, 9, Sat 10, Mon 12 Oct
    clerk = staff_token(api, identity_app, department=dept, role="window_clerk")

    def row_on(day: date) -> dict:
        monkeypatch.setattr(queue, "today", lambda: day)
        body = api.get(f"{BASE}/departments/{dept}/cases", headers=clerk).get_json()
        [row] = body["items"]
        return row

    expected = {
        date(2026, 9, 30): ("green", 4),  # 8, 9, 10, 12 Oct left
        date(2026, 10, 3): ("green", 4),  # inside the holiday
        date(2026, 10, 9): ("green", 2),  # Friday: Sat 10 (make-up) and Mon 12 left
        date(2026, 10, 10): ("yellow", 1),  # the make-up Saturday
        date(2026, 10, 11): ("yellow", 1),  # Sunday
        date(2026, 10, 12): ("yellow", 0),  # the deadline itself
        date(2026, 10, 13): ("red", -1),
    }
    for day, (_, left) in expected.items():  # the counts above, re-derived by stepping
        if day <= deadline:
            assert left == sum(_working(day + timedelta(days=i)) for i in range(1, (deadline - day).days + 1))
        else:
            assert left == -sum(_working(deadline + timedelta(days=i)) for i in range((day - deadline).days))
    for day, (colour, left) in expected.items():
        row = row_on(day)
        assert row["deadline"] == deadline.isoformat(), day
        assert (row["supervision"], row["working_days_left"]) == (colour, left), day
        assert row["promised_time_limit"] == 7

    # the overdue filter, and a closed case is no longer supervised
    monkeypatch.setattr(queue, "today", lambda: date(2026, 10, 13))
    overdue = api.get(f"{BASE}/departments/{dept}/cases?overdue=true", headers=clerk).get_json()
    assert [r["id"] for r in overdue["items"]] == [case["id"]] and overdue["total"] == 1
    assert api.get(f"{BASE}/departments/{dept}/cases?overdue=false", headers=clerk).get_json()["total"] == 0
    assert act(api, clerk, case["id"], "reject", "不符合救助条件").status_code == 200
    row = api.get(f"{BASE}/departments/{dept}/cases", headers=clerk).get_json()["items"][0]
    assert row["supervision"] is None and row["status"] == "rejected"
    assert api.get(f"{BASE}/departments/{dept}/cases?overdue=true", headers=clerk).get_json()["total"] == 0


def test_yellow_threshold_is_configurable(api, identity_app, monkeypatch):
    case = _relief_case(api)
    _set_submitted(identity_app, case["id"], datetime(2026, 9, 24, 10, 0))
    clerk = staff_token(api, identity_app, department=case["department_code"], role="window_clerk")
    monkeypatch.setattr(queue, "today", lambda: date(2026, 10, 9))  # 2 working days left
    url = f"{BASE}/departments/{case['department_code']}/cases"
    assert api.get(url, headers=clerk).get_json()["items"][0]["supervision"] == "green"
    monkeypatch.setitem(identity_app.config, "SUPERVISION_YELLOW_DAYS", 2)
    assert api.get(url, headers=clerk).get_json()["items"][0]["supervision"] == "yellow"


@pytest.mark.parametrize(
    ("submitted_china", "on", "colour"),
    [
        # 即办 (0 days) submitted on a working day: due that day
        (datetime(2026, 9, 30, 9, 0), date(2026, 9, 30), "yellow"),
        (datetime(2026, 9, 30, 9, 0), date(2026, 10, 8), "red"),
        # submitted on 1 Oct (holiday): counts as received Thu 8 Oct, due then
        (datetime(2026, 10, 1, 9, 0), date(2026, 10, 7), "yellow"),
        (datetime(2026, 10, 1, 9, 0), date(2026, 10, 8), "yellow"),
        (datetime(2026, 10, 1, 9, 0), date(2026, 10, 9), "red"),
    ],
)
def test_same_day_promise(identity_app, submitted_china, on, colour):
    cal = WorkCalendar("t", frozenset(HOLIDAYS), frozenset(MAKE_UP))
    case = SimpleNamespace(submitted_at=submitted_china - timedelta(hours=8), status="submitted")
    got = queue.supervision(case, 0, cal=cal, on=on, yellow=1)
    assert got["deadline"] == _nth_working_day_after(submitted_china.date(), 0).isoformat()
    assert got["supervision"] == colour
