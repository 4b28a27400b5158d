"""Staff and a parcel of several results: the department's queue shows each member with its
parcel; a failed parcel order is retried once for all; the hall courier's waybill and the
signed-for record move every member; another department is refused."""

from __future__ import annotations

from tests.delivery.helpers import DEPARTMENT, approve, delivery_of, event_types, reviewer, row, run_jobs
from tests.delivery.test_parcels import choose_joint, parcel_orders, three_cases
from tests.identity.helpers import assert_error
from tests.staff_api.helpers import BASE, other_department, staff_token

QUEUE = f"{BASE}/departments/{DEPARTMENT}/deliveries"


def test_a_failed_parcel_order_shows_in_the_queue_and_one_retry_orders_it(api, identity_app, sandbox):
    token, cases, address = three_cases(api)
    assert choose_joint(api, token, cases, address["id"]).status_code == 200
    headers = reviewer(api, identity_app)
    sandbox.sf_fail_next(errcode="A1004", service="EXP_RECE_CREATE_ORDER")  # refused: fails at once
    for case_id in cases:
        approve(api, headers, case_id)
    run_jobs(identity_app)
    queue = api.get(QUEUE, headers=headers).get_json()
    assert queue["total"] == 3 and {i["status"] for i in queue["items"]} == {"failed"}
    parcels = {i["parcel"]["id"] for i in queue["items"]}
    assert len(parcels) == 1 and queue["items"][0]["parcel"]["case_ids"] == cases
    assert {i["order_id"] for i in queue["items"]} == {queue["items"][0]["parcel"]["order_id"]}
    outsider = staff_token(api, identity_app, department=other_department(identity_app, DEPARTMENT), role="reviewer")
    first = row(identity_app, cases[0]).id
    assert_error(api.post(f"{BASE}/deliveries/{first}/retry", headers=outsider), 404, "DELIVERY_NOT_FOUND")

    resp = api.post(f"{BASE}/deliveries/{first}/retry", headers=headers)
    assert resp.status_code == 200, resp.get_json()
    run_jobs(identity_app)
    assert len(parcel_orders(sandbox, identity_app, cases[0])[1]) == 1
    assert {delivery_of(api, token, c)["status"] for c in cases} == {"ordered"}
    assert api.get(QUEUE, headers=headers).get_json()["total"] == 0
    assert_error(api.post(f"{BASE}/deliveries/{first}/retry", headers=headers), 409, "DELIVERY_STATE_CONFLICT")


def test_hall_courier_parcel_one_waybill_for_every_member(api, identity_app, sandbox):
    head = staff_token(api, identity_app, department=DEPARTMENT, role="department_head")
    assert (
        api.put(f"{BASE}/departments/{DEPARTMENT}/courier", json={"courier": "hall"}, headers=head).status_code == 200
    )
    token, cases, address = three_cases(api)
    assert choose_joint(api, token, cases, address["id"]).status_code == 200
    headers = reviewer(api, identity_app)
    for case_id in cases:
        approve(api, headers, case_id)
    run_jobs(identity_app)
    assert {delivery_of(api, token, c)["status"] for c in cases} == {"awaiting_waybill"}
    second = row(identity_app, cases[1]).id
    resp = api.put(
        f"{BASE}/deliveries/{second}/waybill",
        json={"waybill_no": "1190000000001", "courier_name": "中国邮政EMS"},
        headers=headers,
    )
    assert resp.status_code == 200 and resp.get_json()["parcel"]["status"] == "picked_up"
    for case_id in cases:
        view = delivery_of(api, token, case_id)
        assert (view["status"], view["waybill_no"]) == ("picked_up", "1190000000001")
    resp = api.post(f"{BASE}/deliveries/{second}/delivered", headers=headers)
    assert resp.status_code == 200
    for case_id in cases:
        assert delivery_of(api, token, case_id)["status"] == "delivered"
        types = event_types(identity_app, case_id)
        assert [t for t in types if t.startswith("delivery.")] == ["delivery.shipped", "delivery.delivered"]
        assert types[-1] == "case.conclude"
