"""The outbox commit hook and savepoints: instant approval issues the result inside a savepoint;
releasing it must not dispatch `case.result_issued` (now subscribed by delivery/) before the
real commit — the job would run before the rows are visible, and SQLite would lock."""

from __future__ import annotations

from rq import Queue

from app import events, outbox
from app.extensions import db, redis_ext
from app.outbox import OutboxEvent
from app.queues import Queues


def test_events_written_in_a_savepoint_are_dispatched_at_the_real_commit(identity_app):
    with identity_app.app_context():
        queue = Queue(Queues.DEFAULT, connection=redis_ext.client)
        with db.session.begin_nested():
            event = outbox.emit("case.result_issued", aggregate_type="case", aggregate_id=0, payload={"case_id": 0})
        event_id = event.id
        assert queue.count == 0  # released savepoint: nothing enqueued yet
        db.session.commit()
        # one job per subscriber of the event (delivery/ among them), all enqueued at the commit
        subscribers = [s for s in events.subscribers_for("case.result_issued") if s.queue == Queues.DEFAULT]
        assert "delivery" in {s.name for s in subscribers}
        assert sorted(queue.job_ids) == sorted(events.job_id(event_id, s.name) for s in subscribers)
        assert db.session.get(OutboxEvent, event_id).dispatched_at is not None
        db.session.remove()
