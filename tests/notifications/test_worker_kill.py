"""A real `rq worker` killed with SIGKILL in the middle of a send: the message is neither lost nor
sent twice. The sandbox holds the send request; the worker dies while it waits; the sandbox drops
the request of the dead sender; the lease runs out, the sweep hands the message to a new worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from app.extensions import db, redis_ext
from app.outbox import OutboxEvent
from app.worker import clear_queues
from notifications import dispatch, fanout
from notifications.models import Message, utcnow
from tests.cases.helpers import ready_draft, submit
from tests.notifications.helpers import messages, subscribe, wechat_citizen

ROOT = Path(__file__).resolve().parents[2]
LEASE = 6


def _worker(app, sandbox, *, burst: bool) -> subprocess.Popen:
    with app.app_context():
        url = redis_ext.url
        env = dict(
            os.environ,
            **sandbox.env(),
            REDIS_URL=url,
            DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
            NOTIFICATIONS_LEASE_SECONDS=str(LEASE),
            WECHAT_TIMEOUT="4",
        )
    args = [sys.executable, "-m", "rq.cli", "worker", "--worker-class", "app.worker.AppSimpleWorker"]
    args += ["--burst"] if burst else ["--with-scheduler"]
    args += ["--url", url, "notifications"]
    return subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_sigkill_mid_send_neither_loses_nor_duplicates(api, identity_app, sandbox):
    citizen = wechat_citizen(api)
    subscribe(api, citizen["token"])
    submit(api, citizen["token"], ready_draft(api, citizen["token"])["id"])
    with identity_app.app_context():
        clear_queues()  # this test runs the event job itself, the send job goes to the real worker
        event_id = db.session.scalar(sa.select(OutboxEvent.id).where(OutboxEvent.event_type == "case.submit"))
        (message_id,) = fanout.handle_event(event_id)
        assert dispatch.enqueue_sends([message_id])
        db.session.remove()
    sandbox.subscribe_hold(30)  # the send will wait in the sandbox until the sender is gone

    worker = _worker(identity_app, sandbox, burst=False)
    try:
        _wait(lambda: [r for r in sandbox.subscribe_received() if r["outcome"] == "processing"], 60, "the send")
        os.killpg(worker.pid, signal.SIGKILL)  # the worker, its scheduler: everything, mid-request
        worker.wait(10)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(10)
    _wait(lambda: sandbox.subscribe_received()[-1]["outcome"] == "aborted", 10, "the sandbox to drop the request")
    assert sandbox.subscribe_messages() == []
    (row,) = messages(identity_app, channel="wechat")
    assert (row["status"], row["attempts"]) == ("sending", 1)  # claimed by the dead worker

    # while the lease runs, the sweep leaves it alone
    with identity_app.app_context():
        assert dispatch.sweep()["requeued"] == 0
        db.session.remove()
    wait = (row["lease_until"] - utcnow()).total_seconds()
    time.sleep(max(wait, 0) + 0.5)
    with identity_app.app_context():
        assert dispatch.sweep()["requeued"] == 1
        db.session.remove()
    second = _worker(identity_app, sandbox, burst=True)
    out, _ = second.communicate(timeout=120)
    assert second.returncode == 0, out.decode(errors="replace")[-3000:]

    (row,) = messages(identity_app, channel="wechat")
    assert (row["status"], row["attempts"]) == ("sent", 2), row
    assert len(sandbox.subscribe_messages()) == 1
    assert [r["outcome"] for r in sandbox.subscribe_received()] == ["aborted", "delivered"]
    # nothing is left for anyone
    with identity_app.app_context():
        assert dispatch.sweep() == {"events": 0, "requeued": 0, "exhausted": 0}
        assert db.session.get(Message, message_id).lease_until is None
        db.session.remove()
