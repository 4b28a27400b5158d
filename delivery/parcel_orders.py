"""The courier order of a parcel of several results (parcels.py): placed by an RQ job per parcel
under the parcel's unique order id — a repeated or racing job never places a second one (SF
answers "duplicate order" and the waybill is looked up) — and shown on every member: its
status, waybill and timeline. Failures as for one delivery (tracking.place_order): retried while
transient, then FAILED for staff to retry."""

from __future__ import annotations

import dataclasses
import logging

from app.cases import service as cases
from app.extensions import db
from delivery import parcels, tracking
from delivery.models import DeliveryStatus
from delivery.providers import courier

log = logging.getLogger(__name__)
S = DeliveryStatus


def place_parcel_order(parcel_id: int, *, max_attempts: int) -> str:
    """Place the courier order of a parcel in ORDERING. "ordered", "failed", "skipped"; raises
    CourierUnavailable when RQ should try again."""
    parcel = parcels.lock_parcel(parcel_id)
    if parcel is None or parcel.status != S.ORDERING:
        db.session.rollback()
        return "skipped"
    parcel.order_attempts += 1
    attempts = parcel.order_attempts
    members = parcels.members_of(parcel_id, lock=False)
    lead = cases.case_facts(members[0].case_id)
    order = dataclasses.replace(tracking.order_of(parcel, lead), cargo=f"办理结果{len(members)}件（文件）")
    client = courier(parcel.courier)
    db.session.commit()  # no row lock held across the HTTP call
    result = tracking.ask_courier(
        client,
        order,
        attempts=attempts,
        max_attempts=max_attempts,
        on_failure=lambda error, final: _failed(parcel_id, error, final=final),
    )
    if result is None:
        return "failed"
    parcel = parcels.lock_parcel(parcel_id)
    if parcel.status not in (S.ORDERING, S.FAILED) or parcel.waybill_no:
        db.session.rollback()
        return "skipped"
    parcel.waybill_no, parcel.status, parcel.last_error = result.waybill_no, S.ORDERED, None
    members = parcels.members_of(parcel_id)
    for member in members:
        member.waybill_no, member.status, member.last_error = result.waybill_no, S.ORDERED, None
        cases.record_step(
            member.case_id,
            "courier_ordered",
            actor=f"courier:{parcel.courier}",
            note=f"已向{parcel.courier_name}下单（同批{len(members)}件结果一个包裹），运单号{result.waybill_no}",
        )
    db.session.commit()
    log.info("parcel %s: order placed", parcel_id, extra={"parcel_id": parcel_id})
    return "ordered"


def _failed(parcel_id: int, error: str, *, final: bool) -> None:
    parcel = parcels.lock_parcel(parcel_id)
    if parcel is None or parcel.status != S.ORDERING:
        db.session.rollback()
        return
    parcel.last_error = error[:255]
    for member in parcels.members_of(parcel_id):
        member.last_error = parcel.last_error
        if final:
            member.status = S.FAILED
            cases.record_step(
                member.case_id,
                "courier_order_failed",
                actor="system:delivery",
                note="寄递下单未成功，工作人员将尽快处理",
            )
    if final:
        parcel.status = S.FAILED
    db.session.commit()
    log.warning("parcel %s: order attempt failed (final=%s)", parcel_id, final, extra={"parcel_id": parcel_id})


def retry(parcel_id: int) -> bool:
    """Staff: a failed parcel order placed again (a fresh round); in the caller's transaction.
    False when the parcel is not failed."""
    parcel = parcels.lock_parcel(parcel_id)
    if parcel is None or parcel.status != S.FAILED:
        return False
    parcel.status, parcel.order_attempts = S.ORDERING, 0
    for member in parcels.members_of(parcel_id):
        member.status, member.order_attempts = S.ORDERING, 0
    return True
