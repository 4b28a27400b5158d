"""Delivery semantics: consent consumption, refusals (43101), retries with backoff until success or
a terminal failure listed for staff, redelivered jobs, Redis down during a transition, a lost event
job repaired by the sweep, Alipay mini-program messages, and concurrent duplicates on PostgreSQL."""

from __future__ import annotations

import threading

import pytest
import redis
import sqlalchemy as sa

from app.cases import transitions
from app.events import sweep as outbox_sweep
from app.extensions import db
from app.outbox import OutboxEvent
from app.worker import clear_queues
from notifications import dispatch, fanout, sending
from notifications.models import Subscription
from tests.cases.helpers import ready_draft, submit
from tests.dialect import on_postgres
from tests.identity.helpers import bearer
from tests.notifications.helpers import (
    ALI,
    STAFF_BASE,
    WX,
    alipay_citizen,
    inbox,
    messages,
    run_jobs,
    subscribe,
    wechat_citizen,
    wx_values,
)
from tests.staff_api.helpers import act, other_department, staff_token

SEND_PATH = "/cgi-bin/message/subscribe/send"


def _submitted(api, citizen) -> dict:
    case = submit(api, citizen["token"], ready_draft(api, citizen["token"])["id"]).get_json()
    assert case["status"] == "submitted", case
    return case


def _outcomes(sandbox) -> list[str]:
    return [r["outcome"] for r in sandbox.subscribe_received(limit=500)]


def _subscription(app, account_id: int, template_id: str) -> dict:
    with app.app_context():
        sub = db.session.scalar(
            sa.select(Subscription).where(
                Subscription.account_id == account_id, Subscription.template_id == template_id
            )
        )
        out = {"remaining": sub.remaining, "active": sub.active, "kind": sub.kind}
        db.session.remove()
    return out


def test_one_time_consent_is_consumed_one_message_each(api, identity_app, sandbox):
    citizen = wechat_citizen(api)
    body = subscribe(api, citizen["token"], kind="one_time", templates=[WX["case_progress"]])
    subscribe(api, citizen["token"], kind="one_time", templates=[WX["case_progress"]])  # accepted twice: 2 messages
    assert body["items"][0]["remaining"] == 1
    case = _submitted(api, citizen)
    clerk = staff_token(api, identity_app, department=case["department_code"], role="window_clerk")
    act(api, clerk, case["id"], "accept")
    act(api, clerk, case["id"], "request_correction", note="请补充材料")
    run_jobs(identity_app)
    assert [wx_values(m)["phrase3"] for m in sandbox.subscribe_messages()] == ["已提交", "已受理"]
    wechat = messages(identity_app, channel="wechat")
    assert [(m["event_type"], m["status"], m["error_code"]) for m in wechat] == [
        ("case.submit", "sent", None),
        ("case.accept", "sent", None),
        ("case.request_correction", "skipped", "NO_CONSENT"),
    ]
    assert _subscription(identity_app, citizen["account_id"], WX["case_progress"])["remaining"] == 0
    assert inbox(api, citizen["token"])["total"] == 3  # the inbox carries every step


def test_without_consent_only_the_inbox_carries_it(api, identity_app, sandbox):
    citizen = wechat_citizen(api)
    subscribe(api, citizen["token"], kind="one_time", decision="reject")
    _submitted(api, citizen)
    run_jobs(identity_app)
    assert sandbox.subscribe_received() == []
    assert [m["status"] for m in messages(identity_app, channel="wechat")] == ["skipped"]
    assert inbox(api, citizen["token"])["unread"] == 1


def test_43101_is_recorded_not_retried_and_the_consent_stops(api, identity_app, sandbox):
    citizen = wechat_citizen(api)
    subscribe(api, citizen["token"], kind="long_term")
    sandbox.subscribe_error(43101, touser=citizen["openid"])
    case = _submitted(api, citizen)
    run_jobs(identity_app)
    assert _outcomes(sandbox) == ["errcode 43101"] and sandbox.subscribe_messages() == []
    (row,) = messages(identity_app, channel="wechat")
    assert (row["status"], row["error_code"], row["attempts"]) == ("failed", "43101", 1)
    assert _subscription(identity_app, citizen["account_id"], WX["case_progress"])["active"] is False
    assert inbox(api, citizen["token"])["items"][0]["event_type"] == "case.submit"
    # the next step is not sent on WeChat any more (until the citizen subscribes again)
    clerk = staff_token(api, identity_app, department=case["department_code"], role="window_clerk")
    act(api, clerk, case["id"], "accept")
    run_jobs(identity_app)
    assert _outcomes(sandbox) == ["errcode 43101"]
    assert messages(identity_app, channel="wechat")[1]["error_code"] == "NO_CONSENT"


@pytest.mark.parametrize("errcode", [40003, 47003, 40037])
def test_bad_data_errors_are_final(api, identity_app, sandbox, errcode):
    citizen = wechat_citizen(api)
    subscribe(api, citizen["token"])
    sandbox.subscribe_error(errcode)
    _submitted(api, citizen)
    run_jobs(identity_app)
    (row,) = messages(identity_app, channel="wechat")
    assert (row["status"], row["error_code"], row["attempts"]) == ("failed", str(errcode), 1)
    assert _outcomes(sandbox) == [f"errcode {errcode}"]


def test_busy_then_success(api, identity_app, sandbox):
    citizen = wechat_citizen(api)
    subscribe(api, citizen["token"])
    sandbox.subscribe_error(-1, times=2)
    _submitted(api, citizen)
    run_jobs(identity_app)
    assert _outcomes(sandbox) == ["errcode -1", "errcode -1", "delivered"]
    (row,) = messages(identity_app, channel="wechat")
    assert (row["status"], row["attempts"], row["error_code"]) == ("sent", 3, None)
    assert len(sandbox.subscribe_messages()) == 1


def test_http_5xx_then_success(api, identity_app, sandbox):
    citizen = wechat_citizen(api)
    subscribe(api, citizen["token"])
    sandbox.wechat_fail_next(http_status=502, path=SEND_PATH, body="<html>bad gateway</html>")
    _submitted(api, citizen)
    run_jobs(identity_app)
    (row,) = messages(identity_app, channel="wechat")
    assert (row["status"], row["attempts"]) == ("sent", 2)


def test_the_retry_waits_for_its_interval(api, identity_app, sandbox, monkeypatch):
    monkeypatch.setitem(identity_app.config, "NOTIFICATIONS_RETRY_INTERVALS", (60, 600))
    citizen = wechat_citizen(api)
    subscribe(api, citizen["token"])
    sandbox.subscribe_error(-1)
    _submitted(api, citizen)
    run_jobs(identity_app)  # no scheduler here: the retry waits in rq's scheduled registry
    (row,) = messages(identity_app, channel="wechat")
    assert (row["status"], row["attempts"], row["error_code"]) == ("pending", 1, "-1")
    delay = (row["next_attempt_at"] - row["created_at"]).total_seconds()
    assert 55 < delay < 70
    with identity_app.app_context():
        from rq import Queue

        from app.extensions import redis_ext

        queue = Queue("notifications", connection=redis_ext.client)
        assert queue.scheduled_job_registry.get_job_ids() == [f"notify-{row['id']}"]
        db.session.remove()


def test_retries_exhausted_end_failed_and_listed_for_the_department(api, identity_app, sandbox):
    citizen = wechat_citizen(api)
    subscribe(api, citizen["token"])
    sandbox.subscribe_error(-1, times=10)
    case = _submitted(api, citizen)
    run_jobs(identity_app)
    (row,) = messages(identity_app, channel="wechat")
    assert (row["status"], row["attempts"], row["error_code"]) == ("failed", 4, "-1")
    assert row["error"].startswith("retries exhausted after 4 attempts")
    assert _outcomes(sandbox) == ["errcode -1"] * 4
    assert inbox(api, citizen["token"])["total"] == 1
    # staff of the case's department see it; another department does not; citizens cannot ask
    mine = staff_token(api, identity_app, department=case["department_code"], role="window_clerk")
    resp = api.get(f"{STAFF_BASE}/notifications/failures", headers=mine)
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["total"] == 1
    item = body["items"][0]
    assert (item["case_number"], item["channel"], item["error_code"], item["attempts"]) == (
        case["case_number"],
        "wechat",
        "-1",
        4,
    )
    assert "recipient" not in item
    other = staff_token(
        api, identity_app, department=other_department(identity_app, case["department_code"]), role="department_head"
    )
    assert api.get(f"{STAFF_BASE}/notifications/failures", headers=other).get_json()["total"] == 0
    assert api.get(f"{STAFF_BASE}/notifications/failures", headers=bearer(citizen["token"])).status_code == 401
    assert api.get(f"{STAFF_BASE}/notifications/failures").status_code == 401
    bad = api.get(f"{STAFF_BASE}/notifications/failures?channel=fax", headers=mine)
    assert bad.status_code == 422


def test_a_redelivered_job_sends_nothing_twice(api, identity_app, sandbox):
    citizen = wechat_citizen(api)
    subscribe(api, citizen["token"], kind="one_time", templates=[WX["case_progress"]])
    _submitted(api, citizen)
    run_jobs(identity_app)
    (row,) = messages(identity_app, channel="wechat")
    with identity_app.app_context():
        event_id = row["event_id"]
        assert fanout.handle_event(event_id) == []  # the event job again: no rows, no consent taken
        assert sending.send_message(row["id"]) == "skipped"  # the send job again
        dispatch.enqueue_sends([row["id"]])
        db.session.remove()
    run_jobs(identity_app)
    assert len(sandbox.subscribe_messages()) == 1 and len(messages(identity_app)) == 2
    assert _subscription(identity_app, citizen["account_id"], WX["case_progress"])["remaining"] == 0


def _unreachable_redis(app, monkeypatch):
    state = app.extensions["redis"]
    monkeypatch.setitem(state, "client", redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2))


def test_redis_down_during_a_transition(api, identity_app, sandbox, monkeypatch):
    citizen = wechat_citizen(api)
    subscribe(api, citizen["token"])
    case = _submitted(api, citizen)
    run_jobs(identity_app)
    saved = identity_app.extensions["redis"]["client"]
    _unreachable_redis(identity_app, monkeypatch)
    with identity_app.app_context():
        locked = transitions.lock_case(case["id"])
        transitions.accept(locked, actor="staff:test")
        db.session.commit()  # the move commits although its event cannot be enqueued
        event = db.session.scalar(sa.select(OutboxEvent).where(OutboxEvent.event_type == "case.accept"))
        assert event.dispatched_at is None
        with pytest.raises(redis.ConnectionError):
            outbox_sweep()
        db.session.remove()
    identity_app.extensions["redis"]["client"] = saved  # Redis is back
    with identity_app.app_context():
        assert outbox_sweep() == 1
        db.session.remove()
    run_jobs(identity_app)
    assert [wx_values(m)["phrase3"] for m in sandbox.subscribe_messages()] == ["已提交", "已受理"]


def test_a_lost_event_job_and_a_lost_send_job_are_repaired_by_the_sweep(api, identity_app, sandbox, monkeypatch):
    monkeypatch.setitem(identity_app.config, "NOTIFICATIONS_SWEEP_GRACE", 0)
    citizen = wechat_citizen(api)
    subscribe(api, citizen["token"])
    _submitted(api, citizen)
    with identity_app.app_context():
        clear_queues()  # the event job is lost (Redis flushed, a worker crashed before it ran)
        assert dispatch.sweep()["events"] == 1  # rows created, send enqueued
        clear_queues()  # …and the send job is lost too
        assert messages(identity_app, channel="wechat")[0]["status"] == "pending"
        assert dispatch.sweep() == {"events": 0, "requeued": 1, "exhausted": 0}
        db.session.remove()
    run_jobs(identity_app)
    assert len(sandbox.subscribe_messages()) == 1
    with identity_app.app_context():
        assert dispatch.sweep() == {"events": 0, "requeued": 0, "exhausted": 0}
        db.session.remove()


def test_alipay_mini_program_messages(api, identity_app, sandbox):
    citizen = alipay_citizen(api)
    subscribe(api, citizen["token"], channel="alipay", kind="one_time", templates=[ALI["case_progress"]])
    case = _submitted(api, citizen)
    run_jobs(identity_app)
    (message,) = sandbox.alipay_messages()
    assert message["to_user_id"] == citizen["user_id"] and message["user_template_id"] == ALI["case_progress"]
    assert message["page"] == f"pages/cases/detail?id={case['id']}"
    assert message["data"] == {
        "keyword1": {"value": case["case_number"]},
        "keyword2": {"value": "户籍证明开具"},
        "keyword3": {"value": "已提交"},
        "keyword4": {"value": "等待窗口受理"},
    }
    assert sandbox.subscribe_received() == []  # no WeChat identity: nothing sent there
    # consent used up; a new one, then busy twice, then the refusal of a used-up consent
    subscribe(api, citizen["token"], channel="alipay", kind="one_time", templates=[ALI["case_progress"]])
    sandbox.alipay_message_error("isp.unknow-error", code="20000")
    clerk = staff_token(api, identity_app, department=case["department_code"], role="window_clerk")
    act(api, clerk, case["id"], "accept")
    run_jobs(identity_app)
    assert [r["outcome"] for r in sandbox.alipay_message_received()] == [
        "delivered",
        "20000 isp.unknow-error",
        "delivered",
    ]
    subscribe(api, citizen["token"], channel="alipay", kind="one_time", templates=[ALI["case_progress"]])
    sandbox.alipay_message_error("USER_UNSUBSCRIBED")
    act(api, clerk, case["id"], "request_correction", note="请补充")
    run_jobs(identity_app)
    rows = messages(identity_app, channel="alipay")
    assert [(r["status"], r["attempts"], r["error_code"]) for r in rows] == [
        ("sent", 1, None),
        ("sent", 2, None),
        ("failed", 1, "USER_UNSUBSCRIBED"),
    ]
    assert len(sandbox.alipay_messages()) == 2


def test_concurrent_runs_take_exactly_one_consent(api, identity_app, sandbox):
    if not on_postgres(identity_app):
        pytest.skip("row locks and unique-key races are proven on PostgreSQL")
    citizen = wechat_citizen(api)
    subscribe(api, citizen["token"], kind="one_time", templates=[WX["case_progress"]])
    subscribe(api, citizen["token"], kind="one_time", templates=[WX["case_progress"]])
    case = _submitted(api, citizen)
    with identity_app.app_context():
        clear_queues()
        event_id = db.session.scalar(sa.select(OutboxEvent.id).where(OutboxEvent.event_type == "case.submit"))
        db.session.remove()
    barrier = threading.Barrier(4)
    results = []

    def run():
        with identity_app.app_context():
            barrier.wait()
            results.append(fanout.handle_event(event_id))
            db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(len(r) for r in results) == [0, 0, 0, 1]  # one winner owns the send
    assert [m["channel"] for m in messages(identity_app)] == ["inbox", "wechat"]
    assert _subscription(identity_app, citizen["account_id"], WX["case_progress"])["remaining"] == 1
    with identity_app.app_context():
        dispatch.enqueue_sends([i for r in results for i in r])
        db.session.remove()
    run_jobs(identity_app)
    assert len(sandbox.subscribe_messages()) == 1
    del case


def test_a_refused_access_token_is_refreshed_once(api, identity_app, sandbox):
    citizen = wechat_citizen(api)
    subscribe(api, citizen["token"])
    _submitted(api, citizen)
    run_jobs(identity_app)  # the channel now holds a token
    fetches = sandbox.wechat_token_fetches()
    sandbox.expire_wechat_tokens(42001)
    case = messages(identity_app, channel="inbox")[0]
    clerk = staff_token(api, identity_app, department=case["department_code"], role="window_clerk")
    act(api, clerk, case["case_id"], "accept")
    run_jobs(identity_app)
    assert [wx_values(m)["phrase3"] for m in sandbox.subscribe_messages()] == ["已提交", "已受理"]
    assert sandbox.wechat_token_fetches() == fetches + 1
    rows = messages(identity_app, channel="wechat")
    assert [(r["status"], r["attempts"]) for r in rows] == [("sent", 1), ("sent", 1)]


def test_a_batch_job_sends_each_message_once_and_retries_only_the_failed_one(api, identity_app, sandbox, monkeypatch):
    monkeypatch.setitem(identity_app.config, "NOTIFICATIONS_RETRY_INTERVALS", (60, 600))
    monkeypatch.setitem(identity_app.config, "NOTIFICATIONS_SEND_BATCH", 10)
    citizens = [wechat_citizen(api, name=name) for name in ("林晓岚", "陈云栖", "王青山")]
    for citizen in citizens:
        subscribe(api, citizen["token"])
        _submitted(api, citizen)
    with identity_app.app_context():
        clear_queues()  # the event jobs are run here, their sends go out as one batch job
        event_ids = db.session.scalars(
            sa.select(OutboxEvent.id).where(OutboxEvent.event_type == "case.submit").order_by(OutboxEvent.id)
        ).all()
        ids = [i for e in event_ids for i in fanout.handle_event(e)]
        assert len(ids) == 3
        sandbox.subscribe_error(-1, times=1)  # the first send is busy once
        assert dispatch.enqueue_sends(ids)
        db.session.remove()
    assert run_jobs(identity_app) == 1  # one job for the three
    rows = {r["id"]: r for r in messages(identity_app, channel="wechat")}
    assert [(rows[i]["status"], rows[i]["attempts"]) for i in ids] == [("pending", 1), ("sent", 1), ("sent", 1)]
    assert len(sandbox.subscribe_messages()) == 2
    with identity_app.app_context():
        from rq import Queue
        from rq.job import Job

        from app.extensions import redis_ext

        queue = Queue("notifications", connection=redis_ext.client)
        # the failed one continues on its own, after its interval, with the one retry it has left
        assert queue.scheduled_job_registry.get_job_ids() == [f"notify-{ids[0]}"]
        job = Job.fetch(f"notify-{ids[0]}", connection=redis_ext.client)
        assert (job.retries_left, job.retry_intervals) == (1, [600])
        delay = (rows[ids[0]]["next_attempt_at"] - rows[ids[0]]["created_at"]).total_seconds()
        assert 55 < delay < 70
        # the batch redelivered: nothing is sent twice
        assert dispatch.send_batch(ids[1:]) == {"skipped": 2}
        assert sending.send_message(ids[0]) == "sent"  # its scheduled job, run now
        db.session.remove()
    assert len(sandbox.subscribe_messages()) == 3
    assert {(r["status"], r["attempts"]) for r in messages(identity_app, channel="wechat")} == {
        ("sent", 1),
        ("sent", 2),
    }
