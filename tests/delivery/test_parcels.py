"""One parcel for several results (the citizen chose "together"): no courier order while one
result is still to come, one order when the last is issued, one however often the events are
repeated; route pushes move every case in the parcel; "each" is mail per case; a member that
ends without a result leaves the parcel; only my own cases and addresses (both directions)."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from app.extensions import db
from delivery import service as delivery_service
from delivery.models import Delivery, DeliveryParcel
from tests.cases.helpers import APPS, RELIEF, citizen, create_draft, fill_form, submit, upload
from tests.delivery.helpers import (
    add_address,
    approve,
    delivery_of,
    reviewer,
    row,
    run_jobs,
    submitted,
    timeline,
)
from tests.dialect import on_postgres
from tests.identity.helpers import assert_error, bearer
from tests.staff_api.helpers import act, staff_token

JOINT = "/api/v1/deliveries/joint"


def choose_joint(api, token, case_ids, address_id, mode="together"):
    return api.put(JOINT, json={"case_ids": case_ids, "address_id": address_id, "mode": mode}, headers=bearer(token))


def three_cases(api):
    token = citizen(api)
    address = add_address(api, token)
    cases = [submitted(api, token)["id"] for _ in range(3)]
    return token, cases, address


def parcel_orders(sandbox, app, case_id):
    parcel_id = row(app, case_id).parcel_id
    with app.app_context():
        parcel = db.session.get(DeliveryParcel, parcel_id)
        order_id = parcel.order_id if parcel else None
        db.session.remove()
    return order_id, [o for o in sandbox.sf_orders() if order_id and o["order_id"] == order_id]


def test_one_courier_order_when_every_result_is_issued(api, identity_app, sandbox):
    token, cases, address = three_cases(api)
    resp = choose_joint(api, token, list(reversed(cases)), address["id"])
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["mode"] == "together" and body["parcel_id"]
    assert [i["case_id"] for i in body["items"]] == cases
    assert {i["parcel"]["id"] for i in body["items"]} == {body["parcel_id"]}
    assert body["items"][0]["parcel"]["case_ids"] == cases
    # repeating the choice keeps the same parcel
    assert choose_joint(api, token, cases, address["id"]).get_json()["parcel_id"] == body["parcel_id"]
    headers = reviewer(api, identity_app)
    before = len(sandbox.sf_orders())

    approve(api, headers, cases[0])
    approve(api, headers, cases[1])
    run_jobs(identity_app)
    assert len(sandbox.sf_orders()) == before  # one still to come: no order yet
    view = delivery_of(api, token, cases[0])
    assert view["status"] == "waiting_parcel" and view["status_text"] == "已出具，待同批其他结果一并寄出"
    assert delivery_of(api, token, cases[2])["status"] == "chosen"

    approve(api, headers, cases[2])
    run_jobs(identity_app)
    order_id, orders = parcel_orders(sandbox, identity_app, cases[0])
    assert len(orders) == 1 and len(sandbox.sf_orders()) == before + 1
    waybills = {delivery_of(api, token, c)["waybill_no"] for c in cases}
    assert waybills == {orders[0]["waybill_no"]}
    assert {delivery_of(api, token, c)["order_id"] for c in cases} == {order_id}
    assert {delivery_of(api, token, c)["status"] for c in cases} == {"ordered"}

    # the result_issued events again (a redelivered outbox event, a second worker): still one order
    for case_id in cases:
        with identity_app.app_context():
            delivery_service.result_issued(case_id)
            db.session.remove()
    run_jobs(identity_app)
    assert len(parcel_orders(sandbox, identity_app, cases[0])[1]) == 1

    # a route push for the parcel moves every case; signed for concludes each
    sandbox.sf_push(order_id)
    assert {delivery_of(api, token, c)["status"] for c in cases} == {"picked_up"}
    sandbox.sf_push(order_id, all=True)
    for case_id in cases:
        assert delivery_of(api, token, case_id)["status"] == "delivered"
        steps = timeline(api, token, case_id)
        assert ("delivery_mail", "approved") in steps and steps[-1] == ("conclude", "concluded")
        assert [s for s in steps if s[0] == "courier_ordered"] == [("courier_ordered", "approved")]


def test_each_mails_every_result_as_it_comes(api, identity_app, sandbox):
    token, cases, address = three_cases(api)
    assert choose_joint(api, token, cases, address["id"]).status_code == 200
    resp = choose_joint(api, token, cases[:2], address["id"], mode="each")  # two leave the parcel
    assert resp.status_code == 200 and resp.get_json()["parcel_id"] is None
    assert [i["parcel"] for i in resp.get_json()["items"]] == [None, None]
    # the third is left alone: no parcel of one
    assert delivery_of(api, token, cases[2])["parcel"] is None
    with identity_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(DeliveryParcel)) == 0
        db.session.remove()
    approve(api, reviewer(api, identity_app), cases[0])
    run_jobs(identity_app)
    assert delivery_of(api, token, cases[0])["status"] == "ordered"
    assert delivery_of(api, token, cases[1])["status"] == "chosen"


def test_a_member_that_ends_without_a_result_leaves_the_parcel(api, identity_app, sandbox):
    token, cases, address = three_cases(api)
    assert choose_joint(api, token, cases, address["id"]).status_code == 200
    headers = reviewer(api, identity_app)
    approve(api, headers, cases[0])
    approve(api, headers, cases[1])
    run_jobs(identity_app)
    assert parcel_orders(sandbox, identity_app, cases[0])[1] == []
    # the third is denied: the other two ship together now
    assert act(api, headers, cases[2], "accept").status_code == 200
    assert act(api, headers, cases[2], "deny", note="不符合条件").status_code == 200
    run_jobs(identity_app)
    assert row(identity_app, cases[2]).parcel_id is None
    order_id, orders = parcel_orders(sandbox, identity_app, cases[0])
    assert len(orders) == 1
    assert delivery_of(api, token, cases[0])["parcel"]["case_ids"] == cases[:2]


def test_choices_locked_once_a_result_is_issued(api, identity_app, sandbox):
    token, cases, address = three_cases(api)
    assert choose_joint(api, token, cases, address["id"]).status_code == 200
    approve(api, reviewer(api, identity_app), cases[0])
    run_jobs(identity_app)
    assert_error(choose_joint(api, token, cases, address["id"], mode="each"), 409, "DELIVERY_LOCKED")
    # taking the others out of a parcel that already holds an issued result is refused too
    assert_error(choose_joint(api, token, cases[1:], address["id"], mode="each"), 409, "DELIVERY_LOCKED")


def test_only_my_own_cases_and_addresses(api, identity_app, sandbox):
    owner, mine, my_address = three_cases(api)
    other = citizen(api, name="陈云栖")
    their_address = add_address(api, other)
    theirs = submitted(api, other)["id"]
    assert_error(choose_joint(api, owner, [mine[0], theirs], my_address["id"]), 404, "APPLICATION_NOT_FOUND")
    assert_error(choose_joint(api, other, [mine[0], theirs], their_address["id"]), 404, "APPLICATION_NOT_FOUND")
    assert_error(choose_joint(api, owner, mine, their_address["id"]), 404, "ADDRESS_NOT_FOUND")
    assert_error(choose_joint(api, other, [theirs], my_address["id"]), 404, "ADDRESS_NOT_FOUND")
    with identity_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Delivery)) == 0
        db.session.remove()
    assert choose_joint(api, owner, mine, my_address["id"]).status_code == 200
    assert choose_joint(api, other, [theirs], their_address["id"]).status_code == 200


@pytest.mark.parametrize(
    "body", [{"case_ids": [], "address_id": 1, "mode": "together"}, {"case_ids": [1], "mode": "x"}]
)
def test_bad_bodies_are_validation_errors(api, identity_app, body):
    token = citizen(api)
    resp = api.put(JOINT, json=body, headers=bearer(token))
    assert resp.status_code == 422


def test_results_issued_at_once_place_one_order(api, identity_app, sandbox):
    """PostgreSQL: the members' result_issued jobs run at the same moment — one order."""
    if not on_postgres(identity_app):
        pytest.skip("SQLite serialises writers on the whole file; row locks are tested on PostgreSQL")
    token, cases, address = three_cases(api)
    assert choose_joint(api, token, cases, address["id"]).status_code == 200
    headers = reviewer(api, identity_app)
    for case_id in cases:
        approve(api, headers, case_id)  # the outbox events wait: the jobs below race instead
    before = len(sandbox.sf_orders())
    barrier = threading.Barrier(6)
    errors: list = []

    def issue(case_id):
        with identity_app.app_context():
            try:
                barrier.wait()
                delivery_service.result_issued(case_id)
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=issue, args=(c,)) for c in cases + cases]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    run_jobs(identity_app)
    assert len(sandbox.sf_orders()) == before + 1
    assert {delivery_of(api, token, c)["status"] for c in cases} == {"ordered"}


def test_a_parcel_member_changes_only_with_the_others_and_drafts_do_not_join(api, identity_app, sandbox):
    from tests.cases.helpers import ready_draft
    from tests.delivery.helpers import choose

    token, cases, address = three_cases(api)
    assert choose_joint(api, token, cases, address["id"]).status_code == 200
    assert_error(choose(api, token, cases[0], "pickup"), 409, "DELIVERY_LOCKED")
    assert delivery_of(api, token, cases[0])["parcel"]["case_ids"] == cases
    draft = ready_draft(api, token)
    resp = choose_joint(api, token, [cases[0], draft["id"]], address["id"])
    assert_error(resp, 422, "DELIVERY_OPTION_UNAVAILABLE")
    assert row(identity_app, draft["id"]) is None


def test_a_delivered_parcel_forgets_its_recipient_with_its_members(api, identity_app, actx, sandbox):
    from datetime import timedelta

    from delivery import retention
    from delivery.models import utcnow

    token, cases, address = three_cases(api)
    assert choose_joint(api, token, cases, address["id"]).status_code == 200
    headers = reviewer(api, identity_app)
    for case_id in cases:
        approve(api, headers, case_id)
    run_jobs(identity_app)
    order_id, _ = parcel_orders(sandbox, identity_app, cases[0])
    sandbox.sf_push(order_id, all=True)
    assert {delivery_of(api, token, c)["status"] for c in cases} == {"delivered"}
    long_ago = utcnow() - timedelta(days=91)
    db.session.execute(sa.update(Delivery).values(delivered_at=long_ago))
    db.session.commit()
    assert retention.purge_delivered_addresses() == 3
    parcel = db.session.scalar(sa.select(DeliveryParcel))
    assert (parcel.contact, parcel.address_id) == (None, None)
    db.session.rollback()
    # the address, deleted long ago, can go now that nothing refers to it
    assert api.delete(f"/api/v1/addresses/{address['id']}", headers=bearer(token)).status_code == 204
    from delivery.models import Address

    db.session.execute(sa.update(Address).values(deleted_at=long_ago))
    db.session.commit()
    assert retention.purge_deleted_addresses() == 1


def _committed_relief(api, token) -> dict:
    """A submitted 临时救助 case whose 收入证明 is met by a commitment (告知承诺)."""
    draft = create_draft(api, token, code=RELIEF)
    fill_form(api, token, draft)
    for material in draft["materials"]:
        if material["commitment_allowed"]:
            version = material["options"]["commitment"]["version"]
            choice = {"method": "commitment", "accept": True, "text_version": version}
            resp = api.put(f"{APPS}/{draft['id']}/materials/{material['position']}", json=choice, headers=bearer(token))
            assert resp.status_code == 200, resp.get_json()
        else:
            assert upload(api, token, draft["id"], material["position"]).status_code == 201
    resp = submit(api, token, draft["id"])
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def test_a_revoked_result_waiting_in_the_parcel_is_not_sent(api, identity_app, sandbox):
    token = citizen(api)
    address = add_address(api, token)
    relief = _committed_relief(api, token)
    cases = [relief["id"], submitted(api, token)["id"], submitted(api, token)["id"]]
    resp = choose_joint(api, token, cases, address["id"])
    assert resp.status_code == 200, resp.get_json()
    headers = reviewer(api, identity_app)
    relief_head = staff_token(api, identity_app, department=relief["department_code"], role="department_head")
    approve(api, relief_head, cases[0])
    approve(api, headers, cases[1])
    run_jobs(identity_app)
    assert delivery_of(api, token, cases[0])["status"] == "waiting_parcel"
    # the first decision is revoked (its commitment was false) while its result waits: it leaves
    resp = act(api, relief_head, cases[0], "revoke", note="承诺不实")
    assert resp.status_code == 200, resp.get_json()
    run_jobs(identity_app)
    assert row(identity_app, cases[0]).parcel_id is None
    assert delivery_of(api, token, cases[0])["status"] == "chosen"
    assert parcel_orders(sandbox, identity_app, cases[1])[1] == []  # the third is still to come
    approve(api, headers, cases[2])
    run_jobs(identity_app)
    assert len(parcel_orders(sandbox, identity_app, cases[1])[1]) == 1
    assert delivery_of(api, token, cases[1])["parcel"]["case_ids"] == cases[1:]
    assert delivery_of(api, token, cases[0])["status"] == "chosen"  # nothing was sent for the revoked one
