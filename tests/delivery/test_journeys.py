"""Mail and pickup journeys end to end: approve → result issued → courier order at the SF
simulator → route pushes over real HTTP → delivered → case concluded; pickup code at the hall."""

from __future__ import annotations

from tests.cases.helpers import APPS, citizen
from tests.delivery.helpers import (
    approve,
    choose,
    delivery_of,
    event_types,
    mail_case,
    reviewer,
    row,
    run_jobs,
    submitted,
    timeline,
)
from tests.identity.helpers import bearer
from tests.staff_api.helpers import BASE

DELIVERY_EVENTS = [
    "delivery.shipped",
    "delivery.in_transit",
    "delivery.out_for_delivery",
    "delivery.delivered",
]


def test_mail_journey_from_approval_to_concluded(api, identity_app, sandbox):
    token, case, address = mail_case(api)
    view = delivery_of(api, token, case["id"])
    assert view["method"] == "mail" and view["changeable"] is True and view["status"] == "chosen"
    assert view["address"]["recipient"] == "**岚" and view["address"]["mobile"] == "139****5678"
    assert view["address"]["region"] == "示范省青岚市云栖县" and "66号" not in view["address"]["detail"]

    approve(api, reviewer(api, identity_app), case["id"])
    assert run_jobs(identity_app) >= 2  # the result_issued subscriber, then the order job
    view = delivery_of(api, token, case["id"])
    assert view["status"] == "ordered" and view["changeable"] is False
    assert view["courier"] == {"code": "sf", "name": "顺丰速运"}
    assert view["waybill_no"].startswith("SF") and len(view["waybill_no"]) == 15
    order_id = row(identity_app, case["id"]).order_id
    assert [o["waybill_no"] for o in sandbox.sf_orders() if o["order_id"] == order_id] == [view["waybill_no"]]

    # a changed address book no longer changes the parcel under way
    api.patch(f"/api/v1/addresses/{address['id']}", json={"detail": "别处路1号"}, headers=bearer(token))
    assert choose(api, token, case["id"], "pickup").get_json()["error"] == "DELIVERY_LOCKED"

    pushed = sandbox.sf_push(order_id)  # 50: picked up
    assert [a["body"] for a in pushed["answers"]] == [{"return_code": "0000", "return_msg": "成功"}]
    assert delivery_of(api, token, case["id"])["status"] == "picked_up"
    pushed = sandbox.sf_push(order_id, all=True)  # the rest, up to 80: signed for
    assert all(a["body"]["return_code"] == "0000" for a in pushed["answers"])

    view = delivery_of(api, token, case["id"])
    assert view["status"] == "delivered" and view["status_text"] == "已签收"
    assert [r["op_code"] for r in view["routes"]] == ["80", "44", "31", "30", "31", "30", "50"]
    assert view["address"]["detail"].startswith("栖凤大道")  # the copy made at issue time
    steps = timeline(api, token, case["id"])
    assert steps[-7:] == [
        ("delivery_mail", "approved"),
        ("courier_ordered", "approved"),
        ("parcel_picked_up", "approved"),
        ("parcel_in_transit", "approved"),
        ("parcel_out_for_delivery", "approved"),
        ("parcel_delivered", "approved"),
        ("conclude", "concluded"),
    ]
    types = event_types(identity_app, case["id"])
    assert [t for t in types if t.startswith("delivery.")] == DELIVERY_EVENTS
    assert types[-1] == "case.conclude" and "case.result_issued" in types


def test_pickup_journey_code_at_the_hall(api, identity_app):
    token = citizen(api)
    case = submitted(api, token)
    assert choose(api, token, case["id"], "pickup").status_code == 200
    headers = reviewer(api, identity_app)
    approve(api, headers, case["id"])
    run_jobs(identity_app)
    view = delivery_of(api, token, case["id"])
    assert view["status"] == "pickup_ready" and view["method"] == "pickup"
    pickup = view["pickup"]
    assert len(pickup["code"]) == 6 and pickup["code"].isdigit()
    assert pickup["address"].startswith("云栖县政务服务中心（栖凤大道188号）")
    assert "周一至周五" in pickup["hours"]
    types = event_types(identity_app, case["id"])
    assert types.count("delivery.pickup_ready") == 1

    delivery_id = row(identity_app, case["id"]).id
    wrong = "000000" if pickup["code"] != "000000" else "111111"
    resp = api.post(f"{BASE}/deliveries/{delivery_id}/picked-up", json={"pickup_code": wrong}, headers=headers)
    assert resp.status_code == 422 and resp.get_json()["error"] == "PICKUP_CODE_MISMATCH"
    assert delivery_of(api, token, case["id"])["status"] == "pickup_ready"

    resp = api.post(f"{BASE}/deliveries/{delivery_id}/picked-up", json={"pickup_code": pickup["code"]}, headers=headers)
    assert resp.status_code == 200, resp.get_json()
    assert delivery_of(api, token, case["id"])["status"] == "collected"
    assert api.get(f"{APPS}/{case['id']}", headers=bearer(token)).get_json()["status"] == "concluded"
    assert event_types(identity_app, case["id"])[-2:] == ["delivery.delivered", "case.conclude"]
    resp = api.post(f"{BASE}/deliveries/{delivery_id}/picked-up", json={"pickup_code": pickup["code"]}, headers=headers)
    assert resp.status_code == 409


def test_no_choice_means_pickup_and_a_repeated_event_changes_nothing(api, identity_app):
    token = citizen(api)
    case = submitted(api, token)
    approve(api, reviewer(api, identity_app), case["id"])
    run_jobs(identity_app)
    first = delivery_of(api, token, case["id"])
    assert first["method"] == "pickup" and first["status"] == "pickup_ready"
    # the subscriber runs again (at-least-once delivery): same code, one event
    from app import events
    from app.extensions import db
    from app.outbox import events_for

    with identity_app.app_context():
        issued = next(e for e in events_for("case", case["id"]) if e.event_type == "case.result_issued")
        events.deliver(issued.id, "delivery")
        db.session.remove()
    assert delivery_of(api, token, case["id"])["pickup"] == first["pickup"]
    assert event_types(identity_app, case["id"]).count("delivery.pickup_ready") == 1
