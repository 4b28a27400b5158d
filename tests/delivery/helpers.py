"""Keyword-only helpers for delivery tests: addresses, cases with a delivery choice, staff moves,
reading the delivery, its timeline and its events."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.outbox import events_for
from delivery.models import Delivery
from tests.cases.helpers import APPS, HUJI, citizen, ready_draft, submit
from tests.identity.helpers import bearer
from tests.jobs import run_jobs  # noqa: F401 - the tests of this package import it from here
from tests.staff_api.helpers import act, staff_token

ADDRESSES = "/api/v1/addresses"
DEPARTMENT = "YQX-GA"  # 户籍证明开具 (HUJI): mail or pickup, free
ADDRESS = {
    "recipient": "林晓岚",
    "mobile": "13912345678",
    "province_code": "990000",
    "city_code": "539900",
    "county_code": "539921",
    "detail": "栖凤大道66号翠湖小区3栋2单元501室",
}


def add_address(api, token: str, **changes) -> dict:
    resp = api.post(ADDRESSES, json={**ADDRESS, **changes}, headers=bearer(token))
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def choose(api, token: str, case_id: int, method: str, address_id: int | None = None):
    body = {"method": method, **({"address_id": address_id} if address_id else {})}
    return api.put(f"{APPS}/{case_id}/delivery", json=body, headers=bearer(token))


def delivery_of(api, token: str, case_id: int) -> dict:
    resp = api.get(f"{APPS}/{case_id}/delivery", headers=bearer(token))
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def submitted(api, token: str, *, code: str = HUJI) -> dict:
    draft = ready_draft(api, token, code=code)
    resp = submit(api, token, draft["id"])
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def mail_case(api, *, token: str | None = None) -> tuple[str, dict, dict]:
    """(token, submitted case, address) with mail to a new address chosen."""
    token = token or citizen(api)
    address = add_address(api, token)
    case = submitted(api, token)
    resp = choose(api, token, case["id"], "mail", address["id"])
    assert resp.status_code == 200, resp.get_json()
    return token, case, address


def reviewer(api, app, *, department: str = DEPARTMENT) -> dict:
    return staff_token(api, app, department=department, role="reviewer")


def approve(api, headers: dict, case_id: int) -> dict:
    for action in ("accept", "approve"):
        resp = act(api, headers, case_id, action)
        assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def row(app, case_id: int) -> Delivery:
    with app.app_context():
        found = db.session.scalar(sa.select(Delivery).where(Delivery.case_id == case_id))
        db.session.expunge_all()
        db.session.remove()
    return found


def event_types(app, case_id: int) -> list[str]:
    with app.app_context():
        types = [e.event_type for e in events_for("case", case_id)]
        db.session.remove()
    return types


def timeline(api, token: str, case_id: int) -> list[tuple[str, str]]:
    body = api.get(f"{APPS}/{case_id}", headers=bearer(token)).get_json()
    return [(e["action"], e["to_status"]) for e in body["timeline"]]


def ordered_case(api, app) -> tuple[str, dict, str]:
    """(token, case, our order id): mail chosen, approved, the SF order placed."""
    token, case, _ = mail_case(api)
    approve(api, reviewer(api, app), case["id"])
    run_jobs(app)
    delivery = row(app, case["id"])
    assert delivery.status == "ordered", (delivery.status, delivery.last_error)
    return token, case, delivery.order_id


def route_count(app, case_id: int) -> int:
    from delivery.models import DeliveryRoute

    with app.app_context():
        delivery_id = db.session.scalar(sa.select(Delivery.id).where(Delivery.case_id == case_id))
        count = db.session.scalar(
            sa.select(sa.func.count()).select_from(DeliveryRoute).where(DeliveryRoute.delivery_id == delivery_id)
        )
        db.session.remove()
    return count


def payloads(app, case_id: int, event_type: str) -> list[dict]:
    with app.app_context():
        found = [dict(e.payload) for e in events_for("case", case_id) if e.event_type == event_type]
        db.session.remove()
    return found
