"""The outbox commit hook and savepoints (instant approval issues its result inside one, inside
the payment's transaction): releasing a savepoint is not the commit — nothing is enqueued or
marked dispatched before the real commit — and rolling one back keeps the outer events."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app import events, outbox
from app.extensions import db
from app.outbox import OutboxEvent
from app.worker import drain

SEEN: list[int] = []


def record(event: OutboxEvent) -> None:
    SEEN.append(event.id)


@pytest.fixture
def subscribed():
    SEEN.clear()
    events.subscribe("test.savepoint", f"{__name__}.record", name="test-savepoint")
    yield
    events._SUBSCRIBERS.pop("test-savepoint", None)


def _dispatched(event_id: int):
    db.session.expire_all()
    return db.session.scalar(sa.select(OutboxEvent.dispatched_at).where(OutboxEvent.id == event_id))


def test_a_released_savepoint_dispatches_nothing_before_the_commit(actx, subscribed):
    with db.session.begin_nested():
        inner = outbox.emit("test.savepoint", aggregate_type="t", aggregate_id=1, payload={})
    db.session.flush()
    assert drain() == 0 and SEEN == []
    db.session.commit()
    assert _dispatched(inner.id) is not None
    assert drain() == 1 and SEEN == [inner.id]


def test_a_rolled_back_savepoint_keeps_the_outer_events(actx, subscribed):
    outer = outbox.emit("test.savepoint", aggregate_type="t", aggregate_id=1, payload={})
    db.session.flush()
    nested = db.session.begin_nested()
    outbox.emit("test.savepoint", aggregate_type="t", aggregate_id=2, payload={})
    db.session.flush()
    nested.rollback()
    db.session.commit()
    assert _dispatched(outer.id) is not None
    drain()
    assert outer.id in SEEN
