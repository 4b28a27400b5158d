"""The work queue's `overdue` filter, decided in SQL (one cut-off date per promised limit,
app/cases/queue.py `red_clause`), gives exactly the cases `supervision` colours red — over many
cases of items with different limits (some bound by a shorter bundle promise) around the 2026 autumn holidays, for several "today"s."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.cases import queue
from app.cases.models import Case
from app.catalog.models import Department, ServiceItem
from app.extensions import db
from tests.cases.helpers import citizen
from tests.engagement import account_of, read

DEPT = "YQX-MZ"
STATUSES = ("submitted", "accepted", "correction_requested", "approved", "denied", "concluded", "rejected", "draft")


def _seed(app, account_id: int) -> None:
    rng = random.Random(19)

    def run():
        codes = db.session.scalars(
            sa.select(ServiceItem.implementation_code)
            .join(Department, Department.id == ServiceItem.department_id)
            .where(Department.code == DEPT)
        ).all()
        for k in range(400):
            submitted = datetime(2026, 8, 20) + timedelta(minutes=rng.randrange(0, 70 * 24 * 60))
            status = rng.choice(STATUSES)
            # a third are members of a 一件事 bundle whose promise may be the shorter one
            bundle_limit = rng.choice((None, None, 1, 3))
            db.session.add(
                Case(
                    account_id=account_id, service_code=rng.choice(codes), service_name="测试事项",
                    department_code=DEPT, department_name="测试部门", status=status, form_schema={},
                    form_data={}, case_number=None if status == "draft" else f"T-RED-{k:05d}",
                    submitted_at=None if status == "draft" else submitted - timedelta(hours=8),
                    bundle_time_limit=bundle_limit,
                )
            )  # fmt: skip
        db.session.commit()

    read(app, run)


@pytest.mark.parametrize("on", [date(2026, 9, 24), date(2026, 10, 1), date(2026, 10, 8), date(2026, 10, 12)])
def test_overdue_filter_is_the_red_colour(api, identity_app, on):
    _seed(identity_app, account_of(identity_app, citizen(api)))

    def run():
        cal = queue.calendar()
        cases = db.session.scalars(sa.select(Case).where(Case.department_code == DEPT)).all()
        limits = queue.promised_limits({c.service_code for c in cases})
        red = {
            c.id
            for c in cases
            if c.status != "draft"
            and queue.supervision(c, limits.get(c.service_code), cal=cal, on=on, yellow=1)["supervision"] == "red"
        }
        others = {c.id for c in cases if c.status != "draft"} - red
        got_red = queue.department_queue(DEPT, overdue=True, page_size=1000, on=on)
        got_others = queue.department_queue(DEPT, overdue=False, page_size=1000, on=on)
        return red, others, got_red, got_others

    red, others, got_red, got_others = read(identity_app, run)
    assert len(red) > 5 and len(others) > 5  # both sides of the cut are exercised
    assert {i["id"] for i in got_red["items"]} == red and got_red["total"] == len(red)
    assert {i["id"] for i in got_others["items"]} == others and got_others["total"] == len(others)
    assert {i["supervision"] for i in got_red["items"]} == {"red"}
    # paged in SQL: the second page of ten continues the first in submission order
    page2 = read(identity_app, lambda: queue.department_queue(DEPT, overdue=True, page=2, page_size=10, on=on))
    assert [i["id"] for i in page2["items"]] == [i["id"] for i in got_red["items"][10:20]]
