"""Case transitions end to end: a real move through the citizen or staff API → the outbox event →
the notification job → the WeChat subscribe message the sandbox received (template data, page)
and the inbox copy."""

from __future__ import annotations

from tests.cases.helpers import ready_draft, submit
from tests.identity.helpers import bearer
from tests.notifications.helpers import WX, inbox, messages, run_jobs, subscribe, wechat_citizen, wx_values
from tests.staff_api.helpers import act, staff_token

HUJI_NAME = "户籍证明开具"


def _wx(sandbox) -> list[dict]:
    return sandbox.subscribe_messages(limit=500)


def test_a_case_walk_sends_one_message_per_step(api, identity_app, sandbox):
    citizen = wechat_citizen(api)
    subscribe(api, citizen["token"])
    draft = ready_draft(api, citizen["token"])
    case = submit(api, citizen["token"], draft["id"]).get_json()
    assert case["status"] == "submitted"
    run_jobs(identity_app)
    clerk = staff_token(api, identity_app, department=case["department_code"], role="window_clerk")
    head = staff_token(api, identity_app, department=case["department_code"], role="department_head")
    assert act(api, clerk, case["id"], "accept").status_code == 200
    run_jobs(identity_app)
    assert act(api, clerk, case["id"], "request_correction", note="请补充清晰的身份证扫描件").status_code == 200
    run_jobs(identity_app)

    sent = _wx(sandbox)
    assert [wx_values(m)["phrase3"] for m in sent] == ["已提交", "已受理", "需补正"]
    first = sent[0]
    assert first["touser"] == citizen["openid"]
    assert first["template_id"] == WX["case_progress"]
    assert first["page"] == f"pages/cases/detail?id={case['id']}"
    assert wx_values(first) == {
        "character_string1": case["case_number"],
        "thing2": HUJI_NAME,
        "phrase3": "已提交",
        "thing4": "等待窗口受理",
    }
    assert wx_values(sent[2])["thing4"] == "请在小程序内补正材料"

    box = inbox(api, citizen["token"])
    assert box["total"] == 3 and box["unread"] == 3
    assert [m["event_type"] for m in box["items"]] == ["case.request_correction", "case.accept", "case.submit"]
    assert box["items"][2]["body"] == (
        f"您申请的{HUJI_NAME}（办件编号{case['case_number']}）已提交，请等待窗口受理。"
    )
    assert box["items"][2]["page"] == f"pages/cases/detail?id={case['id']}"
    # every message went out exactly once
    rows = messages(identity_app, channel="wechat")
    assert [r["status"] for r in rows] == ["sent"] * 3 and all(r["attempts"] == 1 for r in rows)
    # running the jobs again changes nothing
    run_jobs(identity_app)
    assert len(_wx(sandbox)) == 3
    del head
