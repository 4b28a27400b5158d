"""The demo history of `make seed` (bench/city/generate.py, the generator of `make bench-city`):
written once, read by the app like its own rows — the figures and the trend show numbers, a
staff member opens a generated case (its encrypted form decrypts), the queue masks the
applicant's name — and a second run writes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.staff.models import StaffRole
from bench.city.generate import generate
from payments.models import TABLES as PAYMENT_TABLES
from tests.engagement import read
from tests.staff_api.helpers import BASE, staff_token
from tests.stats.test_stats import CN
from tests.wipe import delete_rows


@pytest.fixture
def payments_clean(app):
    """Generated fee orders point at cases: gone before the cases are wiped."""
    delete_rows(app, PAYMENT_TABLES)
    yield
    delete_rows(app, PAYMENT_TABLES)


def test_demo_history_is_read_by_the_app(api, identity_app, payments_clean):
    written = read(identity_app, lambda: generate(years=1, cases=300, seed=7, if_empty=True))
    assert written["cases"] == 300 and written["case_events"] > 3 * 300
    assert written["evaluations"] > 50 and written["fee_orders"] > 0 and written["deliveries"] > 100
    assert read(identity_app, lambda: generate(years=1, cases=300, seed=7, if_empty=True)) == {}

    today = datetime.now(CN).date()
    body = api.get(f"/api/v1/stats/summary?from={today - timedelta(days=364)}&to={today}").get_json()
    assert 280 <= body["cases_submitted"] <= 300  # drafts have no submission date
    assert body["full_online_rate"]["rate"] is not None and body["satisfaction_rate"]["rate"] is not None
    assert body["processing"]["closed_cases"] > 200 and body["materials"]["upload"] > 0
    trend = api.get("/api/v1/stats/trend.svg?months=13")
    assert trend.status_code == 200 and "件" in trend.get_data(as_text=True)

    case_id, department = read(
        identity_app,
        lambda: db.session.execute(
            sa.text("SELECT id, department_code FROM cases WHERE case_number LIKE 'DEMO-%' ORDER BY id LIMIT 1")
        ).one(),
    )
    staff = staff_token(api, identity_app, department=department, role=StaffRole.WINDOW_CLERK)
    resp = api.get(f"{BASE}/cases/{case_id}", headers=staff)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["form_data"]["remark"].startswith("演示数据")
    queue = api.get(f"{BASE}/departments/{department}/cases", headers=staff).get_json()
    assert queue["total"] > 0 and queue["items"]
    assert all("*" in i["applicant_masked"] for i in queue["items"])  # decrypted, then masked
