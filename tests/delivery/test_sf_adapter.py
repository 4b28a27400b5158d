"""The SF Express adapter against the simulator: typed errors (retryable or not), duplicate
order ids, cancel, route query; and the periodic job re-placing an order whose job was lost."""

from __future__ import annotations

import socket
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from delivery.providers.base import CourierRejected, CourierUnavailable, CreateOrder, DuplicateOrder, Party
from delivery.providers.sf import SFExpress
from sandbox.server import SF_CHECKWORD, SF_PARTNER_ID
from tests.delivery.helpers import approve, mail_case, reviewer, row, run_jobs

SENDER = Party("云栖县公安局", "08705212110", "示范省", "青岚市", "云栖县", "栖凤大道188号")
RECEIVER = Party("林晓岚", "13912345678", "示范省", "青岚市", "云栖县", "栖凤大道66号")


def adapter(sandbox, **overrides) -> SFExpress:
    settings = {
        "api_url": f"{sandbox.sf_url}/std/service",
        "partner_id": SF_PARTNER_ID,
        "check_word": SF_CHECKWORD,
        "timeout": 3,
        **overrides,
    }
    return SFExpress(**settings)


def new_order(receiver: Party = RECEIVER) -> CreateOrder:
    return CreateOrder(order_id=f"ZSBT{uuid.uuid4().hex[:10]}", sender=SENDER, receiver=receiver, cargo="证照")


def test_create_duplicate_find_cancel_and_routes(sandbox):
    sf = adapter(sandbox)
    order = new_order()
    placed = sf.create_order(order)
    with pytest.raises(DuplicateOrder):
        sf.create_order(order)
    assert sf.find_order(order.order_id) == placed
    assert sf.query_routes(order.order_id) == []
    sandbox.sf_push(order.order_id, count=1, silent=True)
    [route] = sf.query_routes(order.order_id)
    assert (route.op_code, route.waybill_no, route.order_id) == ("50", placed.waybill_no, order.order_id)
    with pytest.raises(CourierRejected) as refused:
        sf.cancel_order(order.order_id)  # picked up already
    assert refused.value.code == "8037" and not refused.value.retryable
    other = new_order()
    sf.create_order(other)
    sf.cancel_order(other.order_id)
    assert next(o for o in sandbox.sf_orders() if o["order_id"] == other.order_id)["cancelled"] is True


def test_errors_are_typed(sandbox):
    with pytest.raises(CourierRejected) as bad_sign:
        adapter(sandbox, check_word="not-the-check-word").create_order(new_order())
    assert bad_sign.value.code == "A1006" and not bad_sign.value.retryable
    with pytest.raises(CourierRejected) as bad_mobile:
        adapter(sandbox).create_order(new_order(Party("林晓岚", "123", "示范省", "青岚市", "云栖县", "x路1号")))
    assert bad_mobile.value.code == "1013"
    sandbox.sf_fail_next(http_status=502)
    with pytest.raises(CourierUnavailable):
        adapter(sandbox).create_order(new_order())
    sandbox.sf_fail_next(errcode="A1099")
    with pytest.raises(CourierUnavailable) as busy:
        adapter(sandbox).create_order(new_order())
    assert busy.value.retryable and busy.value.code == "A1099"
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(CourierUnavailable):
        adapter(sandbox, api_url=f"http://127.0.0.1:{port}/std/service").create_order(new_order())


def test_the_periodic_job_places_an_order_whose_job_was_lost(api, identity_app, sandbox):
    from app.worker import clear_queues
    from delivery import jobs, service
    from delivery.models import Delivery, utcnow

    _, case, _ = mail_case(api)
    approve(api, reviewer(api, identity_app), case["id"])
    with identity_app.app_context():
        delivery_id = service.result_issued(case["id"])
        clear_queues()  # the job is lost
        db.session.execute(
            sa.update(Delivery).where(Delivery.id == delivery_id).values(updated_at=utcnow() - timedelta(hours=1))
        )
        db.session.commit()
        assert jobs.poll_routes()["requeued"] == 1
        assert jobs.poll_routes()["requeued"] == 1  # still ORDERING: the same job id, not a second job
        db.session.remove()
    assert run_jobs(identity_app) == 1
    assert row(identity_app, case["id"]).status == "ordered"
