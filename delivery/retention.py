"""Retention of delivery/ data:

- a delivered parcel's recipient (name, mobile, address: the ciphertext copied at issue) and its
  link to the address book are cleared DELIVERED_ADDRESS_RETENTION_DAYS after delivery;
- an address the citizen deleted is removed DELETED_ADDRESS_RETENTION_DAYS after, once no
  delivery refers to it any more;
- a delivery chosen for a draft goes with the draft when it is discarded or expires
  (`forget_draft`, registered with app.cases.retention.on_discard).

`purge` is a periodic job (cron_config.py, "retention-delivery"), safe to run twice."""

from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from app.extensions import db
from delivery.models import Address, Delivery, DeliveryParcel, DeliveryRoute, DeliveryStatus, utcnow

log = logging.getLogger(__name__)


def forget_draft(case_id: int) -> None:
    """Delete the not yet issued delivery of a draft being deleted (the caller commits)."""
    ids = list(db.session.scalars(sa.select(Delivery.id).where(Delivery.case_id == case_id)))
    if not ids:
        return
    db.session.execute(sa.delete(DeliveryRoute).where(DeliveryRoute.delivery_id.in_(ids)))
    db.session.execute(
        sa.delete(Delivery).where(Delivery.id.in_(ids)), execution_options={"synchronize_session": False}
    )


def purge_delivered_addresses(now=None) -> int:
    """Clear the recipient of parcels delivered before the retention period; returns how many."""
    days = int(current_app.config.get("DELIVERED_ADDRESS_RETENTION_DAYS", 90))
    cutoff = (now or utcnow()) - timedelta(days=days)
    result = db.session.execute(
        sa.update(Delivery)
        .where(
            Delivery.status == DeliveryStatus.DELIVERED,
            Delivery.delivered_at < cutoff,
            sa.or_(Delivery.contact.is_not(None), Delivery.address_id.is_not(None)),
        )
        .values(contact=None, address_id=None, updated_at=Delivery.updated_at),
        execution_options={"synchronize_session": False},
    )
    # a parcel of several results: its copy goes with its members' (every member delivered)
    undelivered = sa.select(Delivery.id).where(
        Delivery.parcel_id == DeliveryParcel.id,
        sa.or_(Delivery.status != DeliveryStatus.DELIVERED, Delivery.delivered_at >= cutoff),
    )
    db.session.execute(
        sa.update(DeliveryParcel)
        .where(
            DeliveryParcel.status == DeliveryStatus.DELIVERED,
            sa.or_(DeliveryParcel.contact.is_not(None), DeliveryParcel.address_id.is_not(None)),
            ~undelivered.exists(),
        )
        .values(contact=None, address_id=None, updated_at=DeliveryParcel.updated_at),
        execution_options={"synchronize_session": False},
    )
    db.session.commit()
    return result.rowcount or 0


def purge_deleted_addresses(now=None) -> int:
    """Remove addresses deleted before the retention period that no delivery refers to."""
    days = int(current_app.config.get("DELETED_ADDRESS_RETENTION_DAYS", 30))
    cutoff = (now or utcnow()) - timedelta(days=days)
    referenced = sa.select(Delivery.address_id).where(Delivery.address_id == Address.id)
    in_parcel = sa.select(DeliveryParcel.address_id).where(DeliveryParcel.address_id == Address.id)
    result = db.session.execute(
        sa.delete(Address).where(Address.deleted_at < cutoff, ~referenced.exists(), ~in_parcel.exists()),
        execution_options={"synchronize_session": False},
    )
    db.session.commit()
    return result.rowcount or 0


def purge() -> dict:
    """The periodic job: delivered parcels first (they release their addresses). Counts only."""
    delivered = purge_delivered_addresses()
    deleted = purge_deleted_addresses()
    log.info("retention: delivered parcel addresses purged %s, deleted addresses purged %s", delivered, deleted)
    return {"delivered_addresses": delivered, "deleted_addresses": deleted}
