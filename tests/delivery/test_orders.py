"""Courier orders: an outage retried, a permanent failure in the staff queue and the staff
retry, a refusal, a lost answer (duplicate order id), the hall courier with a typed waybill,
staff of another department refused, and concurrent order jobs on PostgreSQL."""

from __future__ import annotations

import threading

import pytest

from app.extensions import db
from tests.delivery.helpers import (
    DEPARTMENT,
    approve,
    delivery_of,
    event_types,
    mail_case,
    reviewer,
    row,
    run_jobs,
    timeline,
)
from tests.identity.helpers import assert_error
from tests.staff_api.helpers import BASE, other_department, staff_token

QUEUE = f"{BASE}/departments/{DEPARTMENT}/deliveries"


def _approved_mail_case(api, app):
    token, case, _ = mail_case(api)
    headers = reviewer(api, app)
    approve(api, headers, case["id"])
    return token, case, headers


def _sf_orders_for(sandbox, order_id):
    return [o for o in sandbox.sf_orders() if o["order_id"] == order_id]


def test_an_outage_is_retried_and_the_order_placed_once(api, identity_app, sandbox):
    sandbox.sf_fail_next(errcode="A1009", service="EXP_RECE_CREATE_ORDER")  # target service unreachable
    token, case, _ = _approved_mail_case(api, identity_app)
    run_jobs(identity_app)
    delivery = row(identity_app, case["id"])
    assert delivery.status == "ordered" and delivery.order_attempts == 2 and delivery.last_error is None
    assert len(_sf_orders_for(sandbox, delivery.order_id)) == 1
    assert delivery_of(api, token, case["id"])["waybill_no"] == delivery.waybill_no


def test_http_503_then_permanent_failure_shows_in_the_staff_queue_and_retry_succeeds(api, identity_app, sandbox):
    sandbox.sf_fail_next(http_status=503, service="EXP_RECE_CREATE_ORDER", times=3)
    token, case, headers = _approved_mail_case(api, identity_app)
    run_jobs(identity_app)
    delivery = row(identity_app, case["id"])
    assert delivery.status == "failed" and delivery.order_attempts == 3 and "503" in delivery.last_error
    assert delivery_of(api, token, case["id"])["status_text"] == "寄递下单失败，工作人员处理中"
    assert ("courier_order_failed", "approved") in timeline(api, token, case["id"])

    queue = api.get(QUEUE, headers=headers).get_json()
    assert [(i["id"], i["status"], i["order_attempts"]) for i in queue["items"]] == [(delivery.id, "failed", 3)]
    assert queue["items"][0]["case_number"] == case["case_number"]
    resp = api.post(f"{BASE}/deliveries/{delivery.id}/retry", headers=headers)
    assert resp.status_code == 200 and resp.get_json()["status"] == "ordering"
    run_jobs(identity_app)
    assert row(identity_app, case["id"]).status == "ordered"
    assert api.get(QUEUE, headers=headers).get_json()["total"] == 0
    # retrying something that is not failed is a conflict
    assert_error(api.post(f"{BASE}/deliveries/{delivery.id}/retry", headers=headers), 409, "DELIVERY_STATE_CONFLICT")


def test_a_refusal_fails_at_once(api, identity_app, sandbox):
    sandbox.sf_fail_next(errcode="A1004", service="EXP_RECE_CREATE_ORDER")  # no permission: not retryable
    _, case, _ = _approved_mail_case(api, identity_app)
    run_jobs(identity_app)
    delivery = row(identity_app, case["id"])
    assert delivery.status == "failed" and delivery.order_attempts == 1 and "A1004" in delivery.last_error


def test_a_lost_answer_finds_the_order_instead_of_placing_a_second(api, identity_app, sandbox):
    """The order reached SF but its answer was lost: the next attempt gets 8016 and looks it up."""
    from app.cases import service as cases
    from app.worker import clear_queues
    from delivery import jobs, service
    from delivery.models import Delivery
    from delivery.providers import courier
    from delivery.tracking import order_of

    _, case, _ = mail_case(api)
    approve(api, reviewer(api, identity_app), case["id"])
    with identity_app.app_context():
        delivery_id = service.result_issued(case["id"])  # fixed here; the queued subscriber job is dropped
        clear_queues()
        delivery = db.session.get(Delivery, delivery_id)
        placed = courier("sf").create_order(order_of(delivery, cases.case_facts(case["id"])))
        db.session.remove()
        assert jobs.place_order(delivery_id) == "ordered"
        db.session.remove()
    delivery = row(identity_app, case["id"])
    assert delivery.waybill_no == placed.waybill_no and delivery.order_attempts == 1
    assert len(_sf_orders_for(sandbox, placed.order_id)) == 1
    assert [c["error_code"] for c in sandbox.sf_calls(limit=3)][:2] == ["S0000", "8016"]


def test_hall_courier_waybill_typed_by_staff(api, identity_app, sandbox):
    head = staff_token(api, identity_app, department=DEPARTMENT, role="department_head")
    resp = api.put(f"{BASE}/departments/{DEPARTMENT}/courier", json={"courier": "hall"}, headers=head)
    assert resp.status_code == 200 and resp.get_json()["name"] == "窗口交寄"
    token, case, headers = _approved_mail_case(api, identity_app)
    run_jobs(identity_app)
    delivery = row(identity_app, case["id"])
    assert (
        delivery.status == "awaiting_waybill"
        and sandbox.sf_orders() == []
        or not _sf_orders_for(sandbox, delivery.order_id)
    )
    queue = api.get(QUEUE, headers=headers).get_json()["items"]
    assert [(i["id"], i["status"]) for i in queue] == [(delivery.id, "awaiting_waybill")]
    detail = api.get(f"{BASE}/deliveries/{delivery.id}", headers=headers).get_json()
    assert detail["recipient"] == {
        "name": "林晓岚",
        "mobile": "13912345678",
        "address": "示范省青岚市云栖县栖凤大道66号翠湖小区3栋2单元501室",
    }
    bad = api.put(
        f"{BASE}/deliveries/{delivery.id}/waybill", json={"waybill_no": "x", "courier_name": "EMS"}, headers=headers
    )
    assert bad.status_code == 422
    resp = api.put(
        f"{BASE}/deliveries/{delivery.id}/waybill",
        json={"waybill_no": "1190000000001", "courier_name": "中国邮政EMS"},
        headers=headers,
    )
    assert resp.status_code == 200 and resp.get_json()["status"] == "picked_up"
    view = delivery_of(api, token, case["id"])
    assert view["courier"] == {"code": "hall", "name": "中国邮政EMS"} and view["waybill_no"] == "1190000000001"
    resp = api.post(f"{BASE}/deliveries/{delivery.id}/delivered", headers=headers)
    assert resp.status_code == 200 and resp.get_json()["status"] == "delivered"
    types = event_types(identity_app, case["id"])
    assert [t for t in types if t.startswith("delivery.")] == ["delivery.shipped", "delivery.delivered"]
    assert types[-1] == "case.conclude"
    # only a department head may change the courier
    clerk = staff_token(api, identity_app, department=DEPARTMENT, role="window_clerk")
    assert api.put(f"{BASE}/departments/{DEPARTMENT}/courier", json={"courier": "sf"}, headers=clerk).status_code == 403


def test_staff_of_another_department_are_refused(api, identity_app, sandbox):
    sandbox.sf_fail_next(errcode="A1004", service="EXP_RECE_CREATE_ORDER")
    _, case, _ = _approved_mail_case(api, identity_app)
    run_jobs(identity_app)
    delivery = row(identity_app, case["id"])
    other = other_department(identity_app, DEPARTMENT)
    outsider = staff_token(api, identity_app, department=other, role="department_head")
    assert_error(api.get(QUEUE, headers=outsider), 403, "DEPARTMENT_SCOPE")
    assert api.get(f"{BASE}/departments/{other}/deliveries", headers=outsider).get_json()["total"] == 0
    for method, path, body in (
        ("get", f"{BASE}/deliveries/{delivery.id}", None),
        ("post", f"{BASE}/deliveries/{delivery.id}/retry", None),
        ("put", f"{BASE}/deliveries/{delivery.id}/waybill", {"waybill_no": "1190000000001", "courier_name": "EMS快递"}),
        ("post", f"{BASE}/deliveries/{delivery.id}/picked-up", {"pickup_code": "123456"}),
    ):
        resp = getattr(api, method)(path, json=body, headers=outsider)
        assert_error(resp, 404, "DELIVERY_NOT_FOUND")
    assert_error(
        api.put(f"{BASE}/departments/{DEPARTMENT}/courier", json={"courier": "hall"}, headers=outsider),
        403,
        "DEPARTMENT_SCOPE",
    )
    assert row(identity_app, case["id"]).status == "failed"
    # a citizen token is no staff token
    assert api.get(QUEUE).status_code == 401


def test_concurrent_order_jobs_place_one_order(api, identity_app, sandbox):
    with identity_app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite serialises writers on the whole file; row locks are tested on PostgreSQL")
    from app.worker import clear_queues
    from delivery import jobs

    _, case, _ = mail_case(api)
    approve(api, reviewer(api, identity_app), case["id"])
    with identity_app.app_context():
        from delivery import service

        delivery_id = service.result_issued(case["id"])  # fixed here; the queued jobs are dropped
        clear_queues()
        db.session.remove()
    barrier = threading.Barrier(4)
    outcomes: list = []

    def worker():
        with identity_app.app_context():
            barrier.wait()
            try:
                outcomes.append(jobs.place_order(delivery_id))
            except Exception as exc:  # noqa: BLE001 - recorded for the assertion
                outcomes.append(type(exc).__name__)
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    delivery = row(identity_app, case["id"])
    assert delivery.status == "ordered" and "ordered" in outcomes, outcomes
    assert len(_sf_orders_for(sandbox, delivery.order_id)) == 1
