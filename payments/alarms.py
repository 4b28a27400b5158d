"""Payment alarms: something a person must look at (a notification that does not match our order,
a payment after its case stopped waiting, a refund the provider refused). Staff see and resolve
them (staff.py); `payment.alarm` tells the departments."""

from __future__ import annotations

import logging

from app import outbox
from app.cases import service as cases
from app.extensions import db
from payments.models import FeeOrder, PaymentAlarm

log = logging.getLogger(__name__)


def raise_alarm(
    kind: str, *, channel: str | None, order: FeeOrder | None, detail: dict, notification_id=None
) -> PaymentAlarm:
    """Record an alarm and emit `payment.alarm`, in the caller's transaction. The caller links it
    to its notification (`notification_id`) when that row is written after the alarm."""
    facts = cases.case_facts(order.case_id) if order is not None else None
    alarm = PaymentAlarm(
        kind=kind,
        channel=channel,
        order_id=order.id if order else None,
        notification_id=notification_id,
        detail=detail,
        case_id=facts["id"] if facts else None,
        department_code=facts["department_code"] if facts else None,
    )
    db.session.add(alarm)
    payload = {"kind": kind, "channel": channel, "detail": detail}
    if facts is not None:
        payload.update(
            account_id=facts["account_id"],
            case_id=facts["id"],
            case_number=facts["case_number"],
            service_name=facts["service_name"],
            out_trade_no=order.out_trade_no,
        )
    outbox.emit("payment.alarm", aggregate_type="fee_order", aggregate_id=order.id if order else 0, payload=payload)
    log.warning("payments: alarm %s", kind, extra={"order_id": order.id if order else None})
    return alarm
