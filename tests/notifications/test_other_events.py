"""Events of the packages built beside this one (payments, delivery, engagement): the outbox event
is written with the agreed payload shape (common brief: account_id, and case_id / case_number /
service_name where there is a case, plus the keys in notifications.templating.REQUIRED_KEYS) and
the message the sandbox received is checked, template data and all."""

from __future__ import annotations

import pytest

from app import outbox
from app.extensions import db
from tests.cases.helpers import ready_draft, submit
from tests.notifications.helpers import WX, inbox, messages, run_jobs, subscribe, wechat_citizen, wx_values

# What app/appointments emits (day + starts) and app/complaints (no complaint number).
APPOINTMENT = {
    "appointment_id": 7,
    "service_code": "1153992101967557720000111070001",
    "service_name": "户籍证明开具",
    "hall_name": "市民服务中心",
    "hall_address": "人民路1号",
    "window": "3 综合窗口",
    "day": "2026-12-07",
    "starts": "09:30",
    "checkin_code": "123456",
}
COMPLAINT = {
    "complaint_id": 3,
    "kind": "complaint",
    "kind_label": "投诉",
    "subject_name": "户籍证明开具",
    "department_code": "D1",
    "due_on": "2026-12-18",
}

# event type, payload keys beyond the common ones, template family, expected WeChat values
# (`{case}` = the case number, `{item}` = the service name), expected text in the inbox body.
CASES = [
    (
        "payment.refunded",
        {"amount_fen": 2000, "out_refund_no": "R1", "channel": "wechatpay"},
        "payment",
        {"amount3": "¥20.00", "phrase4": "已退款", "thing5": "款项原路退回，请注意查收"},
        "缴纳的¥20.00已退回原支付账户",
    ),
    (
        "payment.refund_failed",
        {"amount_fen": 2000, "channel": "alipay"},
        "payment",
        {"amount3": "¥20.00", "phrase4": "退款异常", "thing5": "工作人员将尽快处理"},
        "退款¥20.00暂未完成",
    ),
    (
        "delivery.pickup_ready",
        {"pickup_address": "市民服务中心一楼3号窗口", "pickup_hours": "工作日 9:00-17:00", "method": "pickup"},
        "delivery",
        {"phrase3": "待领取", "character_string4": "-", "thing5": "请携带身份证前往领取"},
        "领取地点：市民服务中心一楼3号窗口",
    ),
    (
        "delivery.shipped",
        {"courier": "sf", "waybill_no": "SF1234567890123", "method": "mail"},
        "delivery",
        {"phrase3": "已寄出", "character_string4": "SF1234567890123", "thing5": "请留意快递信息"},
        "已由顺丰速运寄出，运单号SF1234567890123",
    ),
    (
        "delivery.in_transit",
        {"waybill_no": "SF1234567890123"},
        "delivery",
        {"phrase3": "运输中", "character_string4": "SF1234567890123"},
        "正在运输中",
    ),
    (
        "delivery.out_for_delivery",
        {"waybill_no": "SF1234567890123"},
        "delivery",
        {"phrase3": "派送中", "thing5": "请保持电话畅通"},
        "正在派送",
    ),
    (
        "delivery.delivered",
        {"waybill_no": "SF1234567890123"},
        "delivery",
        {"phrase3": "已签收"},
        "已签收",
    ),
    (
        "delivery.exception",
        {"waybill_no": "SF1234567890123", "courier": "sf", "op_code": "33"},
        "delivery",
        {"phrase3": "配送异常", "thing5": "工作人员将与您联系"},
        "配送异常，运单号SF1234567890123",
    ),
    (
        "evaluation.followup_opened",
        {"evaluation_id": 11},
        "feedback",
        {"character_string1": "{case}", "thing2": "{item}", "phrase3": "回访中", "thing4": "工作人员将与您联系整改"},
        "15个工作日内回访",
    ),
    (
        "evaluation.replied",
        {"evaluation_id": 11},
        "feedback",
        {"phrase3": "已回复", "thing4": "请在小程序内查看回复"},
        "已有回复",
    ),
]

NO_CASE = [
    (
        "appointment.booked",
        APPOINTMENT,
        "appointment",
        {"thing1": "户籍证明开具", "time2": "2026-12-07 09:30", "thing3": "市民服务中心", "phrase4": "已预约"},
        "您已预约2026-12-07 09:30在市民服务中心办理户籍证明开具",
        "pages/appointments/detail?id=7",
    ),
    (
        "appointment.cancelled",
        APPOINTMENT,
        "appointment",
        {"phrase4": "已取消", "thing5": "如需办理可重新预约"},
        "的预约已取消",
        "pages/appointments/detail?id=7",
    ),
    (
        "appointment.reminder",
        APPOINTMENT,
        "appointment",
        {"phrase4": "即将开始", "thing5": "请按时携带材料到场"},
        "提醒：您预约2026-12-07 09:30",
        "pages/appointments/detail?id=7",
    ),
    (
        "complaint.received",
        COMPLAINT,
        "feedback",
        {"character_string1": "3", "thing2": "户籍证明开具", "phrase3": "已受理"},
        "您提交的投诉（户籍证明开具）已受理，我们将于2026-12-18前答复。",
        "pages/complaints/detail?id=3",
    ),
    (
        "complaint.answered",
        COMPLAINT,
        "feedback",
        {"phrase3": "已答复", "thing4": "请在小程序内查看答复"},
        "您提交的投诉（户籍证明开具）已答复，请在小程序内查看",
        "pages/complaints/detail?id=3",
    ),
]


def _emit(app, event_type: str, payload: dict) -> None:
    with app.app_context():
        outbox.emit(
            event_type, aggregate_type=event_type.split(".")[0], aggregate_id=payload.get("case_id", 0), payload=payload
        )
        db.session.commit()  # the commit hook enqueues the notification job
        db.session.remove()


@pytest.fixture
def citizen_case(api, identity_app):
    citizen = wechat_citizen(api)
    subscribe(api, citizen["token"])
    case = submit(api, citizen["token"], ready_draft(api, citizen["token"])["id"]).get_json()
    run_jobs(identity_app)
    return citizen, case


@pytest.mark.parametrize(("event_type", "extra", "family", "expected", "text"), CASES, ids=[c[0] for c in CASES])
def test_case_related_event(api, identity_app, sandbox, citizen_case, event_type, extra, family, expected, text):
    citizen, case = citizen_case
    before = len(sandbox.subscribe_messages(limit=500))
    payload = {
        "account_id": citizen["account_id"],
        "case_id": case["id"],
        "case_number": case["case_number"],
        "service_name": "户籍证明开具",
        **extra,
    }
    _emit(identity_app, event_type, payload)
    run_jobs(identity_app)
    sent = sandbox.subscribe_messages(limit=500)[before:]
    assert len(sent) == 1
    message = sent[0]
    assert message["template_id"] == WX[family] and message["touser"] == citizen["openid"]
    assert message["page"] == f"pages/cases/detail?id={case['id']}"
    values = wx_values(message)
    for key, value in expected.items():
        assert values[key] == value.format(case=case["case_number"], item="户籍证明开具"), key
    if "character_string1" in values and family != "feedback":
        assert values["character_string1"] == case["case_number"]
    latest = inbox(api, citizen["token"])["items"][0]
    assert latest["event_type"] == event_type and text in latest["body"]
    assert latest["case_id"] == case["id"]


@pytest.mark.parametrize(
    ("event_type", "payload", "family", "expected", "text", "page"), NO_CASE, ids=[c[0] for c in NO_CASE]
)
def test_event_without_a_case(api, identity_app, sandbox, event_type, payload, family, expected, text, page):
    citizen = wechat_citizen(api)
    subscribe(api, citizen["token"])
    _emit(identity_app, event_type, {"account_id": citizen["account_id"], **payload})
    run_jobs(identity_app)
    (message,) = sandbox.subscribe_messages(limit=500)
    assert message["template_id"] == WX[family] and message["page"] == page
    values = wx_values(message)
    for key, value in expected.items():
        assert values[key] == value, key
    (latest,) = inbox(api, citizen["token"])["items"]
    assert latest["event_type"] == event_type and text in latest["body"] and latest["case_id"] is None


def test_payment_alarm_is_not_for_the_citizen(api, identity_app, sandbox, citizen_case):
    citizen, case = citizen_case
    before = len(messages(identity_app))
    _emit(
        identity_app,
        "payment.alarm",
        {
            "account_id": citizen["account_id"],
            "case_id": case["id"],
            "case_number": case["case_number"],
            "kind": "amount_mismatch",
        },
    )
    run_jobs(identity_app)
    assert len(messages(identity_app)) == before
    assert [m["event_type"] for m in inbox(api, citizen["token"])["items"]] == ["case.submit"]


def test_missing_payload_keys_still_reach_the_inbox(api, identity_app, sandbox, citizen_case):
    citizen, case = citizen_case
    # no courier, no waybill: the message goes out with "-" in their place
    _emit(identity_app, "delivery.shipped", {"account_id": citizen["account_id"], "case_id": case["id"]})
    run_jobs(identity_app)
    message = sandbox.subscribe_messages(limit=500)[-1]
    values = wx_values(message)
    assert values["character_string1"] == case["case_number"]  # looked up from the case
    assert values["thing2"] == "户籍证明开具" and values["character_string4"] == "-"


def test_an_event_without_an_account_sends_nothing(identity_app, sandbox):
    _emit(identity_app, "complaint.received", {"complaint_id": 1, "complaint_number": "TS1"})
    run_jobs(identity_app)
    assert messages(identity_app) == [] and sandbox.subscribe_messages() == []
