"""The outbox dispatcher: events committed with a state change reach their subscribers through
RQ jobs, once per subscriber; events that could not be enqueued wait for the sweep."""

from __future__ import annotations

import pytest
import redis

from app import events, outbox
from app.extensions import db, redis_ext
from app.outbox import OutboxEvent
from app.worker import clear_queues, drain

SEEN: list[tuple[str, int, str]] = []


def record_a(event: OutboxEvent) -> None:
    SEEN.append(("a", event.id, event.event_type))


def record_b(event: OutboxEvent) -> None:
    SEEN.append(("b", event.id, event.event_type))


@pytest.fixture
def subscribed(ctx):
    clear_queues()
    SEEN.clear()
    saved = dict(events._SUBSCRIBERS)
    events._SUBSCRIBERS.clear()
    events.subscribe("test.*", f"{__name__}.record_a", name="test-a")
    events.subscribe("test.ping", f"{__name__}.record_b", name="test-b")
    yield
    events._SUBSCRIBERS.clear()
    events._SUBSCRIBERS.update(saved)
    clear_queues()


def _emit(event_type: str) -> int:
    row = outbox.emit(event_type, aggregate_type="test", aggregate_id=1, payload={})
    db.session.commit()
    return row.id


def test_commit_enqueues_one_job_per_subscriber(subscribed):
    ping = _emit("test.ping")
    pong = _emit("test.pong")
    other = _emit("other.thing")
    assert db.session.get(OutboxEvent, ping).dispatched_at is not None
    assert db.session.get(OutboxEvent, other).dispatched_at is not None  # nobody wanted it
    assert drain() == 3
    assert sorted(SEEN) == sorted([("a", ping, "test.ping"), ("b", ping, "test.ping"), ("a", pong, "test.pong")])


def test_a_rolled_back_event_is_never_delivered(subscribed):
    outbox.emit("test.ping", aggregate_type="test", aggregate_id=1, payload={})
    db.session.flush()
    db.session.rollback()
    _emit("other.thing")
    assert drain() == 0 and SEEN == []


def test_redis_down_leaves_events_for_the_sweep(subscribed, monkeypatch):
    def down(*args, **kwargs):
        raise redis.ConnectionError("redis is down")

    monkeypatch.setattr(events, "_enqueue", down)
    ping = _emit("test.ping")  # the commit itself succeeds
    assert db.session.get(OutboxEvent, ping).dispatched_at is None
    with pytest.raises(redis.ConnectionError):
        events.sweep()
    assert db.session.get(OutboxEvent, ping).dispatched_at is None
    monkeypatch.undo()
    assert events.sweep() >= 1
    db.session.expire_all()
    assert db.session.get(OutboxEvent, ping).dispatched_at is not None
    drain()
    assert sorted(SEEN) == [("a", ping, "test.ping"), ("b", ping, "test.ping")]
    assert redis_ext.client.ping()
