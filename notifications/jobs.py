"""RQ entry points of notifications that are not their own function: the outbox subscriber and
the sweep (cron_config.py). The send jobs are `notifications.sending.send_message` and
`notifications.dispatch.send_batch` themselves (enqueued by dispatch.enqueue_sends)."""

from __future__ import annotations

from app.outbox import OutboxEvent
from notifications import dispatch, fanout, sending


def on_event(event: OutboxEvent) -> None:
    """Outbox subscriber (app.events): create the event's messages, enqueue their sends."""
    dispatch.enqueue_sends(fanout.handle_event(event.id))


# The send jobs' former names: jobs enqueued under them before the change still run.
def send(message_id: int) -> str:
    return sending.send_message(message_id)


def send_batch(message_ids: list[int]) -> dict:
    return dispatch.send_batch(message_ids)


def sweep() -> dict:
    """Periodic repair (cron_config.py)."""
    return dispatch.sweep()
