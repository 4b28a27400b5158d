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
    assert box["items"][2]["body"] == (f"您申请的{HUJI_NAME}（办件编号{case['case_number']}）已提交，请等待窗口受理。")
    assert box["items"][2]["page"] == f"pages/cases/detail?id={case['id']}"
    # every message went out exactly once
    rows = messages(identity_app, channel="wechat")
    assert [r["status"] for r in rows] == ["sent"] * 3 and all(r["attempts"] == 1 for r in rows)
    # running the jobs again changes nothing
    run_jobs(identity_app)
    assert len(_wx(sandbox)) == 3
    del head


def _staff(api, app, case):
    dept = case["department_code"]
    return (
        staff_token(api, app, department=dept, role="window_clerk"),
        staff_token(api, app, department=dept, role="department_head"),
    )


def _phrases(sandbox) -> list[str]:
    return [wx_values(m)["phrase3"] for m in _wx(sandbox)]


def test_correction_resubmit_approve_result_and_conclude(api, identity_app, sandbox):
    citizen = wechat_citizen(api)
    subscribe(api, citizen["token"])
    case = submit(api, citizen["token"], ready_draft(api, citizen["token"])["id"]).get_json()
    clerk, head = _staff(api, identity_app, case)
    assert act(api, clerk, case["id"], "request_correction", note="请核对表单").status_code == 200
    resp = submit(api, citizen["token"], case["id"])  # resubmit after the correction
    assert resp.status_code == 200 and resp.get_json()["status"] == "submitted", resp.get_json()
    assert act(api, clerk, case["id"], "accept").status_code == 200
    assert act(api, head, case["id"], "approve").status_code == 200
    assert act(api, head, case["id"], "conclude").status_code == 200
    run_jobs(identity_app)
    # 户籍证明 also has a paper result: no mail-out chosen, so it waits at the hall (delivery/)
    phrases = _phrases(sandbox)
    assert phrases[:6] == ["已提交", "需补正", "已重新提交", "已受理", "已批准", "结果已出具"]
    assert sorted(phrases[6:]) == sorted(["已办结", "待领取"])
    by_type = {m["event_type"]: m for m in inbox(api, citizen["token"], page_size=50)["items"]}
    assert set(by_type) == {
        "case.submit",
        "case.request_correction",
        "case.resubmit",
        "case.accept",
        "case.approve",
        "case.result_issued",
        "case.conclude",
        "delivery.pickup_ready",
    }
    result = wx_values(_wx(sandbox)[5])
    assert result["thing4"] == "请在卡包查看电子证照"  # 户籍证明 is issued as an e-licence
    assert "电子证照「户籍证明」已存入您的卡包" in by_type["case.result_issued"]["body"]


def test_reject_deny_and_withdraw(api, identity_app, sandbox):
    citizen = wechat_citizen(api)
    subscribe(api, citizen["token"])
    token = citizen["token"]
    rejected = submit(api, token, ready_draft(api, token)["id"]).get_json()
    denied = submit(api, token, ready_draft(api, token)["id"]).get_json()
    withdrawn = submit(api, token, ready_draft(api, token)["id"]).get_json()
    clerk, head = _staff(api, identity_app, rejected)
    assert act(api, clerk, rejected["id"], "reject", note="不属于本部门受理范围").status_code == 200
    assert act(api, clerk, denied["id"], "accept").status_code == 200
    assert act(api, head, denied["id"], "deny", note="不符合条件").status_code == 200
    resp = api.post(f"/api/v1/applications/{withdrawn['id']}/withdraw", headers=bearer(token))
    assert resp.status_code == 200, resp.get_json()
    run_jobs(identity_app)
    by_case = {}
    for m in _wx(sandbox):
        by_case.setdefault(wx_values(m)["character_string1"], []).append(wx_values(m)["phrase3"])
    assert by_case == {
        rejected["case_number"]: ["已提交", "不予受理"],
        denied["case_number"]: ["已提交", "已受理", "不予许可"],
        withdrawn["case_number"]: ["已提交", "已撤回"],
    }
    deny = next(m for m in _wx(sandbox) if wx_values(m)["phrase3"] == "不予许可")
    assert wx_values(deny)["thing4"] == "查看原因，可依法申请复议"


def test_instant_approval_result_and_revoke(api, identity_app, sandbox):
    from tests.staff_api.test_journeys import _allowance_draft

    token, draft = _allowance_draft(api, identity_app, name="钱桂芳")
    from tests.identity.helpers import me

    subscribe(api, token)
    case = submit(api, token, draft["id"]).get_json()
    assert case["status"] == "approved"
    head = staff_token(api, identity_app, department=case["department_code"], role="department_head")
    assert act(api, head, case["id"], "revoke", note="承诺不实").status_code == 200
    run_jobs(identity_app)
    values = [wx_values(m) for m in _wx(sandbox)]
    assert [v["phrase3"] for v in values] == ["已提交", "已批准", "结果已出具", "已撤销"]
    assert values[1]["thing2"] == "高龄津贴申领" and values[1]["character_string1"] == case["case_number"]
    assert values[2]["thing4"] == "请在小程序内查看办理结果"  # no e-licence for the allowance
    assert {m["touser"] for m in _wx(sandbox)} == {messages(identity_app, channel="wechat")[0]["recipient"]}
    assert inbox(api, token)["total"] == 4
    assert me(api, token)["account_id"] == messages(identity_app, channel="inbox")[0]["account_id"]


def test_fee_due_and_paid(api, identity_app, sandbox):
    from app.cases import service as cases
    from app.extensions import db
    from tests.cases.helpers import ID_RENEWAL
    from tests.identity.helpers import face_pass

    citizen = wechat_citizen(api)
    token = face_pass(api, sandbox, citizen["token"], channel="wechat")["access_token"]
    subscribe(api, token)
    case = submit(api, token, ready_draft(api, token, code=ID_RENEWAL)["id"]).get_json()
    assert case["status"] == "payment_pending", case
    with identity_app.app_context():
        fee = cases.case_facts(case["id"])["fee_fen"]
        assert fee > 0
        assert cases.mark_paid(case["id"], actor="payments:wechatpay", payload={"amount_fen": fee})
        db.session.commit()
        db.session.remove()
    run_jobs(identity_app)
    due, paid = _wx(sandbox)
    assert due["template_id"] == WX["payment"]
    amount = f"¥{fee / 100:.2f}"
    assert wx_values(due) == {
        "character_string1": case["case_number"],
        "thing2": "居民身份证换领",
        "amount3": amount,
        "phrase4": "待缴费",
        "thing5": "请在小程序内完成缴费",
    }
    assert wx_values(paid)["phrase4"] == "已缴费" and wx_values(paid)["amount3"] == amount
