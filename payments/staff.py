"""Staff side of payments, scoped to the staff member's department: the payment alarms about the
department's cases (an authentic notification that does not match our order, a payment after
the case stopped waiting for it, a refund the provider refused) and recording how each was
followed up. Alarms about no order of ours have no department: they stay in `payment_alarms` for
the platform's operators (and in the log). Every resolution is audited."""

from __future__ import annotations

import sqlalchemy as sa

from app.cases import service as cases
from app.extensions import db
from app.staff import service as staff
from payments.errors import AlarmAlreadyResolved, AlarmNotFound
from payments.models import FeeOrder, PaymentAlarm, utcnow

KIND_TEXT = {
    "mismatch": "通知与订单不符（金额或商户号）",
    "paid_late": "案件已不再待缴费时收到支付，已发起退款",
    "refund_failed": "退款失败",
}


def _row(alarm: PaymentAlarm, out_trade_no: str | None) -> dict:
    facts = cases.case_facts(alarm.case_id) if alarm.case_id is not None else None
    return {
        "id": alarm.id,
        "kind": alarm.kind,
        "kind_text": KIND_TEXT.get(alarm.kind, alarm.kind),
        "channel": alarm.channel,
        "case_id": alarm.case_id,
        "case_number": facts["case_number"] if facts else None,
        "out_trade_no": out_trade_no,
        "detail": alarm.detail,
        "created_at": alarm.created_at,
        "resolved_at": alarm.resolved_at,
        "resolution": alarm.resolution,
    }


def alarms_page(principal: staff.StaffPrincipal, *, state: str = "open", page: int = 1, page_size: int = 20) -> dict:
    """My department's payment alarms, newest first: open ones (default), resolved, or all."""
    where = [PaymentAlarm.department_code == principal.department_code]
    if state == "open":
        where.append(PaymentAlarm.resolved_at.is_(None))
    elif state == "resolved":
        where.append(PaymentAlarm.resolved_at.is_not(None))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(PaymentAlarm).where(*where)) or 0
    rows = db.session.execute(
        sa.select(PaymentAlarm, FeeOrder.out_trade_no)
        .outerjoin(FeeOrder, FeeOrder.id == PaymentAlarm.order_id)
        .where(*where)
        .order_by(PaymentAlarm.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    items = [_row(alarm, out_trade_no) for alarm, out_trade_no in rows]
    db.session.rollback()
    return {"items": items, "total": total, "page": page, "page_size": page_size}


def resolve(principal: staff.StaffPrincipal, alarm_id: int, note: str) -> dict:
    """Record how an alarm of my department was followed up (once; audited)."""
    alarm = db.session.scalar(
        sa.select(PaymentAlarm)
        .where(PaymentAlarm.id == alarm_id, PaymentAlarm.department_code == principal.department_code)
        .with_for_update()
    )
    if alarm is None:
        db.session.rollback()
        raise AlarmNotFound()
    if alarm.resolved_at is not None:
        db.session.rollback()
        raise AlarmAlreadyResolved()
    alarm.resolved_at = utcnow()
    alarm.resolved_by = principal.staff_id
    alarm.resolution = note.strip()
    staff.record(
        staff_id=principal.staff_id,
        department_code=principal.department_code,
        action="payment_alarm.resolve",
        target=str(alarm.id),
    )
    out_trade_no = db.session.scalar(sa.select(FeeOrder.out_trade_no).where(FeeOrder.id == alarm.order_id))
    row = _row(alarm, out_trade_no)
    db.session.commit()
    return row
