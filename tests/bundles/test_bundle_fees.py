"""Fees of a bundle paid once (issue 18): the 职工退休一件事 for an early retirement on illness
includes 劳动能力鉴定 (300 元); one submit, one WeChat Pay order for the bundle through the
sandbox, the signed callback settles the fee member only, a duplicate callback changes nothing
(also concurrent ones on PostgreSQL), another citizen can neither pay nor see it."""

from __future__ import annotations

import threading
import uuid

import pytest

from payments.models import FeeOrder, OrderStatus, RawNotification
from tests.bundles.helpers import BUNDLES, ready, submit, view
from tests.catalog.bundleview import RETIREMENT, WORK_ABILITY, retirement_answers
from tests.dialect import on_postgres
from tests.identity.helpers import bearer
from tests.payments.conftest import wipe_payments
from tests.payments.helpers import case_status, count, events, joint_payment, payer
from tests.payments.test_notifications import WECHAT, post_wechat

FEE_FEN = 30000  # 劳动能力鉴定: 300 元
SICK = retirement_answers(retire_type="因病或非因工致残完全丧失劳动能力")


@pytest.fixture(autouse=True)
def _payments(_quiet, app):
    """No fee order of another test (torn down before the cases they name)."""
    wipe_payments(app)
    yield
    wipe_payments(app)


def pay_bundle(api, token: str, application_id: int, *, key: str | None = None):
    headers = bearer(token)
    headers["Idempotency-Key"] = key or uuid.uuid4().hex
    return api.post(f"{BUNDLES}/{application_id}/payment", json={"channel": "wechat"}, headers=headers)


def submitted_bundle(api, token: str) -> dict:
    body = ready(api, token, RETIREMENT, SICK)
    resp = submit(api, token, body["id"])
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def test_bundle_fee_paid_once_and_split_per_member(api, sandbox, actx):
    token = payer(api, sandbox)
    body = submitted_bundle(api, token)
    members = {m["service_code"]: m for m in body["members"]}
    assert WORK_ABILITY in members and len(members) >= 2
    assert body["fee_fen"] == FEE_FEN
    fee_case = members[WORK_ABILITY]["case_id"]
    free_cases = {m["case_id"]: m["status"] for code, m in members.items() if code != WORK_ABILITY}
    assert members[WORK_ABILITY]["status"] == "payment_pending"
    assert "payment_pending" not in free_cases.values()

    resp = pay_bundle(api, token, body["id"])
    assert resp.status_code == 200, resp.get_json()
    started = resp.get_json()
    joint = started["joint"]
    assert started["wechat"]  # wx.requestPayment parameters
    assert joint["amount_fen"] == FEE_FEN and joint["status"] == OrderStatus.PENDING
    assert [(line["case_id"], line["amount_fen"]) for line in joint["lines"]] == [(fee_case, FEE_FEN)]
    assert sorted(joint["skipped_case_ids"]) == sorted(free_cases)
    assert sorted(joint["case_ids"]) == sorted([fee_case, *free_cases])

    # the citizen pays in the sandbox; it signs the notification we receive
    order = sandbox.wechatpay.pay(joint["out_trade_no"])
    headers, notice = sandbox.wechatpay.transaction_notification(order)
    assert post_wechat(api, headers, notice).status_code == 204
    assert case_status(fee_case) != "payment_pending"
    assert {c: case_status(c) for c in free_cases} == free_cases
    assert len(events("case.pay", fee_case)) == 1
    paid = joint_payment(api, token, joint["out_trade_no"]).get_json()["joint"]
    assert paid["status"] == OrderStatus.PAID and paid["amount_fen"] == FEE_FEN
    assert [(line["case_id"], line["amount_fen"], line["status"]) for line in paid["lines"]] == [
        (fee_case, FEE_FEN, OrderStatus.PAID)
    ]
    assert count(FeeOrder, FeeOrder.status == OrderStatus.PAID) == 1
    seen = view(api, token, body["id"])
    after = {m["case_id"]: m["status"] for m in seen["members"]}

    # the provider repeats its notification: nothing moves, nothing is paid twice
    assert post_wechat(api, headers, notice).status_code == 204
    assert count(RawNotification, RawNotification.outcome == "duplicate") == 1
    assert len(events("case.pay", fee_case)) == 1
    assert count(FeeOrder, FeeOrder.status == OrderStatus.PAID) == 1
    assert {m["case_id"]: m["status"] for m in view(api, token, body["id"])["members"]} == after

    # paying the bundle again: nothing is due any more
    resp = pay_bundle(api, token, body["id"])
    assert resp.status_code == 409, resp.get_json()


def test_another_citizen_cannot_pay_or_see_the_bundle_fee(api, sandbox, actx):
    owner = payer(api, sandbox)
    other = payer(api, sandbox, name="陈云栖")
    body = submitted_bundle(api, owner)
    fee_case = next(m["case_id"] for m in body["members"] if m["service_code"] == WORK_ABILITY)

    resp = pay_bundle(api, other, body["id"])
    assert resp.status_code == 404, resp.get_json()
    assert api.get(f"{BUNDLES}/{body['id']}", headers=bearer(other)).status_code == 404
    assert count(FeeOrder) == 0

    joint = pay_bundle(api, owner, body["id"]).get_json()["joint"]
    assert joint_payment(api, other, joint["out_trade_no"]).status_code == 404
    # the other citizen's own bundle payment names none of the owner's cases
    resp = pay_bundle(api, other, body["id"], key="other-key-0001")
    assert resp.status_code == 404
    assert case_status(fee_case) == "payment_pending"
    assert joint_payment(api, owner, joint["out_trade_no"]).status_code == 200


def test_concurrent_duplicate_callbacks_settle_the_bundle_fee_once(api, sandbox, actx, identity_app):
    if not on_postgres(identity_app):
        pytest.skip("SQLite serialises writers on the whole file; row locks are tested on PostgreSQL")
    token = payer(api, sandbox)
    body = submitted_bundle(api, token)
    fee_case = next(m["case_id"] for m in body["members"] if m["service_code"] == WORK_ABILITY)
    joint = pay_bundle(api, token, body["id"]).get_json()["joint"]
    headers, notice = sandbox.wechatpay.transaction_notification(sandbox.wechatpay.pay(joint["out_trade_no"]))
    n = 8
    barrier = threading.Barrier(n)
    answers: list[int] = []

    def deliver():
        client = identity_app.test_client()
        barrier.wait()
        resp = client.post(WECHAT, data=notice.encode(), headers=headers, content_type="application/json")
        answers.append(resp.status_code)

    threads = [threading.Thread(target=deliver) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers == [204] * n
    assert case_status(fee_case) != "payment_pending"
    assert len(events("case.pay", fee_case)) == 1
    assert count(FeeOrder, FeeOrder.status == OrderStatus.PAID) == 1
    assert count(RawNotification, RawNotification.outcome == "paid") == 1
    assert count(RawNotification, RawNotification.outcome == "duplicate") == n - 1
