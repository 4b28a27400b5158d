"""Courier orders and route updates.

`place_order` runs as an RQ job per delivery: it places the order under our unique order id,
so a repeated job (or two racing) never places a second one — SF answers "duplicate order" and
the waybill is looked up instead. Transient failures are retried by RQ; after the last attempt,
or at once on a refusal, the delivery is left FAILED for staff to retry.

`apply_routes` records route updates (push or query) once per (delivery, route key) under the
delivery's row lock, and moves the delivery only forwards: a repeated or late update is kept in
the history but changes nothing. Each forward move writes the case timeline and its event;
delivered concludes an approved case.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import timedelta

import sqlalchemy as sa

from app.cases import service as cases
from app.catalog import service as catalog
from app.extensions import db
from delivery import addresses, divisions, parcels
from delivery.models import RANK, Delivery, DeliveryParcel, DeliveryRoute, DeliveryStatus, utcnow
from delivery.providers import DISPLAY, courier
from delivery.providers.base import (
    CourierError,
    CourierRejected,
    CourierUnavailable,
    CreateOrder,
    DuplicateOrder,
    Party,
    Route,
)
from delivery.service import event_payload

log = logging.getLogger(__name__)
S = DeliveryStatus

EXCEPTION = "exception"
# SF opCodes (docs/providers.md; from public trackers): 50 picked up, 30/31 in transit,
# 44 out for delivery, 80 signed for, 33/70 exception. Others are kept in the history only.
STAGE_BY_OPCODE = {
    "50": S.PICKED_UP,
    "30": S.IN_TRANSIT,
    "31": S.IN_TRANSIT,
    "44": S.OUT_FOR_DELIVERY,
    "80": S.DELIVERED,
    "33": EXCEPTION,
    "70": EXCEPTION,
}
# stage → (timeline action, event, note template)
STEPS = {
    S.PICKED_UP: ("parcel_picked_up", "delivery.shipped", "快件已由{courier}揽收，运单号{waybill}"),
    S.IN_TRANSIT: ("parcel_in_transit", "delivery.in_transit", "快件运输中（{where}）"),
    S.OUT_FOR_DELIVERY: ("parcel_out_for_delivery", "delivery.out_for_delivery", "快件派送中（{where}）"),
    S.DELIVERED: ("parcel_delivered", "delivery.delivered", "快件已签收"),
    EXCEPTION: ("parcel_exception", "delivery.exception", "快件异常：{remark}"),
}
TRACKED = (S.ORDERED, S.PICKED_UP, S.IN_TRANSIT, S.OUT_FOR_DELIVERY)


def _lock(delivery_id: int) -> Delivery | None:
    return db.session.scalar(sa.select(Delivery).where(Delivery.id == delivery_id).with_for_update())


# ---------------------------------------------------------------- orders


def _sender(department_code: str, service_code: str) -> Party:
    guide = catalog.get_service(service_code)
    dept = guide["department"]
    chain = divisions.ancestry(dept.get("division_code") or "")
    return Party(
        name=dept["name"],
        mobile=dept.get("phone") or "",
        province=chain.get("province", ""),
        city=chain.get("city", ""),
        county=chain.get("county", ""),
        address=dept.get("address") or "",
    )


def order_of(delivery: Delivery, facts: dict) -> CreateOrder:
    contact = addresses.unseal(delivery.contact)
    names = divisions.names(delivery.province_code, delivery.city_code, delivery.county_code)
    receiver = Party(
        name=contact["recipient"],
        mobile=contact["mobile"],
        province=names.get(delivery.province_code, ""),
        city=names.get(delivery.city_code, ""),
        county=names.get(delivery.county_code, ""),
        address=contact["detail"],
    )
    return CreateOrder(
        order_id=delivery.order_id,
        sender=_sender(delivery.department_code, facts["service_code"]),
        receiver=receiver,
        cargo=f"{facts['service_name']}办理结果（文件）",
    )


def ask_courier(client, order: CreateOrder, *, attempts: int, max_attempts: int, on_failure):
    """Create the courier order, or find it when the courier answers "duplicate order id" (a
    repeated or racing job never places a second one). The result, or None once it has failed
    for good; a transient failure is retried by raising CourierUnavailable until the attempts
    run out. `on_failure(error, final)` records each failure (called with no row lock held)."""
    try:
        try:
            return client.create_order(order)
        except DuplicateOrder:
            result = client.find_order(order.order_id)
            if result is None:
                raise CourierUnavailable("duplicate order id, but no waybill found yet") from None
            return result
    except CourierUnavailable as exc:
        final = attempts >= max_attempts
        on_failure(str(exc), final)
        if final:
            return None
        raise
    except CourierRejected as exc:
        on_failure(str(exc), True)
        return None


def place_order(delivery_id: int, *, max_attempts: int) -> str:
    """Place the courier order of a delivery in ORDERING (the job's body). Returns "ordered",
    "failed", "skipped"; raises CourierUnavailable when RQ should try again."""
    delivery = _lock(delivery_id)
    if delivery is None or delivery.status != S.ORDERING:
        db.session.rollback()
        return "skipped"
    delivery.order_attempts += 1
    attempts = delivery.order_attempts
    facts = cases.case_facts(delivery.case_id)
    order = order_of(delivery, facts)
    client = courier(delivery.courier)
    db.session.commit()  # no row lock held across the HTTP call
    result = ask_courier(
        client,
        order,
        attempts=attempts,
        max_attempts=max_attempts,
        on_failure=lambda error, final: _order_failed(delivery_id, facts, error, final=final),
    )
    if result is None:
        return "failed"
    delivery = _lock(delivery_id)
    if delivery.status not in (S.ORDERING, S.FAILED) or delivery.waybill_no:
        db.session.rollback()
        return "skipped"
    delivery.waybill_no = result.waybill_no
    delivery.status = S.ORDERED
    delivery.last_error = None
    cases.record_step(
        delivery.case_id,
        "courier_ordered",
        actor=f"courier:{delivery.courier}",
        note=f"已向{delivery.courier_name}下单，运单号{delivery.waybill_no}",
    )
    db.session.commit()
    log.info("delivery %s: order placed", delivery_id, extra={"delivery_id": delivery_id})
    return "ordered"


def _order_failed(delivery_id: int, facts: dict, error: str, *, final: bool) -> None:
    delivery = _lock(delivery_id)
    if delivery is None or delivery.status != S.ORDERING:
        db.session.rollback()
        return
    delivery.last_error = error[:255]
    if final:
        delivery.status = S.FAILED
        cases.record_step(
            delivery.case_id,
            "courier_order_failed",
            actor="system:delivery",
            note="寄递下单未成功，工作人员将尽快处理",
        )
    db.session.commit()
    log.warning("delivery %s: order attempt failed (final=%s)", delivery_id, final, extra={"delivery_id": delivery_id})


# ---------------------------------------------------------------- routes


def _find(route: Route, courier_name: str) -> Delivery | None:
    if route.order_id:
        query = sa.select(Delivery).where(Delivery.order_id == route.order_id)
    else:
        query = sa.select(Delivery).where(Delivery.waybill_no == route.waybill_no, Delivery.courier == courier_name)
    return db.session.scalar(query.with_for_update())


def _step(delivery: Delivery, facts: dict, stage: str, route: Route, actor: str) -> None:
    action, event, template = STEPS[stage]
    note = template.format(
        courier=delivery.courier_name or DISPLAY.get(delivery.courier or "", ""),
        waybill=delivery.waybill_no or route.waybill_no,
        where=route.accept_address or "—",
        remark=route.remark or "—",
    )[:500]
    cases.record_step(
        delivery.case_id,
        action,
        actor=actor,
        note=note,
        event_type=event,
        payload=event_payload(
            facts,
            delivery,
            stage=stage,
            op_code=route.op_code,
            accept_time=route.accept_time.isoformat(),
            accept_address=route.accept_address,
            **({"reason": route.remark or "快件异常"} if stage == EXCEPTION else {}),
        ),
    )


def _apply(delivery: Delivery, routes: list[Route], *, source: str, actor: str) -> int:
    """Record new routes of one (locked) delivery and move it forwards; the number recorded."""
    known = set(db.session.scalars(sa.select(DeliveryRoute.route_key).where(DeliveryRoute.delivery_id == delivery.id)))
    facts = None
    added = 0
    for route in sorted(routes, key=lambda r: r.accept_time):
        if route.route_key in known:
            continue
        known.add(route.route_key)
        stage = STAGE_BY_OPCODE.get(route.op_code, "other")
        db.session.add(
            DeliveryRoute(
                delivery_id=delivery.id,
                route_key=route.route_key,
                op_code=route.op_code,
                stage=stage,
                accept_time=route.accept_time,
                accept_address=route.accept_address,
                remark=route.remark,
                source=source,
            )
        )
        added += 1
        if not delivery.waybill_no and route.waybill_no:
            delivery.waybill_no = route.waybill_no
        facts = facts or cases.case_facts(delivery.case_id)
        if stage == EXCEPTION:
            if delivery.status != S.DELIVERED:
                delivery.exception_note = (route.remark or "快件异常")[:255]
                _step(delivery, facts, EXCEPTION, route, actor)
        elif stage in RANK and RANK[stage] > RANK[DeliveryStatus(delivery.status)]:
            delivery.status = stage
            delivery.exception_note = None
            _step(delivery, facts, stage, route, actor)
            if stage == S.DELIVERED:
                delivery.delivered_at = utcnow()
                cases.conclude_on_delivery(delivery.case_id, actor=actor, note="办理结果已送达，办结")
    if added:
        delivery.updated_at = utcnow()
    return added


def _apply_parcel(parcel, routes: list[Route], *, source: str, actor: str) -> int:
    """Record the routes of a parcel's order on each of its members (locked after the parcel);
    the parcel follows its members. The number recorded on the first member."""
    counts = [_apply(member, routes, source=source, actor=actor) for member in parcels.members_of(parcel.id)]
    members = parcels.members_of(parcel.id, lock=False)
    if members:
        parcel.status = max((m.status for m in members), key=lambda s: RANK[DeliveryStatus(s)])
        parcel.waybill_no = parcel.waybill_no or members[0].waybill_no
        parcel.updated_at = utcnow()
    return counts[0] if counts else 0


def apply_routes(routes: list[Route], *, courier_name: str, source: str, commit: bool = True) -> dict:
    """Apply a batch of route updates (a push, a query answer); commits unless told not to (the
    push endpoint stores the raw push in the same transaction). Counts of what happened."""
    groups: dict[tuple, list[Route]] = defaultdict(list)
    for route in routes:
        groups[(route.order_id, route.waybill_no)].append(route)
    added = unknown = 0
    # a stable lock order (by order id) so two concurrent pushes never deadlock
    for key in sorted(groups, key=lambda k: (k[0] or "", k[1] or "")):
        batch = groups[key]
        delivery = _find(batch[0], courier_name)
        if delivery is None:
            parcel = parcels.find_for_route(batch[0].order_id, batch[0].waybill_no, courier_name)
            if parcel is not None:  # one parcel of several results: every member moves
                added += _apply_parcel(parcel, batch, source=source, actor=f"courier:{courier_name}")
                continue
            unknown += len(batch)
            log.warning("route update for an unknown %s order", courier_name)
            continue
        added += _apply(delivery, batch, source=source, actor=f"courier:{courier_name}")
    if commit:
        db.session.commit()
    return {"added": added, "unknown": unknown, "received": len(routes)}


def poll_routes(*, older_than: timedelta, limit: int = 200) -> dict:
    """Query the routes of parcels under way that have heard nothing for `older_than` (a missed
    push is caught here); commits per delivery."""
    cutoff = utcnow() - older_than
    rows = list(
        db.session.execute(
            sa.select(Delivery.id, Delivery.order_id, Delivery.courier)
            .where(
                Delivery.courier == "sf",
                Delivery.status.in_(TRACKED),
                Delivery.updated_at < cutoff,
                Delivery.parcel_id.is_(None),  # a parcel's members are queried with their parcel
            )
            .order_by(Delivery.updated_at)
            .limit(limit)
        )
    )
    db.session.rollback()
    seen = added = failed = 0
    for row in rows:
        seen += 1
        try:
            routes = courier(row.courier).query_routes(row.order_id)
        except CourierError:
            failed += 1
            continue
        delivery = _lock(row.id)
        added += _apply(delivery, routes, source="query", actor=f"courier:{row.courier}")
        delivery.updated_at = utcnow()  # queried now: wait another period before asking again
        db.session.commit()
    for row in _tracked_parcels(cutoff, limit):
        seen += 1
        try:
            routes = courier(row.courier).query_routes(row.order_id)
        except CourierError:
            failed += 1
            continue
        parcel = parcels.lock_parcel(row.id)
        added += _apply_parcel(parcel, routes, source="query", actor=f"courier:{row.courier}")
        parcel.updated_at = utcnow()
        db.session.commit()
    return {"queried": seen, "added": added, "failed": failed}


def _tracked_parcels(cutoff, limit: int) -> list:
    rows = db.session.execute(
        sa.select(DeliveryParcel.id, DeliveryParcel.order_id, DeliveryParcel.courier)
        .where(
            DeliveryParcel.courier == "sf",
            DeliveryParcel.status.in_(TRACKED),
            DeliveryParcel.updated_at < cutoff,
        )
        .order_by(DeliveryParcel.updated_at)
        .limit(limit)
    ).all()
    db.session.rollback()
    return rows


def stuck_orders(*, older_than: timedelta, limit: int = 200) -> list[tuple[int, int]]:
    """(delivery id, attempts) of orders in ORDERING untouched for `older_than`: their job was
    lost. Re-enqueued under a job id per attempt count, so a sweep repeated meanwhile adds none."""
    cutoff = utcnow() - older_than
    rows = db.session.execute(
        sa.select(Delivery.id, Delivery.order_attempts)
        .where(Delivery.status == S.ORDERING, Delivery.updated_at < cutoff, Delivery.parcel_id.is_(None))
        .order_by(Delivery.id)
        .limit(limit)
    ).all()
    db.session.rollback()
    return [(r.id, r.order_attempts) for r in rows]


def stuck_parcels(*, older_than: timedelta, limit: int = 200) -> list[tuple[int, int]]:
    """(parcel id, attempts) of parcel orders in ORDERING untouched for `older_than`."""
    cutoff = utcnow() - older_than
    rows = db.session.execute(
        sa.select(DeliveryParcel.id, DeliveryParcel.order_attempts)
        .where(DeliveryParcel.status == S.ORDERING, DeliveryParcel.updated_at < cutoff)
        .order_by(DeliveryParcel.id)
        .limit(limit)
    ).all()
    db.session.rollback()
    return [(r.id, r.order_attempts) for r in rows]
