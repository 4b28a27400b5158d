"""The transactional outbox: domain events written in the same transaction as the state change
they describe, dispatched later (notifications/ reads `pending()` and marks rows dispatched).

A row is never written outside the caller's transaction: `emit` only adds it to the session, so
a rolled-back change leaves no event behind and a committed one always has its event.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class OutboxEvent(db.Model):
    """One domain event: what happened (`event_type`) to which aggregate, with its payload."""

    __tablename__ = "outbox_events"
    __table_args__ = (
        sa.Index("ix_outbox_events_pending", "dispatched_at", "id"),
        # the notifications sweep looks for recent events without messages by creation time
        sa.Index("ix_outbox_events_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_type: Mapped[str] = mapped_column(sa.String(64))
    aggregate_type: Mapped[str] = mapped_column(sa.String(32))
    aggregate_id: Mapped[str] = mapped_column(sa.String(64))
    payload: Mapped[dict] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(default=_utcnow)
    dispatched_at: Mapped[datetime | None] = mapped_column()


def emit(event_type: str, *, aggregate_type: str, aggregate_id: int | str, payload: dict) -> OutboxEvent:
    """Add an event to the current transaction (the caller commits). Payloads carry ids and
    codes, never personal data."""
    event = OutboxEvent(
        event_type=event_type,
        aggregate_type=aggregate_type,
        aggregate_id=str(aggregate_id),
        payload=payload,
    )
    db.session.add(event)
    return event


# Session.info key: (id, event_type) of the events written in the current transaction, for the
# commit hook in app/events.py (ORM-added events are collected there after each flush).
NEW_EVENTS = "zsb_new_events"
_TABLE = OutboxEvent.__table__
_INSERT_RETURNING_ID = sa.insert(_TABLE).returning(_TABLE.c.id)


def emit_now(event_type: str, *, aggregate_type: str, aggregate_id: int | str, payload: dict) -> int:
    """`emit` for hot paths: one Core INSERT in the current transaction, no unit of work; the
    event is dispatched after the commit exactly like an ORM-added one. Returns its id."""
    event_id = db.session.execute(
        _INSERT_RETURNING_ID,
        {
            "event_type": event_type,
            "aggregate_type": aggregate_type,
            "aggregate_id": str(aggregate_id),
            "payload": payload,
            "created_at": _utcnow(),
        },
    ).scalar_one()
    db.session.info.setdefault(NEW_EVENTS, []).append((event_id, event_type))
    return event_id


def pending(limit: int = 100) -> list[OutboxEvent]:
    """Undispatched events, oldest first."""
    return list(
        db.session.scalars(
            sa.select(OutboxEvent).where(OutboxEvent.dispatched_at.is_(None)).order_by(OutboxEvent.id).limit(limit)
        )
    )


def mark_dispatched(event_ids: list[int]) -> None:
    """Mark events dispatched (the caller commits)."""
    if event_ids:
        db.session.execute(sa.update(OutboxEvent).where(OutboxEvent.id.in_(event_ids)).values(dispatched_at=_utcnow()))


def events_for(aggregate_type: str, aggregate_id: int | str) -> list[OutboxEvent]:
    return list(
        db.session.scalars(
            sa.select(OutboxEvent)
            .where(OutboxEvent.aggregate_type == aggregate_type, OutboxEvent.aggregate_id == str(aggregate_id))
            .order_by(OutboxEvent.id)
        )
    )
