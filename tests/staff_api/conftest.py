"""Staff API test fixtures: clean case, staff, licence and identity rows around every test, and
a test holiday calendar (the 2026 demo arrangement under its own name) for supervision."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.staff.models import TABLES as STAFF_TABLES
from app.workdays import DEMO_CN_2026, CalendarDay, import_calendar
from tests.cases.conftest import wipe_cases
from tests.identity.conftest import actx, api, identity_app  # noqa: F401 - fixtures reused
from tests.licences.conftest import _wipe as _wipe_licences_and_identity

TEST_CALENDAR = "ZSB-STAFFAPI-TEST"


def _wipe(app) -> None:
    wipe_cases(app)
    with app.app_context():
        for table in STAFF_TABLES:
            db.session.execute(sa.text(f"DELETE FROM {table}"))
        db.session.execute(sa.delete(CalendarDay).where(CalendarDay.calendar == TEST_CALENDAR))
        db.session.commit()
        db.session.remove()
    _wipe_licences_and_identity(app)


@pytest.fixture(autouse=True)
def _clean(app, sandbox_app, tmp_path, monkeypatch):
    sandbox_app.config["STORAGE_DIR"] = str(tmp_path / "files")
    _wipe(app)
    with sandbox_app.app_context():
        import_calendar({**DEMO_CN_2026, "calendar": TEST_CALENDAR})
        db.session.remove()
    monkeypatch.setitem(sandbox_app.config, "WORK_CALENDAR", TEST_CALENDAR)
    yield
    _wipe(app)
