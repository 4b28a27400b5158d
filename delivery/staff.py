"""Staff side of delivery, scoped to the staff member's department (another department's
delivery is "not found"): the courier order queue (failed, being placed, awaiting a waybill),
retrying a failed order, typing the waybill for the hall courier, handing a result over at the
window against the pickup code (wrong codes counted per delivery, locked at
PICKUP_CODE_MAX_FAILURES), and the department's courier. Every change is audited."""

from __future__ import annotations

import hmac
import logging

import sqlalchemy as sa

from app import crypto
from app.cases import service as cases
from app.extensions import db
from app.staff import service as staff
from app.staff.public import StaffRole
from delivery import addresses, divisions, parcel_orders, parcels
from delivery.errors import DeliveryNotFound, DeliveryStateConflict, PickupCodeLocked, PickupCodeMismatch
from delivery.models import CourierConfig, Delivery, DeliveryParcel, DeliveryStatus, utcnow
from delivery.providers import DISPLAY, NAMES
from delivery.service import STATUS_TEXT, event_payload

log = logging.getLogger(__name__)
S = DeliveryStatus
QUEUE_STATES = (S.FAILED, S.ORDERING, S.AWAITING_WAYBILL)


def _actor(principal: staff.StaffPrincipal) -> str:
    return f"staff:{principal.staff_id}"


def _audit(principal: staff.StaffPrincipal, action: str, target: str, outcome: str = "ok") -> None:
    staff.record(
        staff_id=principal.staff_id,
        department_code=principal.department_code,
        action=action,
        target=target,
        outcome=outcome,
    )


def _row(delivery: Delivery, facts: dict) -> dict:
    parcel = parcels.summary(delivery)
    return {
        "id": delivery.id,
        "case_id": delivery.case_id,
        "case_number": facts["case_number"],
        "service_name": facts["service_name"],
        "method": delivery.method,
        "status": delivery.status,
        "status_text": STATUS_TEXT.get(delivery.status, delivery.status),
        "courier": delivery.courier,
        "order_id": parcel["order_id"] if parcel else delivery.order_id,
        "waybill_no": delivery.waybill_no,
        "order_attempts": delivery.order_attempts,
        "last_error": delivery.last_error,
        "updated_at": delivery.updated_at.isoformat() + "Z",
        "parcel": parcel,
    }


def queue(
    principal: staff.StaffPrincipal,
    department_code: str,
    *,
    status: str | None = None,
    page: int = 1,
    page_size: int = 20,
):
    """Courier orders of my department needing attention (failed first), or of one status."""
    states = (status,) if status else QUEUE_STATES
    where = (Delivery.department_code == department_code, Delivery.status.in_(states))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Delivery).where(*where))
    failed_first = sa.case((Delivery.status == S.FAILED, 0), else_=1)
    rows = db.session.scalars(
        sa.select(Delivery)
        .where(*where)
        .order_by(failed_first, Delivery.updated_at)
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    items = [_row(d, cases.case_facts(d.case_id)) for d in rows]
    return {"items": items, "total": total, "page": page, "page_size": page_size}


def _own(principal: staff.StaffPrincipal, delivery_id: int, *, lock: bool = True) -> Delivery:
    query = sa.select(Delivery).where(Delivery.id == delivery_id, Delivery.department_code == principal.department_code)
    if lock:
        query = query.with_for_update()
    delivery = db.session.scalar(query)
    if delivery is None or delivery.issued_at is None:
        raise DeliveryNotFound()
    return delivery


def _with_parcel(principal: staff.StaffPrincipal, delivery_id: int) -> tuple[Delivery, list[Delivery]]:
    """My department's delivery, locked, and the deliveries an action on it moves: itself, or
    every member of its parcel (the parcel locked first, then its members — the parcels.py order)."""
    parcel_id = db.session.scalar(
        sa.select(Delivery.parcel_id).where(
            Delivery.id == delivery_id, Delivery.department_code == principal.department_code
        )
    )
    parcel = parcels.lock_parcel(parcel_id) if parcel_id is not None else None
    delivery = _own(principal, delivery_id)
    if delivery.parcel_id != parcel_id:
        db.session.rollback()
        raise DeliveryStateConflict()
    return delivery, (parcels.members_of(parcel.id) if parcel is not None else [delivery])


def detail(principal: staff.StaffPrincipal, delivery_id: int) -> dict:
    """One delivery of my department with the recipient in full (to address a parcel; audited)."""
    delivery = _own(principal, delivery_id, lock=False)
    out = _row(delivery, cases.case_facts(delivery.case_id))
    out["recipient"] = None
    if delivery.contact:
        contact = addresses.unseal(delivery.contact)
        names = divisions.names(delivery.province_code, delivery.city_code, delivery.county_code)
        region = "".join(names.get(c, "") for c in (delivery.province_code, delivery.city_code, delivery.county_code))
        out["recipient"] = {
            "name": contact["recipient"],
            "mobile": contact["mobile"],
            "address": region + contact["detail"],
        }
    out["pickup_code_masked"] = crypto.mask_middle(delivery.pickup_code or "", keep_start=0, keep_end=2) or None
    out["pickup_locked"] = delivery.pickup_locked_at is not None
    _audit(principal, "delivery.read", str(delivery.id))
    db.session.commit()
    return out


def retry(principal: staff.StaffPrincipal, delivery_id: int) -> dict:
    """Place a failed courier order again (a fresh round of attempts)."""
    from delivery import jobs

    delivery, _ = _with_parcel(principal, delivery_id)
    if delivery.status != S.FAILED:
        db.session.rollback()
        raise DeliveryStateConflict(errors={"status": {"current": delivery.status}})
    if delivery.parcel_id is not None:  # the parcel's one order, for every member
        parcel_orders.retry(delivery.parcel_id)
        _audit(principal, "delivery.retry", str(delivery.id))
        db.session.commit()
        jobs.enqueue_parcel_order(delivery.parcel_id, round_=jobs.new_round())
        return _row(delivery, cases.case_facts(delivery.case_id))
    delivery.status = S.ORDERING
    delivery.order_attempts = 0
    delivery.updated_at = utcnow()
    _audit(principal, "delivery.retry", str(delivery.id))
    facts = cases.case_facts(delivery.case_id)
    db.session.commit()
    jobs.enqueue_order(delivery.id, round_=jobs.new_round())
    return _row(delivery, facts)


def enter_waybill(principal: staff.StaffPrincipal, delivery_id: int, *, waybill_no: str, courier_name: str) -> dict:
    """Hall courier: the parcel was handed to `courier_name` with `waybill_no` (also the way out
    of a failed order). The parcel counts as shipped."""
    delivery, moved = _with_parcel(principal, delivery_id)
    if delivery.method != "mail" or delivery.status not in (S.AWAITING_WAYBILL, S.FAILED):
        db.session.rollback()
        raise DeliveryStateConflict(errors={"status": {"current": delivery.status}})
    for member in moved:  # a parcel: every result in it shipped with the one waybill
        facts = cases.case_facts(member.case_id)
        member.courier = "hall"
        member.courier_name = courier_name
        member.waybill_no = waybill_no
        member.status = S.PICKED_UP
        member.last_error = None
        member.updated_at = utcnow()
        cases.record_step(
            member.case_id,
            "parcel_picked_up",
            actor=_actor(principal),
            note=f"办理结果已交{courier_name}寄递，运单号{waybill_no}",
            event_type="delivery.shipped",
            payload=event_payload(facts, member, stage=S.PICKED_UP),
        )
    _parcel_follows(delivery, courier="hall", courier_name=courier_name, waybill_no=waybill_no)
    _audit(principal, "delivery.waybill", str(delivery.id))
    db.session.commit()
    return _row(delivery, cases.case_facts(delivery.case_id))


def _parcel_follows(delivery: Delivery, **changes) -> None:
    """The parcel of `delivery` (locked) takes its status and the given changes."""
    if delivery.parcel_id is None:
        return
    parcel = db.session.get(DeliveryParcel, delivery.parcel_id)
    for name, value in changes.items():
        setattr(parcel, name, value)
    parcel.status, parcel.updated_at = delivery.status, utcnow()


def _finish(principal: staff.StaffPrincipal, delivery: Delivery, status: str, note: str) -> dict:
    facts = cases.case_facts(delivery.case_id)
    delivery.status = status
    delivery.delivered_at = delivery.updated_at = utcnow()
    cases.record_step(
        delivery.case_id,
        "parcel_delivered" if delivery.method == "mail" else "result_collected",
        actor=_actor(principal),
        note=note,
        event_type="delivery.delivered",
        payload=event_payload(facts, delivery, stage=status),
    )
    cases.conclude_on_delivery(delivery.case_id, actor=_actor(principal), note="办理结果已送达，办结")
    return _row(delivery, facts)


def collected(principal: staff.StaffPrincipal, delivery_id: int, *, pickup_code: str) -> dict:
    """The citizen collected the result at the window, showing the pickup code.

    Wrong codes are counted per delivery (under its row lock); at PICKUP_CODE_MAX_FAILURES the
    code is locked — no code is compared any more — and the citizen is told to have a new one
    issued (event `delivery.pickup_code_locked`)."""
    delivery = _own(principal, delivery_id)
    if delivery.method != "pickup" or delivery.status != S.PICKUP_READY:
        db.session.rollback()
        raise DeliveryStateConflict(errors={"status": {"current": delivery.status}})
    if delivery.pickup_locked_at is not None:
        db.session.rollback()
        _audit(principal, "delivery.collected", str(delivery_id), outcome="pickup_code_locked")
        db.session.commit()
        raise PickupCodeLocked()
    if not hmac.compare_digest((delivery.pickup_code or "").encode(), pickup_code.encode()):
        _wrong_code(principal, delivery)
    out = _finish(principal, delivery, S.COLLECTED, "申请人已到窗口领取办理结果")
    _audit(principal, "delivery.collected", str(delivery.id))
    db.session.commit()
    return out


def _wrong_code(principal: staff.StaffPrincipal, delivery: Delivery):
    """Count a wrong pickup code (commits) and raise: a mismatch, or the lock it just reached."""
    from flask import current_app

    limit = int(current_app.config.get("PICKUP_CODE_MAX_FAILURES", 5))
    delivery.pickup_failures = (delivery.pickup_failures or 0) + 1
    delivery.updated_at = utcnow()
    if delivery.pickup_failures < limit:
        _audit(principal, "delivery.collected", str(delivery.id), outcome="pickup_code_mismatch")
        db.session.commit()
        raise PickupCodeMismatch(
            errors={"json": {"pickup_code": ["取件码不正确"]}, "remaining_attempts": limit - delivery.pickup_failures}
        )
    delivery.pickup_locked_at = utcnow()
    facts = cases.case_facts(delivery.case_id)
    cases.record_step(
        delivery.case_id,
        "pickup_code_locked",
        actor=_actor(principal),
        note="取件码多次输入错误已失效，请在掌上办重新获取取件码",
        event_type="delivery.pickup_code_locked",
        payload=event_payload(facts, delivery, stage=S.PICKUP_READY),
    )
    _audit(principal, "delivery.collected", str(delivery.id), outcome="pickup_code_locked_now")
    db.session.commit()
    log.info("pickup code locked", extra={"delivery_id": delivery.id, "case_id": delivery.case_id})
    raise PickupCodeLocked()


def hall_delivered(principal: staff.StaffPrincipal, delivery_id: int) -> dict:
    """Hall courier: the courier reported the parcel signed for (no route feed to tell us)."""
    delivery, moved = _with_parcel(principal, delivery_id)
    if delivery.courier != "hall" or delivery.status != S.PICKED_UP:
        db.session.rollback()
        raise DeliveryStateConflict(errors={"status": {"current": delivery.status}})
    for member in moved:
        if member.id != delivery.id and member.status == S.PICKED_UP:
            _finish(principal, member, S.DELIVERED, "快件已签收（窗口登记）")
    out = _finish(principal, delivery, S.DELIVERED, "快件已签收（窗口登记）")
    _parcel_follows(delivery)
    _audit(principal, "delivery.delivered", str(delivery.id))
    db.session.commit()
    return out


def get_courier(principal: staff.StaffPrincipal, department_code: str) -> dict:
    from delivery.service import courier_for

    code = courier_for(department_code)
    return {"department_code": department_code, "courier": code, "name": DISPLAY.get(code, code)}


def set_courier(principal: staff.StaffPrincipal, department_code: str, courier: str) -> dict:
    """The courier my department mails results with (department heads)."""
    staff.require_role(principal, (StaffRole.DEPARTMENT_HEAD,))
    if courier not in NAMES:
        raise DeliveryStateConflict("未知的寄递方式")
    row = db.session.get(CourierConfig, department_code, with_for_update=True)
    if row is None:
        row = CourierConfig(department_code=department_code, courier=courier)
        db.session.add(row)
    row.courier = courier
    row.updated_by = _actor(principal)
    _audit(principal, "delivery.courier", courier)
    db.session.commit()
    return get_courier(principal, department_code)
