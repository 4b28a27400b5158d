"""Delivery choice per application and what happens when the result is issued.

The citizen chooses mail (to one of their addresses) or pickup, among the item's delivery
options, and may change it until the result is issued. When `case.result_issued` arrives the
choice is fixed: pickup gets a pickup code with the hall's address and hours (the guide's
办理地点 / 办理时间); mail copies the address into the delivery and either places a courier
order (a job, tracking.place_order) or, for the hall courier, waits for staff to type the
waybill number. A case of another person is "not found".
"""

from __future__ import annotations

import logging
import secrets

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.cases import service as cases
from app.cases.public import FINAL, CaseStatus
from app.cases.queue import CHINA
from app.catalog import service as catalog
from app.catalog.errors import ServiceNotFound
from app.extensions import db
from app.identity.tokens import Principal
from delivery import addresses, divisions, parcels
from delivery.errors import DeliveryLocked, DeliveryOptionUnavailable, DeliveryStateConflict
from delivery.models import CourierConfig, Delivery, DeliveryStatus, utcnow
from delivery.providers import DISPLAY

log = logging.getLogger(__name__)
S = DeliveryStatus
ACTOR = "system:delivery"

STATUS_TEXT = {
    S.CHOSEN: "待出具结果",
    S.ORDERING: "正在安排寄递",
    S.AWAITING_WAYBILL: "待窗口交寄",
    S.WAITING_PARCEL: "已出具，待同批其他结果一并寄出",
    S.FAILED: "寄递下单失败，工作人员处理中",
    S.ORDERED: "已下单，待快递员揽收",
    S.PICKED_UP: "已揽收",
    S.IN_TRANSIT: "运输中",
    S.OUT_FOR_DELIVERY: "派送中",
    S.DELIVERED: "已签收",
    S.PICKUP_READY: "待领取",
    S.COLLECTED: "已领取",
}


def _own_case(principal: Principal, case_id: int) -> dict:
    """The facts of a case the caller may see: their own, or — acting for an enterprise — the
    enterprise's in the caller's scope (CaseNotFound otherwise)."""
    return cases.case_facts_for(principal, case_id)


def _guide(service_code: str) -> dict | None:
    try:
        return catalog.get_service(service_code)
    except ServiceNotFound:  # an item taken offline since: pickup at the hall is always possible
        return None


def _options(service_code: str) -> list[str]:
    guide = _guide(service_code)
    return list(guide["delivery_options"]) if guide else ["pickup"]


def _delivery_of(case_id: int, *, lock: bool = False) -> Delivery | None:
    query = sa.select(Delivery).where(Delivery.case_id == case_id)
    if lock:
        query = query.with_for_update()
    return db.session.scalar(query)


# ---------------------------------------------------------------- citizen


def choose(principal: Principal, case_id: int, body: dict) -> dict:
    """Set how the result of one of my applications reaches me; changeable until it is issued.
    The address is one of the caller's own (the person acting for an enterprise mails to theirs)."""
    account_id = principal.account_id
    facts = _own_case(principal, case_id)
    method = body["method"]
    options = _options(facts["service_code"])
    if method not in options:
        raise DeliveryOptionUnavailable(errors={"json": {"method": [f"可选：{'、'.join(options)}"]}})
    if facts["status"] in FINAL:
        raise DeliveryLocked("办件已结束，送达方式不能再修改")
    if facts["status"] == CaseStatus.APPROVED:
        # approved = the result is issued (its event may still be on its way to us)
        raise DeliveryLocked()
    address_id = None
    if method == "mail":
        if not body.get("address_id"):
            raise DeliveryOptionUnavailable("请选择收件地址", errors={"json": {"address_id": ["邮寄须选择收件地址"]}})
        address_id = addresses.own(account_id, body["address_id"]).id
    for _ in range(2):
        delivery = _delivery_of(case_id, lock=True)
        if delivery is not None and delivery.issued_at is not None:
            db.session.rollback()
            raise DeliveryLocked()
        if delivery is not None and delivery.parcel_id is not None:  # changed with the others (choose_joint)
            db.session.rollback()
            raise DeliveryLocked("该申请已选择与其他申请合并寄递，请在合并寄递中修改")
        if delivery is None:
            delivery = Delivery(
                case_id=case_id, account_id=account_id, department_code=facts["department_code"], status=S.CHOSEN
            )
            db.session.add(delivery)
        delivery.method = method
        delivery.address_id = address_id
        delivery.updated_at = utcnow()
        try:
            db.session.commit()
        except IntegrityError:  # a first choice raced another (or the result): read it again
            db.session.rollback()
            continue
        return view(principal, case_id)
    raise DeliveryLocked("送达方式正在更新，请稍后重试")


def _route_view(route) -> dict:
    return {
        # SF scan times are Beijing wall-clock times: say so (the contract's date-time has an offset)
        "at": route.accept_time.replace(tzinfo=CHINA).isoformat(),
        "stage": route.stage,
        "op_code": route.op_code,
        "address": route.accept_address,
        "remark": route.remark,
    }


def _address_view(delivery: Delivery) -> dict | None:
    if delivery.method != "mail":
        return None
    if delivery.contact:
        contact = addresses.unseal(delivery.contact)
        codes = (delivery.province_code, delivery.city_code, delivery.county_code)
    elif delivery.address_id:
        address = db.session.get(addresses.Address, delivery.address_id)
        contact = addresses.unseal(address.contact)
        codes = (address.province_code, address.city_code, address.county_code)
    else:
        return None
    names = divisions.names(*codes)
    from app import crypto

    return {
        "address_id": delivery.address_id,
        "recipient": crypto.mask_name(contact["recipient"]),
        "mobile": crypto.mask_phone(contact["mobile"]),
        "region": "".join(names.get(c, "") for c in codes if c),
        "detail": addresses.mask_detail(contact["detail"]),
    }


def view(principal: Principal, case_id: int) -> dict:
    """The delivery of one of my applications: method, masked address, courier, waybill, routes."""
    facts = _own_case(principal, case_id)
    delivery = _delivery_of(case_id)
    options = _options(facts["service_code"])
    if delivery is None:
        return {
            "case_id": case_id,
            "method": None,
            "options": options,
            "changeable": facts["status"] not in (*FINAL, CaseStatus.APPROVED),
            "status": None,
            "status_text": "未选择送达方式",
            "address": None,
            "courier": None,
            "waybill_no": None,
            "order_id": None,
            "pickup": None,
            "exception": None,
            "routes": [],
            "parcel": None,
        }
    pickup = None
    if delivery.method == "pickup" and delivery.pickup_code:
        pickup = {
            "code": delivery.pickup_code,
            "address": delivery.pickup_address,
            "hours": delivery.pickup_hours,
            "locked": delivery.pickup_locked_at is not None,
        }
    parcel = parcels.summary(delivery)
    courier = None
    if delivery.courier:
        courier = {"code": delivery.courier, "name": delivery.courier_name or DISPLAY.get(delivery.courier)}
    return {
        "case_id": case_id,
        "method": delivery.method,
        "options": options,
        "changeable": delivery.issued_at is None and facts["status"] not in (*FINAL, CaseStatus.APPROVED),
        "status": delivery.status,
        "status_text": STATUS_TEXT.get(delivery.status, delivery.status),
        "address": _address_view(delivery),
        "courier": courier,
        "waybill_no": delivery.waybill_no,
        "order_id": (parcel["order_id"] if parcel else delivery.order_id) if delivery.courier == "sf" else None,
        "pickup": pickup,
        "exception": delivery.exception_note if delivery.status != S.DELIVERED else None,
        "routes": [_route_view(r) for r in reversed(delivery.routes)],
        "parcel": parcel,
    }


# ---------------------------------------------------------------- the result is issued


def courier_for(department_code: str) -> str:
    from flask import current_app

    row = db.session.get(CourierConfig, department_code)
    return row.courier if row is not None else current_app.config["DELIVERY_DEFAULT_COURIER"]


def event_payload(facts: dict, delivery: Delivery, **extra) -> dict:
    return {
        "service_name": facts["service_name"],
        "delivery_id": delivery.id,
        "method": delivery.method,
        # what notifications/ templates show ("已由{courier}寄出，运单号{waybill_no}")
        "courier": delivery.courier_name or DISPLAY.get(delivery.courier or "", None),
        "courier_code": delivery.courier,
        "waybill_no": delivery.waybill_no,
        **extra,
    }


def _new_pickup_code(other_than: str | None = None) -> str:
    while True:
        code = f"{secrets.randbelow(10**6):06d}"
        if code != other_than:
            return code


def _pickup_payload(facts: dict, delivery: Delivery) -> dict:
    return event_payload(
        facts,
        delivery,
        pickup_code=delivery.pickup_code,
        pickup_point=delivery.pickup_address,
        pickup_address=delivery.pickup_address,
        pickup_hours=delivery.pickup_hours,
    )


def reissue_pickup_code(principal: Principal, case_id: int) -> dict:
    """A new pickup code for one of my results waiting at the hall (commits): the old code stops
    working, a code locked after wrong guesses at the window is replaced, and the new one is
    sent as `delivery.pickup_ready` again."""
    facts = _own_case(principal, case_id)
    delivery = _delivery_of(case_id, lock=True)
    if delivery is None or delivery.method != "pickup" or delivery.status != S.PICKUP_READY:
        db.session.rollback()
        raise DeliveryStateConflict("办理结果不在待领取状态，无需重新获取取件码")
    delivery.pickup_code = _new_pickup_code(other_than=delivery.pickup_code)
    delivery.pickup_failures = 0
    delivery.pickup_locked_at = None
    delivery.updated_at = utcnow()
    cases.record_step(
        case_id,
        "pickup_code_reissued",
        actor=f"citizen:{principal.account_id}",
        note="已重新获取取件码，原取件码作废",
        event_type="delivery.pickup_ready",
        payload=_pickup_payload(facts, delivery),
    )
    db.session.commit()
    log.info("pickup code reissued", extra={"delivery_id": delivery.id, "case_id": case_id})
    return view(principal, case_id)


def result_issued(case_id: int) -> int | None:
    """Fix the delivery of a case whose result was issued (idempotent; commits). Returns the
    delivery id when a courier order is to be placed, else None."""
    facts = cases.case_facts(case_id)
    if facts["status"] == CaseStatus.REVOKED:
        return None  # the decision was revoked before the job ran: nothing to send
    parcel_id = db.session.scalar(sa.select(Delivery.parcel_id).where(Delivery.case_id == case_id))
    if parcel_id is not None:
        return _issued_in_parcel(case_id, parcel_id)
    options = _options(facts["service_code"])
    for _ in range(2):
        delivery = _delivery_of(case_id, lock=True)
        if delivery is None and facts["status"] != CaseStatus.APPROVED:
            # no choice made and an officer already concluded the case by hand (the result was
            # handed over at the window): no pickup notice
            db.session.rollback()
            return None
        if delivery is None:
            # no choice made: pickup at the hall (always possible)
            delivery = Delivery(
                case_id=case_id,
                account_id=facts["account_id"],
                department_code=facts["department_code"],
                method="pickup",
                status=S.CHOSEN,
            )
            db.session.add(delivery)
            try:
                db.session.flush()
            except IntegrityError:
                db.session.rollback()
                continue
        break
    if delivery.parcel_id is not None:  # it joined a parcel meanwhile: the parcel's way
        db.session.rollback()
        return result_issued(case_id)
    if delivery.issued_at is not None:
        db.session.rollback()
        return delivery.id if delivery.status == S.ORDERING else None
    delivery.issued_at = utcnow()
    if delivery.method == "mail" and "mail" in options and delivery.address_id:
        address = db.session.get(addresses.Address, delivery.address_id)
        delivery.contact = address.contact
        delivery.province_code = address.province_code
        delivery.city_code = address.city_code
        delivery.county_code = address.county_code
        delivery.courier = courier_for(facts["department_code"])
        delivery.courier_name = DISPLAY.get(delivery.courier)
        # stored once, so every attempt places the same order; random part: case ids restart on SQLite
        delivery.order_id = f"ZSB{case_id:010d}{secrets.token_hex(4).upper()}"
        if delivery.courier == "hall":
            delivery.status = S.AWAITING_WAYBILL
            note = "办理结果待窗口交寄快递"
        else:
            delivery.status = S.ORDERING
            note = f"办理结果将通过{delivery.courier_name}寄递"
        cases.record_step(case_id, "delivery_mail", actor=ACTOR, note=note)
        db.session.commit()
        return delivery.id if delivery.status == S.ORDERING else None
    delivery.method = "pickup"
    guide = _guide(facts["service_code"])
    guide_department = guide["department"] if guide else {}
    delivery.pickup_code = _new_pickup_code()
    delivery.pickup_address = (guide_department.get("address") or facts["department_name"])[:255]
    delivery.pickup_hours = (guide_department.get("office_hours") or "")[:255]
    delivery.status = S.PICKUP_READY
    cases.record_step(
        case_id,
        "delivery_pickup_ready",
        actor=ACTOR,
        note=f"办理结果可领取：{delivery.pickup_address}",
        event_type="delivery.pickup_ready",
        payload=_pickup_payload(facts, delivery),
    )
    db.session.commit()
    return None


# ---------------------------------------------------------------- several cases, one choice


def choose_joint(principal, case_ids: list[int], address_id: int, mode: str) -> dict:
    """One delivery choice for several of my applications, all mailed to one of my addresses:
    `mode` "together" — one parcel, ordered from the courier when every result is issued — or
    "each" — each result mailed as it comes (today's way). Every case must be mine (another
    person's: not found), open and mailable; changeable until a result is issued. Commits."""
    wanted = sorted(set(case_ids))
    facts = [_own_case(principal, case_id) for case_id in wanted]
    no_mail = {str(f["id"]): ["该事项不支持邮寄送达"] for f in facts if "mail" not in _options(f["service_code"])}
    # a draft may still be discarded (and its delivery with it): only submitted cases join
    no_mail.update({str(f["id"]): ["请先提交申请"] for f in facts if f["status"] == CaseStatus.DRAFT})
    if no_mail:
        raise DeliveryOptionUnavailable(errors={"json": {"case_ids": no_mail}})
    if any(f["status"] in FINAL or f["status"] == CaseStatus.APPROVED for f in facts):
        raise DeliveryLocked()
    address = addresses.own(principal.account_id, address_id).id
    for attempt in range(3):
        try:
            parcel_id = parcels.assign(principal.account_id, facts, address, together=mode == "together")
            db.session.commit()
            break
        except (parcels.Retry, IntegrityError):  # a parcel or a first choice raced us: read again
            db.session.rollback()
            if attempt == 2:
                raise DeliveryLocked("送达方式正在更新，请稍后重试") from None
    return {"mode": mode, "parcel_id": parcel_id, "items": [view(principal, f["id"]) for f in facts]}


def _issued_in_parcel(case_id: int, parcel_id: int) -> None:
    """The result of a parcel member is issued (parcels.issued); the last one ships the parcel,
    whose order job is enqueued after the commit."""
    outcome = parcels.issued(case_id, parcel_id, courier_for=courier_for)
    if outcome == "retry":  # it left the parcel meanwhile
        return result_issued(case_id)
    if outcome == "ordering":
        _enqueue_parcel(parcel_id)
    return None


def parcel_member_ended(case_id: int) -> None:
    """A case ended without a result (rejected, denied, withdrawn) or was revoked before its
    parcel shipped: it leaves its parcel, which then ships if every other member is issued.
    Idempotent; commits."""
    parcel_id = parcels.member_ended(case_id, courier_for=courier_for)
    if parcel_id is not None:
        _enqueue_parcel(parcel_id)


def _enqueue_parcel(parcel_id: int) -> None:
    from delivery import jobs  # the job module imports this one

    jobs.enqueue_parcel_order(parcel_id)
