"""Engagement test fixtures: clean engagement, case, staff, licence and identity rows around every
test, the 2026 demo calendar under a test name as the working calendar."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.appointments.models import TABLES as APPOINTMENT_TABLES
from app.complaints.models import TABLES as COMPLAINT_TABLES
from app.evaluations.models import TABLES as EVALUATION_TABLES
from app.extensions import db
from app.workdays import DEMO_CN_2026, import_calendar
from tests.identity.conftest import actx, api, identity_app  # noqa: F401 - fixtures reused
from tests.staff_api.conftest import TEST_CALENDAR
from tests.staff_api.conftest import _wipe as _wipe_staff_cases_identity

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
