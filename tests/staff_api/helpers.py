"""Keyword-only helpers for staff API tests: staff accounts and tokens, submitted cases."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from app.catalog.models import Department
from app.extensions import db
from app.staff import service as staff
from tests.cases.helpers import citizen, ready_draft, submit
from tests.identity.helpers import bearer
from tests.staff.helpers import BASE, PASSWORD


def staff_token(api, app, *, department: str, role: str) -> dict:
    """Authorization headers of a new staff member of `department` with `role`."""
    username = f"{role[:6]}-{uuid.uuid4().hex[:8]}".replace("_", "-")
    with app.app_context():
        staff.create_staff(username=username, password=PASSWORD, department_code=department, role=role)
        db.session.remove()
    resp = api.post(f"{BASE}/auth/login", json={"username": username, "password": PASSWORD})
    assert resp.status_code == 200, resp.get_json()
    return bearer(resp.get_json()["access_token"])


def other_department(app, code: str) -> str:
    with app.app_context():
        other = db.session.scalar(sa.select(Department.code).where(Department.code != code).order_by(Department.code))
        db.session.remove()
    return other


def submitted_case(api, *, token: str | None = None) -> tuple[str, dict]:
    """(citizen token, submitted case body) of the seeded 户籍证明开具 item."""
    token = token or citizen(api)
    draft = ready_draft(api, token)
    resp = submit(api, token, draft["id"])
    assert resp.status_code == 200, resp.get_json()
    return token, resp.get_json()


def act(api, headers: dict, case_id: int, action: str, note: str | None = None):
    body = {} if note is None else {"note": note}
    return api.post(f"{BASE}/cases/{case_id}/{action}", json=body, headers=headers)
