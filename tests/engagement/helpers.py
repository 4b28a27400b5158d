"""Keyword-only helpers for engagement tests: concluded cases, independent working-day counts."""

from __future__ import annotations

from datetime import date, timedelta

from app.cases.transitions import staff_move
from app.extensions import db
from app.workdays import DEMO_CN_2026
from tests.staff_api.helpers import submitted_case

HOLIDAYS = {date.fromisoformat(d["date"]) for d in DEMO_CN_2026["days"] if d["kind"] == "holiday"}
MAKEUP = {date.fromisoformat(d["date"]) for d in DEMO_CN_2026["days"] if d["kind"] == "workday"}


def working(day: date) -> bool:
    """Independent of app.workdays: the demo 2026 calendar read straight from its rows."""
    return day in MAKEUP or (day not in HOLIDAYS and day.weekday() < 5)


def nth_working_day_after(start: date, n: int) -> date:
    day = start
    while n:
        day += timedelta(days=1)
        n -= working(day)
    return day


def move(app, case_id: int, *actions: str) -> None:
    with app.app_context():
        for action in actions:
            note = "不符合受理条件" if action in ("reject", "deny") else None
            staff_move(case_id, action, actor="staff:test", note=note)
        db.session.remove()


def concluded_case(api, app, *, token: str | None = None) -> tuple[str, dict]:
    """(citizen token, case body) of a 户籍证明开具 case accepted, approved and concluded."""
    token, case = submitted_case(api, token=token)
    move(app, case["id"], "accept", "approve", "conclude")
    return token, case


def read(app, fn):
    """fn() in a fresh app context (its own session): what is committed, never a stale identity
    map — the test client reuses a pushed app context and its session."""
    with app.app_context():
        try:
            return fn()
        finally:
            db.session.remove()
