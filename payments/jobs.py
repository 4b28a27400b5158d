"""RQ jobs and event handlers of payments/: they take ids, re-load, re-check and delegate."""

from __future__ import annotations

from app.outbox import OutboxEvent
from payments import closing, refunds
from payments import reconcile as reconciliation


def on_case_closed(event: OutboxEvent) -> None:
    """case.reject / case.deny / case.withdraw: refund what was paid, close what is still open."""
    closing.refund_case(int(event.payload["case_id"]), reason=refunds.REASONS.get(event.event_type, "退还已缴费用"))


def send_refund(order_id: int) -> None:
    refunds.send(order_id)


def reconcile() -> dict:
    """Periodic (cron_config.py)."""
    return reconciliation.run()
