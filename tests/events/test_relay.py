"""The outbox relay (EVENTS_DISPATCH_ON_COMMIT off): commits leave their events pending and the
relay dispatches them in batches — each event's jobs once, also with several relays at a time on
PostgreSQL — and outlives a Redis outage."""

from __future__ import annotations

import threading

import pytest
import redis
from flask import current_app
from rq import Queue

from app import events
from app.extensions import db, redis_ext
from app.outbox import OutboxEvent
from app.queues import Queues
from app.worker import drain
from tests.events.test_dispatch import SEEN, _emit, subscribed  # noqa: F401

_REAL_ENQUEUE = events._enqueue


@pytest.fixture
def relay_mode(subscribed, monkeypatch):  # noqa: F811
    monkeypatch.setitem(current_app.config, "EVENTS_DISPATCH_ON_COMMIT", False)


def _pending(event_id: int) -> bool:
    db.session.expire_all()
    pending = db.session.get(OutboxEvent, event_id).dispatched_at is None
    db.session.rollback()
    return pending


def test_commit_leaves_the_event_to_the_relay(relay_mode):
    ping = _emit("test.ping")
    assert _pending(ping)
    assert drain() == 0 and SEEN == []  # nothing was enqueued at commit
    assert events.relay(once=True) == 1
    assert not _pending(ping)
    assert drain() == 2
    assert sorted(SEEN) == [("a", ping, "test.ping"), ("b", ping, "test.ping")]
    assert events.relay(once=True) == 0  # nothing twice


def test_relays_side_by_side_enqueue_every_event_once(relay_mode):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("several relays share the outbox through SKIP LOCKED (PostgreSQL); on SQLite run one")
    ids = [_emit("test.pong") for _ in range(240)]  # one subscriber: one job each
    app = current_app._get_current_object()
    start = threading.Barrier(3)
    counts: list[int] = []

    def relay() -> None:
        with app.app_context():
            start.wait()
            counts.append(events.relay(limit=15, once=True))
            db.session.remove()

    threads = [threading.Thread(target=relay) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(counts) == len(ids)
    assert Queue(Queues.DEFAULT, connection=redis_ext.client).count == len(ids)
    assert not any(_pending(i) for i in ids)
    assert drain() == len(ids)
    assert sorted(s[1] for s in SEEN) == ids


def test_the_relay_outlives_a_redis_outage(relay_mode, monkeypatch):
    def down(*args, **kwargs):
        raise redis.ConnectionError("redis is down")

    ping = _emit("test.ping")
    monkeypatch.setattr(events, "_enqueue", down)
    stop = threading.Event()
    threading.Timer(0.5, stop.set).start()
    assert events.relay(interval=0.05, stop=stop) == 0  # kept trying until told to stop
    assert _pending(ping)
    monkeypatch.setattr(events, "_enqueue", _REAL_ENQUEUE)  # Redis is back
    assert events.relay(once=True) == 1
    assert drain() == 2


def test_relay_command(relay_mode):
    _emit("test.ping")
    _emit("test.pong")
    result = current_app.test_cli_runner().invoke(args=["events", "relay", "--once"])
    assert result.exit_code == 0, result.output
    assert "2 event(s) dispatched" in result.output
    assert drain() == 3
