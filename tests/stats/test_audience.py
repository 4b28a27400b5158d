"""The figures split cases by audience (app/stats/audience.py): cases persons submitted for
themselves and cases applied for an enterprise, on the public summary and a department's."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from app.cases.models import Case
from app.extensions import db
from app.staff.models import StaffRole
from tests.cases.helpers import citizen
from tests.engagement import account_of, read
from tests.enterprises.helpers import create_enterprise
from tests.staff_api.helpers import BASE, staff_token
from tests.stats.rollups import settle

CN = ZoneInfo("Asia/Shanghai")


def cn(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CN).astimezone(UTC).replace(tzinfo=None)


# (department, submitted (China time) or None, for the enterprise)
ROWS = [
    ("YQX-GA", "2026-03-01 00:05", False),  # first minute of the period (China)
    ("YQX-GA", "2026-03-10 09:00", True),
    ("YQX-MZ", "2026-03-31 23:55", True),  # last minutes of the period
    ("YQX-MZ", "2026-03-12 09:00", False),
    ("YQX-GA", "2026-02-28 23:59", True),  # before the period
    ("YQX-GA", "2026-04-01 00:00", False),  # after it
    ("YQX-GA", None, True),  # a draft: never counted
]


def _seed(app, account_id: int, enterprise_id: int) -> None:
    def run():
        for n, (department, submitted, company) in enumerate(ROWS):
            db.session.add(
                Case(
                    account_id=account_id,
                    enterprise_id=enterprise_id if company else None,
                    service_code="X",
                    service_name="测试事项",
                    department_code=department,
                    department_name="测试部门",
                    status="submitted" if submitted else "draft",
                    form_schema={},
                    form_data={},
                    case_number=f"T-AUD-{n:04d}" if submitted else None,
                    submitted_at=cn(submitted) if submitted else None,
                )
            )
        db.session.commit()

    read(app, run)


@pytest.mark.parametrize("rolled", [False, True])
def test_cases_split_by_audience_public_and_per_department(api, identity_app, rolled):
    token = citizen(api)
    _seed(identity_app, account_of(identity_app, token), create_enterprise(identity_app)["id"])
    if rolled:
        settle(identity_app)
    body = api.get("/api/v1/stats/summary?from=2026-03-01&to=2026-03-31").get_json()
    assert body["cases_submitted"] == 4
    assert body["cases_by_audience"] == {"individual": 2, "legal_person": 2}
    for department, want in (
        ("YQX-GA", {"individual": 1, "legal_person": 1}),
        ("YQX-MZ", {"individual": 1, "legal_person": 1}),
    ):
        headers = staff_token(api, identity_app, department=department, role=StaffRole.WINDOW_CLERK)
        resp = api.get(f"{BASE}/departments/{department}/stats?from=2026-03-01&to=2026-03-31", headers=headers)
        assert resp.status_code == 200, resp.get_json()
        assert resp.get_json()["cases_by_audience"] == want
    # a period with nothing in it
    body = api.get("/api/v1/stats/summary?from=2025-01-01&to=2025-01-31").get_json()
    assert body["cases_by_audience"] == {"individual": 0, "legal_person": 0}
