"""Staff follow up payment alarms of their own department: listed for its staff only, resolved
once by a reviewer or head with a note (audited); another department, a window clerk, a citizen
or nobody cannot."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.staff.models import StaffAction
from payments.models import PaymentAlarm
from tests.identity.helpers import bearer
from tests.payments.helpers import count, payer, pending_case, started
from tests.staff_api.helpers import other_department, staff_token

ALARMS = "/staff/api/v1/payments/alarms"


def _mismatched_callback(api, sandbox) -> tuple[dict, str, str]:
    """A citizen's token, their case and order; an authentic WeChat Pay callback for 1 fen less
    than the fee has been received (an alarm, nothing paid)."""
    token = payer(api, sandbox, channel="wechat")
    case = pending_case(api, token)
    out_trade_no = started(api, token, case["id"], "wechat")["order"]["out_trade_no"]
    order = sandbox.wechatpay.pay(out_trade_no)
    resource = order.transaction()
    resource["amount"] = {**resource["amount"], "total": resource["amount"]["total"] - 1}
    headers, body = sandbox.wechatpay.notification("TRANSACTION.SUCCESS", resource)
    resp = api.post("/payments/notify/wechat", data=body.encode(), headers=headers, content_type="application/json")
    assert resp.status_code == 204
    return case, out_trade_no, token


def test_alarms_are_listed_for_the_department_and_resolved_once(api, sandbox, actx, identity_app):
    case, out_trade_no, citizen = _mismatched_callback(api, sandbox)
    department = case["department_code"]
    clerk = staff_token(api, identity_app, department=department, role="window_clerk")
    reviewer = staff_token(api, identity_app, department=department, role="reviewer")
    stranger = staff_token(
        api, identity_app, department=other_department(identity_app, department), role="department_head"
    )

    listed = api.get(ALARMS, headers=clerk)
    assert listed.status_code == 200, listed.get_json()
    body = listed.get_json()
    assert body["total"] == 1
    (item,) = body["items"]
    assert (item["kind"], item["channel"], item["case_id"], item["out_trade_no"]) == (
        "mismatch",
        "wechat",
        case["id"],
        out_trade_no,
    )
    assert item["case_number"] == case["case_number"] and item["kind_text"]
    assert item["detail"]["amount_fen"] == {"ours": 2000, "theirs": 1999}
    assert item["resolved_at"] is None
    # the other direction: another department sees nothing and cannot resolve it
    assert api.get(ALARMS, headers=stranger).get_json()["total"] == 0
    resolve = f"{ALARMS}/{item['id']}/resolve"
    note = {"note": "已联系微信支付核实，金额不符，订单保持待支付"}
    refused = api.post(resolve, json=note, headers=stranger)
    assert (refused.status_code, refused.get_json()["error"]) == (404, "PAYMENT_ALARM_NOT_FOUND")
    # a window clerk may look but not resolve; citizens and anonymous callers get nothing
    assert api.post(resolve, json=note, headers=clerk).status_code == 403
    assert api.get(ALARMS, headers=bearer(citizen)).status_code == 401
    assert api.get(ALARMS).status_code == 401
    # bad input changes nothing
    for bad in ({"note": "  "}, {}, {"note": "好", "extra": 1}):
        resp = api.post(resolve, json=bad, headers=reviewer)
        assert resp.status_code == 422, (bad, resp.get_json())
        assert resp.get_json()["message"]
    assert api.get(f"{ALARMS}?state=maybe", headers=clerk).status_code == 422
    assert count(PaymentAlarm, PaymentAlarm.resolved_at.is_not(None)) == 0

    done = api.post(resolve, json=note, headers=reviewer)
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["resolution"] == note["note"] and done.get_json()["resolved_at"]
    again = api.post(resolve, json=note, headers=reviewer)
    assert (again.status_code, again.get_json()["error"]) == (409, "PAYMENT_ALARM_RESOLVED")
    assert api.get(ALARMS, headers=clerk).get_json()["total"] == 0  # open ones by default
    resolved = api.get(f"{ALARMS}?state=resolved", headers=clerk).get_json()
    assert [i["id"] for i in resolved["items"]] == [item["id"]]
    audited = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(StaffAction)
        .where(StaffAction.action == "payment_alarm.resolve", StaffAction.target == str(item["id"]))
    )
    db.session.rollback()
    assert audited == 1
