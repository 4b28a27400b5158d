"""README "一件事: the newborn bundle", end to end over HTTP: the guide, the questions → the
members that apply, one form, one checklist met once, one submit creating every member case in
its department, each department deciding in its own queue through the staff API, the results
mailed together in one parcel, the bundle concluded; and the same for opening a company."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from delivery.models import Delivery, DeliveryParcel
from notifications.models import Message
from tests.bundles.helpers import BUNDLES, decide, officer, ready, staff_act, submit, view
from tests.cases.helpers import citizen_face
from tests.catalog.bundleview import (
    BIRTH_REGISTRATION,
    COMPANY,
    MATERNITY,
    NEWBORN,
    company_answers,
    newborn_answers,
)
from tests.delivery.helpers import add_address, delivery_of
from tests.identity.helpers import bearer
from tests.jobs import run_jobs


def _journey(api, app, sandbox, token, code, answers, *, expect_members, absent=()):
    guide = api.get(f"/api/v1/bundles/{code}", headers=bearer(token))
    assert guide.status_code == 200, guide.get_json()
    body = ready(api, token, code, answers)
    codes = [m["service_code"] for m in body["members"]]
    assert len(codes) == expect_members and not set(absent) & set(codes)
    # one checklist: every material asked once although several members need it
    assert len(body["materials"]) < sum(len(m["member_codes"]) for m in body["materials"])
    resp = submit(api, token, body["id"])
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["status"] == "in_progress"
    assert {m["status"] for m in body["members"]} == {"submitted"}
    assert len({m["department_code"] for m in body["members"]}) >= 3
    address = add_address(api, token)
    resp = api.put(
        f"{BUNDLES}/{body['id']}/delivery",
        json={"address_id": address["id"], "mode": "together"},
        headers=bearer(token),
    )
    assert resp.status_code == 200, resp.get_json()
    parcel_id = resp.get_json()["parcel_id"]
    assert parcel_id
    before = len(sandbox.sf_orders())
    for member in body["members"]:
        decide(api, app, member)  # each department in its own queue
    run_jobs(app)
    with app.app_context():
        order_id = db.session.get(DeliveryParcel, parcel_id).order_id
        in_parcel = db.session.scalars(sa.select(Delivery.case_id).where(Delivery.parcel_id == parcel_id)).all()
        db.session.remove()
    mailed = [m for m in body["members"] if m["case_id"] in in_parcel]
    assert len(mailed) >= 2  # every member whose result can be mailed, in one parcel
    assert len(sandbox.sf_orders()) == before + 1  # one courier order for them all
    sandbox.sf_push(order_id, all=True)
    for member in mailed:
        assert delivery_of(api, token, member["case_id"])["status"] == "delivered"
    for member in body["members"]:
        if member not in mailed:  # collected at the hall / electronic: the officer closes the file
            resp = staff_act(api, officer(api, app, member["department_code"]), member["case_id"], "conclude")
            assert resp.status_code == 200, resp.get_json()
    run_jobs(app)
    out = view(api, token, body["id"])
    assert out["status"] == "concluded"
    assert {m["status"] for m in out["members"]} == {"concluded"}
    steps = [e["action"] for e in out["timeline"] if e["kind"] == "bundle"]
    assert steps == ["submitted", "results_ready", "concluded"]
    with app.app_context():
        sent = db.session.scalars(
            sa.select(Message.event_type)
            .where(Message.channel == "inbox", Message.event_type.like("bundle.%"))
            .order_by(Message.id)
        ).all()
        held = db.session.scalars(
            sa.select(Message.event_type).where(Message.channel == "inbox", Message.event_type.like("case.%"))
        ).all()
        db.session.remove()
    assert sent == ["bundle.submitted", "bundle.results_ready", "bundle.concluded"]
    assert held == []  # no flood of per-member case messages
    return out


def test_the_newborn_bundle_end_to_end(api, identity_app, sandbox):
    token = citizen_face(api, sandbox)
    _journey(
        api,
        identity_app,
        sandbox,
        token,
        NEWBORN,
        newborn_answers(),
        expect_members=5,
        absent=(BIRTH_REGISTRATION, MATERNITY),
    )


def test_the_company_bundle_end_to_end(api, identity_app, sandbox):
    token = citizen_face(api, sandbox, name="陈云栖")
    _journey(api, identity_app, sandbox, token, COMPANY, company_answers(), expect_members=5)
