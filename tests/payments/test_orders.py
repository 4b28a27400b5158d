"""Starting a payment: the same open order on a repeat, the caller's own cases only, channels
that need a linked payer, and nothing to pay for cases without a fee due."""

from __future__ import annotations

from payments.models import FeeOrder
from tests.cases.helpers import citizen, ready_draft, submit
from tests.identity.helpers import assert_error
from tests.payments.helpers import count, payer, payment, pending_case, start, started


def test_repeating_the_call_returns_the_same_open_order(api, sandbox, actx):
    token = payer(api, sandbox, channel="wechat")
    case = pending_case(api, token)
    first = started(api, token, case["id"], "wechat")
    second = started(api, token, case["id"], "wechat")
    assert first["order"]["out_trade_no"] == second["order"]["out_trade_no"]
    assert first["wechat"]["package"] == second["wechat"]["package"]  # the same prepay_id
    assert count(FeeOrder) == 1
    assert len([o for o in sandbox.wechatpay.orders.values() if o.out_trade_no == first["order"]["out_trade_no"]]) == 1
    shown = payment(api, token, case["id"]).get_json()
    assert [o["out_trade_no"] for o in shown["orders"]] == [first["order"]["out_trade_no"]]


def test_paid_case_refuses_another_payment(api, sandbox, actx):
    token = payer(api, sandbox, channel="wechat")
    case = pending_case(api, token)
    order = started(api, token, case["id"], "wechat")["order"]
    assert sandbox.wechatpay_pay(order["out_trade_no"])["notify_status"] == 204
    assert_error(start(api, token, case["id"], "wechat"), 409, "ALREADY_PAID")
    assert count(FeeOrder) == 1


def test_citizens_cannot_see_or_pay_for_others(api, sandbox, actx):
    owner = payer(api, sandbox, channel="wechat")
    case = pending_case(api, owner)
    started(api, owner, case["id"], "wechat")
    other = payer(api, sandbox, channel="wechat", name="陈云栖")
    assert_error(payment(api, other, case["id"]), 404, "APPLICATION_NOT_FOUND")
    assert_error(start(api, other, case["id"], "wechat"), 404, "APPLICATION_NOT_FOUND")
    assert count(FeeOrder) == 1
    # and the owner still sees theirs
    assert payment(api, owner, case["id"]).status_code == 200


def test_free_items_and_drafts_have_nothing_to_pay(api, sandbox, actx):
    token = citizen(api)
    draft = ready_draft(api, token)
    face = payer(api, sandbox, channel="wechat", name="王青山")
    assert submit(api, token, draft["id"]).status_code == 200  # a free item goes straight to submitted
    assert_error(start(api, token, draft["id"], "wechat"), 403, "STEP_UP_REQUIRED")
    fee_draft = ready_draft(api, face, code="1153992101967557720000107020001")
    assert_error(start(api, face, fee_draft["id"], "wechat"), 409, "NO_FEE_DUE")


def test_alipay_needs_an_alipay_identity(api, sandbox, actx):
    token = payer(api, sandbox, channel="wechat")
    case = pending_case(api, token)
    assert_error(start(api, token, case["id"], "alipay"), 422, "PAYER_NOT_LINKED")
    assert count(FeeOrder) == 0


def test_bad_channel_is_a_validation_error(api, sandbox, actx):
    token = payer(api, sandbox, channel="wechat")
    case = pending_case(api, token)
    resp = api.post(
        f"/api/v1/applications/{case['id']}/payment",
        json={"channel": "paypal", "extra": 1},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert resp.status_code == 422 and set(resp.get_json()["errors"]) == {"channel", "extra"}
