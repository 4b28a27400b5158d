"""One parcel for the results of several cases of one citizen (一件事: "send them together").

The citizen names their cases and an address (service.choose_joint): "together" makes a parcel
(`DeliveryParcel`) whose members are the cases' deliveries; "each" is today's mail per case.
When a member's result is issued it waits (WAITING_PARCEL); when every member is issued the
parcel is fixed — address copied, courier chosen — and ONE courier order is placed for it
(parcel_orders.py, a job keyed by the parcel, under the parcel's unique order id). Route updates
for the parcel's order move every member (tracking.apply_routes). A member whose case ends
without a result (rejected, denied, withdrawn) leaves the parcel, which may then ship.

Locks: the parcel's row first, then its members' rows in case order — everywhere — so two
results issued at once for one parcel queue on the parcel and the last one ships it.
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa

from app.cases import service as cases
from app.cases.public import CaseStatus
from app.extensions import db
from delivery import addresses
from delivery.errors import DeliveryLocked
from delivery.models import Delivery, DeliveryParcel, DeliveryStatus, utcnow
from delivery.providers import DISPLAY

S = DeliveryStatus
ACTOR = "system:delivery"


def lock_parcel(parcel_id: int) -> DeliveryParcel | None:
    return db.session.scalar(
        sa.select(DeliveryParcel)
        .where(DeliveryParcel.id == parcel_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def members_of(parcel_id: int, *, lock: bool = True) -> list[Delivery]:
    query = sa.select(Delivery).where(Delivery.parcel_id == parcel_id).order_by(Delivery.case_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return list(db.session.scalars(query))


def _deliveries(case_ids: list[int], *, lock: bool) -> list[Delivery]:
    query = sa.select(Delivery).where(Delivery.case_id.in_(case_ids)).order_by(Delivery.case_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return list(db.session.scalars(query))


class Retry(Exception):
    """The rows changed under us (a parcel joined, a first choice raced): read them again."""


def assign(account_id: int, facts: list[dict], address_id: int, *, together: bool) -> int | None:
    """Mail the results of `facts`' cases (the caller checked they are the citizen's, open and
    mailable) to `address_id`: in one parcel (`together`) or each on its own. Cases taken from
    another parcel leave it (one with a result already issued cannot change: DeliveryLocked).
    Commits; returns the parcel id (the same parcel when repeated), None for "each"."""
    case_ids = [f["id"] for f in facts]
    old_ids = sorted({d.parcel_id for d in _deliveries(case_ids, lock=False) if d.parcel_id})
    old = [lock_parcel(pid) for pid in old_ids]
    rows = {d.case_id: d for d in _deliveries(case_ids, lock=True)}
    if {d.parcel_id for d in rows.values() if d.parcel_id} - set(old_ids):
        db.session.rollback()
        raise Retry()
    if any(d.issued_at is not None for d in rows.values()):
        db.session.rollback()
        raise DeliveryLocked()
    others = {p.id: [m for m in members_of(p.id) if m.case_id not in rows] for p in old if p is not None}
    if any(m.issued_at is not None for kept in others.values() for m in kept):
        db.session.rollback()
        raise DeliveryLocked("同批寄递中已有办理结果出具，不能再调整")
    parcel = None
    if together:
        same = old[0] if len(old) == 1 and old[0] is not None and not others[old[0].id] else None
        if (
            same is not None
            and same.address_id == address_id
            and len(rows) == len(case_ids)
            and all(d.parcel_id == same.id for d in rows.values())
        ):
            parcel = same  # a repeat of the same choice
        else:
            parcel = DeliveryParcel(account_id=account_id, department_code=facts[0]["department_code"])
            parcel.address_id, parcel.status = address_id, S.WAITING_PARCEL
            db.session.add(parcel)
            db.session.flush()
    for fact in facts:
        delivery = rows.get(fact["id"])
        if delivery is None:
            delivery = Delivery(case_id=fact["id"], account_id=account_id, department_code=fact["department_code"])
            delivery.status = S.CHOSEN
            db.session.add(delivery)
        delivery.method, delivery.address_id = "mail", address_id
        delivery.parcel_id = parcel.id if parcel is not None else None
        delivery.updated_at = utcnow()
    db.session.flush()
    for parcel_id, kept in others.items():
        if parcel is not None and parcel_id == parcel.id:
            continue
        if len(kept) <= 1:  # nothing left to send together: the last one goes on its own
            for member in kept:
                member.parcel_id = None
            db.session.flush()
            db.session.execute(sa.delete(DeliveryParcel).where(DeliveryParcel.id == parcel_id))
    return parcel.id if parcel is not None else None


def ship_if_ready(parcel: DeliveryParcel, *, courier: str) -> bool:
    """Fix a waiting parcel (locked) once every member's result is issued: the address copied
    into it and its members, the courier chosen, the order id made. True when it was fixed now."""
    members = members_of(parcel.id)
    if parcel.status != S.WAITING_PARCEL or not members or any(m.issued_at is None for m in members):
        return False
    address = db.session.get(addresses.Address, parcel.address_id)
    parcel.contact = address.contact
    parcel.province_code, parcel.city_code, parcel.county_code = (
        address.province_code,
        address.city_code,
        address.county_code,
    )
    parcel.courier, parcel.courier_name = courier, DISPLAY.get(courier)
    parcel.order_id = f"ZSP{parcel.id:010d}{secrets.token_hex(4).upper()}"
    parcel.status = S.AWAITING_WAYBILL if courier == "hall" else S.ORDERING
    parcel.updated_at = utcnow()
    for member in members:
        member.contact, member.courier, member.courier_name = parcel.contact, parcel.courier, parcel.courier_name
        member.province_code, member.city_code, member.county_code = (
            parcel.province_code,
            parcel.city_code,
            parcel.county_code,
        )
        member.status = parcel.status
        member.updated_at = utcnow()
        cases.record_step(
            member.case_id,
            "delivery_mail",
            actor=ACTOR,
            note=f"办理结果将与同批{len(members)}件结果一并通过{parcel.courier_name}寄递",
        )
    return True


def find_for_route(order_id: str | None, waybill_no: str | None, courier_name: str) -> DeliveryParcel | None:
    """The parcel a route update names (by our order id, else the waybill), locked."""
    query = sa.select(DeliveryParcel).with_for_update()
    if order_id:
        query = query.where(DeliveryParcel.order_id == order_id)
    else:
        query = query.where(DeliveryParcel.waybill_no == waybill_no, DeliveryParcel.courier == courier_name)
    return db.session.scalar(query)


def summary(delivery: Delivery) -> dict | None:
    """What a member's view says about its parcel."""
    if delivery.parcel_id is None:
        return None
    parcel = db.session.get(DeliveryParcel, delivery.parcel_id)
    ids = db.session.scalars(
        sa.select(Delivery.case_id).where(Delivery.parcel_id == parcel.id).order_by(Delivery.case_id)
    ).all()
    return {"id": parcel.id, "status": parcel.status, "case_ids": list(ids), "order_id": parcel.order_id}


def issued(case_id: int, parcel_id: int, *, courier_for) -> str:
    """The result of a member was issued: it waits for the others; the last one fixes the
    parcel (`courier_for(department)` picks its courier). Commits. "retry" when the case is no
    longer in this parcel, "ordering" when a courier order is now to be placed, else "waiting"."""
    parcel = lock_parcel(parcel_id)
    delivery = db.session.scalar(
        sa.select(Delivery)
        .where(Delivery.case_id == case_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if parcel is None or delivery is None or delivery.parcel_id != parcel_id:
        db.session.rollback()
        return "retry"
    if delivery.issued_at is None:
        delivery.issued_at = utcnow()
        delivery.status = S.WAITING_PARCEL
        cases.record_step(
            case_id, "delivery_parcel_waiting", actor=ACTOR, note="办理结果已出具，待同批其他结果一并寄出"
        )
    ship_if_ready(parcel, courier=courier_for(parcel.department_code))
    outcome = "ordering" if parcel.status == S.ORDERING else "waiting"
    db.session.commit()
    return outcome


def member_ended(case_id: int, *, courier_for) -> int | None:
    """A member's case ended without a result, or its decision was revoked before the parcel
    shipped: it leaves its parcel (an empty one goes), which may then be fixed. Commits; the parcel's id when a courier order is now to be placed."""
    parcel_id = db.session.scalar(sa.select(Delivery.parcel_id).where(Delivery.case_id == case_id))
    if parcel_id is None:
        return None
    parcel = lock_parcel(parcel_id)
    delivery = db.session.scalar(sa.select(Delivery).where(Delivery.case_id == case_id).with_for_update())
    if parcel is None or delivery.parcel_id != parcel_id:
        db.session.rollback()
        return None
    if delivery.issued_at is not None:
        # issued and waiting for the others: only a revoked decision takes it out (not sent);
        # once the parcel's order is placed the result is on its way with the others
        revoked = cases.case_facts(case_id)["status"] == CaseStatus.REVOKED
        if not (revoked and delivery.status == S.WAITING_PARCEL and parcel.status == S.WAITING_PARCEL):
            db.session.rollback()
            return None
        delivery.issued_at = None
        delivery.status = S.CHOSEN
    delivery.parcel_id = None
    delivery.updated_at = utcnow()
    db.session.flush()
    ordering = False
    if not members_of(parcel.id):
        db.session.execute(sa.delete(DeliveryParcel).where(DeliveryParcel.id == parcel.id))
    else:
        ship_if_ready(parcel, courier=courier_for(parcel.department_code))
        ordering = parcel.status == S.ORDERING
    db.session.commit()
    return parcel_id if ordering else None
