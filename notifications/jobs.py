"""RQ entry points of notifications (they take ids and delegate to notifications.dispatch)."""

from __future__ import annotations

from app.outbox import OutboxEvent
from notifications import dispatch


def on_event(event: OutboxEvent) -> None:
    """Outbox subscriber (app.events): create the event's messages, enqueue their sends."""
    dispatch.enqueue_sends(dispatch.handle_event(event.id))


def send(message_id: int) -> str:
    """Send one message (retried by rq Retry while dispatch.RetryLater is raised)."""
    return dispatch.send_message(message_id)


def send_batch(message_ids: list[int]) -> dict:
    """Send several messages, each with its own claim (dispatch.send_batch)."""
    return dispatch.send_batch(message_ids)


def sweep() -> dict:
    """Periodic repair (cron_config.py)."""
    return dispatch.sweep()
