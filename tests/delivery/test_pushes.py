"""SF route pushes: the digest over the raw msgData, the timestamp window, duplicates and
out-of-order pushes (never backwards), exceptions, unknown orders, the periodic route query
catching a lost push, and concurrent duplicate pushes on PostgreSQL."""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime

import pytest
import sqlalchemy as sa

from app.extensions import db
from delivery.models import RoutePush
from tests.delivery.helpers import delivery_of, event_types, ordered_case, route_count, timeline

PUSH = "/delivery/notify/sf"
OK = {"return_code": "0000", "return_msg": "成功"}


def _released_form(sandbox, order_id: str, **kwargs) -> dict:
    """A push the simulator would send for the next route, signed, not sent."""
    order, routes = sandbox.sf.release(order_id, count=1)
    return sandbox.sf.push_form(order, routes, **kwargs)


def _delivery_events(app, case_id):
    return [t for t in event_types(app, case_id) if t.startswith("delivery.")]


@pytest.mark.parametrize(
    "tamper",
    ["digest", "check_word", "msg_data", "stale", "missing_digest", "partner"],
)
def test_a_push_that_fails_verification_changes_nothing(api, identity_app, sandbox, tamper):
    token, case, order_id = ordered_case(api, identity_app)
    form = _released_form(sandbox, order_id)
    if tamper == "digest":
        form["msgDigest"] = form["msgDigest"][:-4] + "AAA="
    elif tamper == "check_word":
        from sandbox.sf import digest

        form["msgDigest"] = digest(form["msgData"], form["timestamp"], "not-our-check-word")
    elif tamper == "msg_data":  # the route changed after signing
        form["msgData"] = form["msgData"].replace('"opCode":"50"', '"opCode":"80"')
    elif tamper == "stale":  # a replay from an hour ago, correctly signed
        old = sandbox.sf.push_form(sandbox.sf.orders[order_id], sandbox.sf.orders[order_id].released[:1])
        old_ts = str(int(time.time() * 1000) - 3600 * 1000)
        from sandbox.sf import digest

        form = {**old, "timestamp": old_ts, "msgDigest": digest(old["msgData"], old_ts, sandbox.sf.check_word)}
    elif tamper == "missing_digest":
        form.pop("msgDigest")
    elif tamper == "partner":
        form["partnerID"] = "SOMEONE_ELSE"
    resp = api.post(PUSH, data=form)
    assert resp.status_code == 200 and resp.get_json()["return_code"] == "1000"
    assert delivery_of(api, token, case["id"])["status"] == "ordered"
    assert route_count(identity_app, case["id"]) == 0 and _delivery_events(identity_app, case["id"]) == []
    with identity_app.app_context():
        stored = db.session.scalars(sa.select(RoutePush).order_by(RoutePush.id.desc())).first()
        assert stored.verified is False and stored.outcome.startswith("refused")
        db.session.remove()
    # the genuine push is still accepted afterwards
    order = sandbox.sf.orders[order_id]
    assert api.post(PUSH, data=sandbox.sf.push_form(order, order.released[:1])).get_json() == OK
    assert delivery_of(api, token, case["id"])["status"] == "picked_up"


def test_malformed_push_body_is_refused(api, identity_app, sandbox):
    from sandbox.sf import digest

    ts = str(int(time.time() * 1000))
    for msg in ("not json", json.dumps({"Body": {"WaybillRoute": [{"opCode": "50"}]}})):
        form = {"partnerID": sandbox.sf.partner_id, "timestamp": ts, "msgData": msg}
        form["msgDigest"] = digest(msg, ts, sandbox.sf.check_word)
        assert api.post(PUSH, data=form).get_json()["return_code"] == "1000"


def test_duplicate_pushes_are_applied_once(api, identity_app, sandbox):
    token, case, order_id = ordered_case(api, identity_app)
    answers = sandbox.sf_push(order_id, count=3, duplicate=True)["answers"]
    assert [a["body"] for a in answers] == [OK, OK]
    # and the same routes once more, as SF does when it missed our answer
    order = sandbox.sf.orders[order_id]
    assert sandbox.sf.send(sandbox.sf.push_form(order, order.released))["body"] == OK
    assert route_count(identity_app, case["id"]) == 3
    assert _delivery_events(identity_app, case["id"]) == ["delivery.shipped", "delivery.in_transit"]
    assert delivery_of(api, token, case["id"])["status"] == "in_transit"


def test_out_of_order_pushes_never_move_backwards(api, identity_app, sandbox):
    token, case, order_id = ordered_case(api, identity_app)
    answers = sandbox.sf_push(order_id, all=True, reorder=True)["answers"]  # 80 first, 50 last
    assert len(answers) == 7 and all(a["body"] == OK for a in answers)
    view = delivery_of(api, token, case["id"])
    assert view["status"] == "delivered" and len(view["routes"]) == 7
    # only the first push (80: delivered) moved the delivery; the late ones are history only
    assert _delivery_events(identity_app, case["id"]) == ["delivery.delivered"]
    steps = timeline(api, token, case["id"])
    assert steps[-2:] == [("parcel_delivered", "approved"), ("conclude", "concluded")]
    assert [s for s, _ in steps].count("parcel_in_transit") == 0


def test_an_exception_is_reported_then_cleared_by_progress(api, identity_app, sandbox):
    token, case, order_id = ordered_case(api, identity_app)
    sandbox.sf_push(order_id, count=1)
    sandbox.sf_push(order_id, route={"opCode": "33", "remark": "收方客户不在，待再次派送"})
    view = delivery_of(api, token, case["id"])
    assert view["status"] == "picked_up" and view["exception"] == "收方客户不在，待再次派送"
    assert _delivery_events(identity_app, case["id"])[-1] == "delivery.exception"
    sandbox.sf_push(order_id, all=True)
    view = delivery_of(api, token, case["id"])
    assert view["status"] == "delivered" and view["exception"] is None
    # an exception arriving after delivery is kept in the history, nothing else
    sandbox.sf_push(order_id, route={"opCode": "70", "remark": "迟到的异常"})
    assert delivery_of(api, token, case["id"])["status"] == "delivered"
    assert _delivery_events(identity_app, case["id"]).count("delivery.exception") == 1


def test_a_push_for_an_unknown_order_is_acknowledged(api, identity_app, sandbox):
    from sandbox.sf import SFOrder

    order = SFOrder(
        order_id="ZSBNOTOURS",
        waybill_no="SF0000000000000",
        receiver={},
        sender={},
        created=datetime.now(),
        plan=[],
    )
    route = {"id": "1", "opCode": "50", "remark": "r", "acceptAddress": "", "acceptTime": "2026-12-04 10:00:00"}
    assert api.post(PUSH, data=sandbox.sf.push_form(order, [route])).get_json() == OK


def test_the_route_query_catches_a_lost_push(api, identity_app, sandbox):
    from datetime import timedelta

    from delivery import tracking

    token, case, order_id = ordered_case(api, identity_app)
    sandbox.sf_push(order_id, count=2, silent=True)  # released at SF, never pushed
    assert delivery_of(api, token, case["id"])["status"] == "ordered"
    with identity_app.app_context():
        assert tracking.poll_routes(older_than=timedelta(hours=1))["queried"] == 0  # not silent for long yet
        result = tracking.poll_routes(older_than=timedelta(0))
        db.session.remove()
    assert result == {"queried": 1, "added": 2, "failed": 0}
    assert delivery_of(api, token, case["id"])["status"] == "in_transit"
    # the pushes arriving late after all change nothing
    order = sandbox.sf.orders[order_id]
    assert sandbox.sf.send(sandbox.sf.push_form(order, order.released))["body"] == OK
    assert route_count(identity_app, case["id"]) == 2
    assert _delivery_events(identity_app, case["id"]) == ["delivery.shipped", "delivery.in_transit"]


def test_concurrent_duplicate_pushes_apply_once(api, identity_app, sandbox):
    with identity_app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite serialises writers on the whole file; row locks are tested on PostgreSQL")
    token, case, order_id = ordered_case(api, identity_app)
    order, routes = sandbox.sf.release(order_id, count=4)
    form = sandbox.sf.push_form(order, routes)
    barrier = threading.Barrier(6)
    answers: list = []

    def worker():
        client = identity_app.test_client()
        barrier.wait()
        answers.append(client.post(PUSH, data=form).get_json())

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers == [OK] * 6
    assert route_count(identity_app, case["id"]) == 4
    assert _delivery_events(identity_app, case["id"]) == ["delivery.shipped", "delivery.in_transit"]
