"""The citizen API: recording consents, the inbox (paginated, unread count, mark read), and that a
citizen sees and touches only their own messages."""

from __future__ import annotations

from tests.cases.helpers import ready_draft, submit
from tests.identity.helpers import assert_error, bearer
from tests.notifications.helpers import ALI, WX, inbox, messages, run_jobs, subscribe, wechat_citizen
from tests.staff_api.helpers import act, staff_token

SUBS = "/api/v1/subscriptions"


def _steps(api, app, citizen, *, n: int) -> dict:
    """A case with n notified steps (submit, accept, then corrections and resubmits)."""
    token = citizen["token"]
    case = submit(api, token, ready_draft(api, token)["id"]).get_json()
    clerk = staff_token(api, app, department=case["department_code"], role="window_clerk")
    moves = ["accept", "request_correction"]
    for i in range(n - 1):
        move = moves[i % 2] if i < 2 else ("resubmit" if i % 2 == 0 else "request_correction")
        if move == "resubmit":
            assert submit(api, token, case["id"]).status_code == 200
        else:
            assert act(api, clerk, case["id"], move, note="请补充").status_code == 200
    run_jobs(app)
    return case


def test_record_one_time_and_long_term_consents(api, identity_app):
    citizen = wechat_citizen(api)
    token = citizen["token"]
    body = subscribe(api, token, kind="one_time", templates=[WX["case_progress"], WX["payment"]])
    assert {(i["template_id"], i["remaining"], i["active"]) for i in body["items"]} == {
        (WX["case_progress"], 1, True),
        (WX["payment"], 1, True),
    }
    resp = api.post(
        SUBS,
        json={"channel": "wechat", "results": {WX["case_progress"]: "accept", WX["payment"]: "reject"}},
        headers=bearer(token),
    )
    items = {i["template_id"]: i for i in resp.get_json()["items"]}
    assert items[WX["case_progress"]]["remaining"] == 2 and items[WX["payment"]]["remaining"] == 0
    body = subscribe(api, token, channel="alipay", kind="long_term", templates=[ALI["delivery"]])
    assert body["items"] == [
        {
            "channel": "alipay",
            "template_id": ALI["delivery"],
            "kind": "long_term",
            "remaining": None,
            "active": True,
            "updated_at": body["items"][0]["updated_at"],
        }
    ]
    listed = api.get(SUBS, headers=bearer(token)).get_json()["items"]
    assert len(listed) == 3


def test_bad_consents_change_nothing(api, identity_app):
    citizen = wechat_citizen(api)
    token = citizen["token"]
    cases = [
        {"channel": "wechat", "results": {"not-our-template": "accept"}},
        {"channel": "wechat", "results": {ALI["case_progress"]: "accept"}},  # an Alipay id on WeChat
        {"channel": "sms", "results": {WX["case_progress"]: "accept"}},
        {"channel": "wechat", "results": {WX["case_progress"]: "maybe"}},
        {"channel": "wechat", "results": {}},
        {"channel": "wechat", "kind": "forever", "results": {WX["case_progress"]: "accept"}},
        {"channel": "wechat", "results": {WX["case_progress"]: "accept"}, "extra": 1},
    ]
    for body in cases:
        resp = api.post(SUBS, json=body, headers=bearer(token))
        assert resp.status_code == 422, (body, resp.get_json())
    assert assert_error(api.post(SUBS, json=cases[0], headers=bearer(token)), 422, "UNKNOWN_TEMPLATE")
    assert api.get(SUBS, headers=bearer(token)).get_json()["items"] == []
    assert api.post(SUBS, json={"channel": "wechat", "results": {WX["payment"]: "accept"}}).status_code == 401


def test_inbox_pages_unread_and_read(api, identity_app):
    citizen = wechat_citizen(api)
    _steps(api, identity_app, citizen, n=5)
    token = citizen["token"]
    first = inbox(api, token, page=1, page_size=2)
    assert (first["total"], first["unread"], first["page"], first["page_size"]) == (5, 5, 1, 2)
    assert len(first["items"]) == 2
    last = inbox(api, token, page=3, page_size=2)
    assert [i["event_type"] for i in last["items"]] == ["case.submit"]
    ids = [i["id"] for i in inbox(api, token, page_size=10)["items"]]
    assert ids == sorted(ids, reverse=True)

    resp = api.post(f"/api/v1/messages/{ids[0]}/read", headers=bearer(token))
    assert resp.status_code == 200 and resp.get_json()["read"] is True
    read_at = resp.get_json()["read_at"]
    again = api.post(f"/api/v1/messages/{ids[0]}/read", headers=bearer(token)).get_json()
    assert again["read_at"] == read_at  # reading twice keeps the first time
    assert inbox(api, token)["unread"] == 4
    assert inbox(api, token, unread_only="true")["total"] == 4

    resp = api.post("/api/v1/messages/read-all", headers=bearer(token))
    assert resp.get_json() == {"updated": 4, "unread": 0}
    assert inbox(api, token)["unread"] == 0 and inbox(api, token)["total"] == 5
    assert api.get("/api/v1/messages?page_size=500", headers=bearer(token)).status_code == 422
    assert api.get("/api/v1/messages?colour=red", headers=bearer(token)).status_code == 422


def test_a_citizen_sees_only_their_own_messages(api, identity_app):
    mine = wechat_citizen(api)
    theirs = wechat_citizen(api, name="陈云栖")
    _steps(api, identity_app, mine, n=2)
    _steps(api, identity_app, theirs, n=1)
    assert inbox(api, mine["token"])["total"] == 2
    other = inbox(api, theirs["token"])
    assert other["total"] == 1 and other["unread"] == 1
    their_id = other["items"][0]["id"]
    resp = api.post(f"/api/v1/messages/{their_id}/read", headers=bearer(mine["token"]))
    assert_error(resp, 404, "MESSAGE_NOT_FOUND")
    api.post("/api/v1/messages/read-all", headers=bearer(mine["token"]))
    assert inbox(api, theirs["token"])["unread"] == 1  # untouched
    assert api.get("/api/v1/messages").status_code == 401
    # provider rows are not inbox items: their ids are not readable either
    wechat_ids = [m["id"] for m in messages(identity_app, channel="wechat")]
    for message_id in wechat_ids:
        assert api.post(f"/api/v1/messages/{message_id}/read", headers=bearer(mine["token"])).status_code == 404
