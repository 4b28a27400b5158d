"""Joint orders: one WeChat Pay / Alipay order paying the fees of several of the payer's cases,
each case keeping its own fee order (a line). Creating, repeating (Idempotency-Key), skipping
cases with nothing to pay, the payer's own cases only (both directions), replacing open orders."""

from __future__ import annotations

import threading

import pytest
import requests

from payments.models import FeeOrder, JointOrder, OrderStatus
from tests.cases.helpers import ready_draft, submit
from tests.dialect import on_postgres
from tests.identity.helpers import assert_error
from tests.payments.helpers import (
    FEE_FEN,
    JOINT,
    case_status,
    count,
    events,
    joint_payment,
    order_of,
    payer,
    payment,
    pending_case,
    start_joint,
    started,
    started_joint,
)


def sandbox_orders(sandbox, channel: str, out_trade_no: str) -> list:
    if channel == "wechat":
        return [o for o in sandbox.wechatpay.orders.values() if o.out_trade_no == out_trade_no]
    from sandbox import alipay_pay

    return [t for t in alipay_pay.store(sandbox.alipay).trades.values() if t.out_trade_no == out_trade_no]


@pytest.mark.parametrize("channel", ["wechat", "alipay"])
def test_one_order_pays_every_case_once(api, sandbox, actx, channel):
    token = payer(api, sandbox, channel=channel)
    first, second = pending_case(api, token), pending_case(api, token)
    free = ready_draft(api, token)  # a free item: submitted at once, nothing to pay
    assert submit(api, token, free["id"]).status_code == 200
    body = started_joint(api, token, [second["id"], first["id"], free["id"]], channel)
    joint = body["joint"]
    assert joint["out_trade_no"].startswith("ZSJ") and len(joint["out_trade_no"]) == 31
    assert joint["amount_fen"] == 2 * FEE_FEN and joint["status"] == "pending"
    assert joint["case_ids"] == sorted([first["id"], second["id"], free["id"]])
    assert joint["skipped_case_ids"] == [free["id"]]
    assert [line["case_id"] for line in joint["lines"]] == sorted([first["id"], second["id"]])
    assert {line["amount_fen"] for line in joint["lines"]} == {FEE_FEN}
    assert channel in body and ("alipay" if channel == "wechat" else "wechat") not in body
    # each case shows its own fee order, a line of the joint order
    shown = payment(api, token, first["id"]).get_json()
    assert shown["orders"][0]["out_trade_no"].startswith(joint["out_trade_no"])

    pay = sandbox.wechatpay_pay if channel == "wechat" else sandbox.alipay_pay
    pay(joint["out_trade_no"])
    for case in (first, second):
        assert case_status(case["id"]) == "submitted"
        (event,) = events("case.pay", case["id"])
        assert event.payload["amount_fen"] == FEE_FEN and event.payload["out_trade_no"] == joint["out_trade_no"]
    assert case_status(free["id"]) == "submitted"
    after = joint_payment(api, token, joint["out_trade_no"]).get_json()["joint"]
    assert after["status"] == "paid" and {line["status"] for line in after["lines"]} == {"paid"}
    assert count(FeeOrder, FeeOrder.status == OrderStatus.PAID) == 2
    # paid: a repeat of the request shows the paid order, a new one has nothing left to pay
    again = started_joint(api, token, [first["id"], second["id"], free["id"]], channel)
    assert again["joint"]["status"] == "paid" and channel not in again
    assert_error(
        start_joint(api, token, [first["id"], second["id"]], channel, key="joint-key-0002"), 409, "ALREADY_PAID"
    )
    assert count(JointOrder) == 1


def test_repeats_follow_the_idempotency_key(api, sandbox, actx):
    token = payer(api, sandbox, channel="wechat")
    first, second, third = (pending_case(api, token) for _ in range(3))
    ids = [first["id"], second["id"]]
    assert_error(start_joint(api, token, ids, key=None), 428, "IDEMPOTENCY_KEY_REQUIRED")
    assert_error(start_joint(api, token, ids, key="short"), 428, "IDEMPOTENCY_KEY_REQUIRED")
    one = started_joint(api, token, ids)
    two = started_joint(api, token, list(reversed(ids)))  # the same request, the same order
    assert one["joint"]["out_trade_no"] == two["joint"]["out_trade_no"]
    assert one["wechat"]["package"] == two["wechat"]["package"]  # the same prepay_id
    # the same key for other cases is refused; a new key for the same cases gets the open order
    assert_error(start_joint(api, token, [*ids, third["id"]]), 409, "IDEMPOTENCY_KEY_REUSED")
    three = started_joint(api, token, ids, key="joint-key-0002")
    assert three["joint"]["out_trade_no"] == one["joint"]["out_trade_no"]
    assert count(JointOrder) == 1 and count(FeeOrder) == 2
    assert len(sandbox_orders(sandbox, "wechat", one["joint"]["out_trade_no"])) == 1


def test_nothing_to_pay_is_refused(api, sandbox, actx):
    token = payer(api, sandbox, channel="wechat")
    free = ready_draft(api, token)
    assert submit(api, token, free["id"]).status_code == 200
    resp = start_joint(api, token, [free["id"]])
    assert_error(resp, 409, "NO_FEE_DUE")
    assert resp.get_json()["details"]["case_status"] == {str(free["id"]): "submitted"}
    assert count(JointOrder) == 0


def test_only_my_own_cases(api, sandbox, actx):
    owner = payer(api, sandbox, channel="wechat")
    mine = pending_case(api, owner)
    other = payer(api, sandbox, channel="wechat", name="陈云栖")
    theirs = pending_case(api, other)
    # a stranger's case among mine: not found, nothing made — either way round
    assert_error(start_joint(api, owner, [mine["id"], theirs["id"]]), 404, "APPLICATION_NOT_FOUND")
    assert_error(start_joint(api, other, [mine["id"], theirs["id"]]), 404, "APPLICATION_NOT_FOUND")
    assert_error(start_joint(api, owner, [mine["id"], 10**9]), 404, "APPLICATION_NOT_FOUND")
    assert count(JointOrder) == 0 and count(FeeOrder) == 0
    joint = started_joint(api, owner, [mine["id"]])["joint"]
    assert_error(joint_payment(api, other, joint["out_trade_no"]), 404, "PAYMENT_NOT_FOUND")
    assert_error(joint_payment(api, other, "ZSJ" + "0" * 28), 404, "PAYMENT_NOT_FOUND")
    assert joint_payment(api, owner, joint["out_trade_no"]).status_code == 200
    theirs_joint = started_joint(api, other, [theirs["id"]])["joint"]
    assert_error(joint_payment(api, owner, theirs_joint["out_trade_no"]), 404, "PAYMENT_NOT_FOUND")


def test_open_orders_of_the_cases_are_replaced(api, sandbox, actx):
    token = payer(api, sandbox, channel="wechat")
    first, second = pending_case(api, token), pending_case(api, token)
    single = started(api, token, first["id"], "wechat")["order"]["out_trade_no"]
    joint = started_joint(api, token, [first["id"], second["id"]])["joint"]["out_trade_no"]
    assert order_of(single).status == OrderStatus.CLOSED
    assert sandbox_orders(sandbox, "wechat", single)[0].state == "CLOSED"
    # paying one of them alone closes the whole joint order (its amount no longer holds)
    alone = started(api, token, second["id"], "wechat")["order"]["out_trade_no"]
    shown = joint_payment(api, token, joint).get_json()["joint"]
    assert shown["status"] == "closed" and {line["status"] for line in shown["lines"]} == {"closed"}
    assert sandbox_orders(sandbox, "wechat", joint)[0].state == "CLOSED"
    sandbox.wechatpay_pay(alone)
    assert (case_status(first["id"]), case_status(second["id"])) == ("payment_pending", "submitted")
    # a new joint order for what is still due
    again = started_joint(api, token, [first["id"], second["id"]], key="joint-key-0002")["joint"]
    assert again["amount_fen"] == FEE_FEN and again["skipped_case_ids"] == [second["id"]]
    sandbox.wechatpay_pay(again["out_trade_no"])
    assert case_status(first["id"]) == "submitted"
    assert len(events("case.pay", first["id"])) == 1 and len(events("case.pay", second["id"])) == 1


def test_concurrent_requests_make_one_joint_order(api, sandbox, actx, identity_app, app_server):
    if not on_postgres(identity_app):
        pytest.skip("SQLite serialises writers on the whole file; row locks are tested on PostgreSQL")
    token = payer(api, sandbox, channel="wechat")
    ids = [pending_case(api, token)["id"] for _ in range(2)]
    n = 8
    barrier = threading.Barrier(n)
    answers: list = []

    def post(i: int):
        with requests.Session() as http:
            barrier.wait()
            resp = http.post(
                f"{app_server}{JOINT}",
                json={"case_ids": ids, "channel": "wechat"},
                # half repeat one key, half bring keys of their own: one order either way
                headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"joint-key-{i % 2 or i:04d}"},
                timeout=60,
            )
            answers.append((resp.status_code, resp.json()["joint"]["out_trade_no"] if resp.ok else resp.text))

    threads = [threading.Thread(target=post, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {status for status, _ in answers} == {200}, answers
    assert len({no for _, no in answers}) == 1
    assert count(JointOrder) == 1 and count(FeeOrder) == 2
