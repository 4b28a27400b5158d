"""Shared by the tests of the citizen-engagement packages (tests/appointments, tests/complaints,
tests/evaluations, tests/stats; the journeys and privacy suites wipe with `wipe_engagement`):
the clean-slate fixture (engagement, case, staff, licence and identity rows around every test,
the 2026 demo calendar under a test name as the working calendar) and keyword-only helpers
(concluded cases, independent working-day counts, a test hall and its slots)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.appointments.models import TABLES as APPOINTMENT_TABLES
from app.cases.transitions import staff_move
from app.complaints.models import TABLES as COMPLAINT_TABLES
from app.evaluations.models import TABLES as EVALUATION_TABLES
from app.extensions import db
from app.outbox import OutboxEvent
from app.staff.models import StaffAction
from app.workdays import DEMO_CN_2026, import_calendar
from tests.staff_api.conftest import TEST_CALENDAR
from tests.staff_api.conftest import _wipe as _wipe_staff_cases_identity
from tests.staff_api.helpers import submitted_case

ENGAGEMENT_TABLES = (*EVALUATION_TABLES, *COMPLAINT_TABLES, *APPOINTMENT_TABLES)


def wipe_engagement(app) -> None:
    with app.app_context():
        db.session.rollback()
        for table in ENGAGEMENT_TABLES:
            db.session.execute(sa.text(f"DELETE FROM {table}"))
        db.session.commit()
        db.session.remove()


@pytest.fixture(autouse=True)
def _clean(app, sandbox_app, tmp_path, monkeypatch):
    """Imported by each engagement package's conftest.py."""
    sandbox_app.config["STORAGE_DIR"] = str(tmp_path / "files")
    wipe_engagement(app)
    _wipe_staff_cases_identity(app)
    with sandbox_app.app_context():
        import_calendar({**DEMO_CN_2026, "calendar": TEST_CALENDAR})
        db.session.remove()
    monkeypatch.setitem(sandbox_app.config, "WORK_CALENDAR", TEST_CALENDAR)
    yield
    wipe_engagement(app)
    _wipe_staff_cases_identity(app)


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


def raw(app, sql: str) -> list:
    return read(app, lambda: list(db.session.execute(sa.text(sql)).all()))


def audited(app, action: str) -> list[str]:
    return read(
        app, lambda: db.session.scalars(sa.select(StaffAction.target).where(StaffAction.action == action)).all()
    )


def payloads(app, kind: str) -> list[dict]:
    """The payloads of the committed outbox events of type `kind`."""
    return read(
        app,
        lambda: [e.payload for e in db.session.scalars(sa.select(OutboxEvent).where(OutboxEvent.event_type == kind))],
    )


# ---------------------------------------------------------------- appointments

ID_FIRST = "1153992101967557720000107010001"  # 居民身份证首次申领, YQX-GA
MARRIAGE = "1153992102507040050000207010001"  # 内地居民结婚登记, YQX-MZ
TEST_HALL = {
    "code": "T-HALL",
    "name": "测试政务服务大厅",
    "address": "测试路1号",
    "department_code": "YQX-ZWFW",
    "windows": [
        {"number": "A01", "name": "公安窗口", "department_code": "YQX-GA", "items": [ID_FIRST]},
        {"number": "B01", "name": "民政窗口", "department_code": "YQX-MZ", "items": [MARRIAGE]},
    ],
}


def china_now():
    from app.appointments.service import china_now as now

    return now()


def make_slot(app, *, at, capacity: int = 3, window: str = "A01", minutes: int = 30, booked: int = 0) -> int:
    """A slot of the test hall's `window` starting at `at` (an aware China datetime)."""
    from datetime import time, timedelta

    from app.appointments.models import Slot
    from app.appointments.seed import ensure_halls

    with app.app_context():
        windows = {w.number: w for w in ensure_halls([TEST_HALL])}
        end = at + timedelta(minutes=minutes)
        ends = end.time() if end.date() == at.date() else time(23, 59, 59)
        slot = Slot(
            window_id=windows[window].id,
            day=at.date(),
            starts=at.time().replace(microsecond=0),
            ends=ends.replace(microsecond=0),
            capacity=capacity,
            booked=booked,
        )
        db.session.add(slot)
        db.session.commit()
        out = slot.id
        db.session.remove()
    return out


def account_of(app, token: str) -> int:
    import jwt

    return int(jwt.decode(token, options={"verify_signature": False})["sub"])
