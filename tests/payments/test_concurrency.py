"""50 concurrent deliveries of the same callback on PostgreSQL: one transition, one outbox event."""

from __future__ import annotations

import threading

import pytest
import requests

from app.outbox import OutboxEvent
from payments.models import RawNotification
from tests.dialect import on_postgres
from tests.payments.helpers import case_status, count, events, payer, pending_case, started


@pytest.mark.parametrize("channel", ["wechat", "alipay"])
def test_fifty_concurrent_duplicate_callbacks_move_the_case_once(api, sandbox, actx, identity_app, app_server, channel):
    if not on_postgres(identity_app):
        pytest.skip("SQLite serialises writers on the whole file; row locks are tested on PostgreSQL")
    from sandbox import alipay_pay

    token = payer(api, sandbox, channel=channel)
    case = pending_case(api, token)
    out_trade_no = started(api, token, case["id"], channel)["order"]["out_trade_no"]
    before = count(OutboxEvent)
    if channel == "wechat":
        headers, body = sandbox.wechatpay.transaction_notification(sandbox.wechatpay.pay(out_trade_no))
        send = {"data": body.encode(), "headers": {**headers, "Content-Type": "application/json"}}
    else:
        send = {"data": alipay_pay.notify_fields(sandbox.alipay, alipay_pay.pay(sandbox.alipay, out_trade_no))}
    barrier = threading.Barrier(50)
    answers: list = []

    def deliver():
        with requests.Session() as http:
            barrier.wait()
            resp = http.post(f"{app_server}/payments/notify/{channel}", timeout=60, **send)
            answers.append((resp.status_code, resp.text))

    threads = [threading.Thread(target=deliver) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    expected = (204, "") if channel == "wechat" else (200, "success")
    assert answers == [expected] * 50
    assert case_status(case["id"]) == "submitted"
    assert len(events("case.pay", case["id"])) == 1
    assert count(OutboxEvent) == before + 1
    assert count(RawNotification) == 50
    assert count(RawNotification, RawNotification.outcome == "paid") == 1
    assert count(RawNotification, RawNotification.outcome == "duplicate") == 49
