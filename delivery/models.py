"""Delivery tables: administrative divisions, the citizen's address book, one delivery per case
(the citizen's choice, then the courier order or the pickup), its route history, the courier
configured per department and the raw route pushes received.

Recipient, mobile and address detail are personal data: one AES-GCM ciphertext per address
(app.crypto, context "delivery.address"), copied into the delivery when the result is issued so
a later edit or deletion of the address book does not change a parcel under way.
Timestamps are naive UTC.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class DivisionLevel(enum.StrEnum):
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"


class Division(db.Model):
    """An administrative division (行政区划) with its parent; seeded by the migration."""

    __tablename__ = "delivery_divisions"

    code: Mapped[str] = mapped_column(sa.String(12), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(64))
    level: Mapped[str] = mapped_column(sa.String(16))
    parent_code: Mapped[str | None] = mapped_column(sa.ForeignKey("delivery_divisions.code"), index=True)


class Address(db.Model):
    """One entry of a citizen's address book. `contact` is the ciphertext of
    {"recipient", "mobile", "detail"}; deleted entries are kept (deliveries refer to them)."""

    __tablename__ = "delivery_addresses"
    __table_args__ = (sa.Index("ix_delivery_addresses_account", "account_id", "deleted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"))
    contact: Mapped[str] = mapped_column(sa.Text)
    province_code: Mapped[str] = mapped_column(sa.ForeignKey("delivery_divisions.code"))
    city_code: Mapped[str] = mapped_column(sa.ForeignKey("delivery_divisions.code"))
    county_code: Mapped[str] = mapped_column(sa.ForeignKey("delivery_divisions.code"))
    is_default: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column()


class DeliveryStatus(enum.StrEnum):
    CHOSEN = "chosen"  # the citizen's choice, before the result is issued
    # mail
    ORDERING = "ordering"  # the courier order is being placed (a job, with retries)
    AWAITING_WAYBILL = "awaiting_waybill"  # hall courier: staff type the waybill number
    FAILED = "failed"  # the order could not be placed; staff retry
    ORDERED = "ordered"  # the courier accepted the order (waybill known)
    PICKED_UP = "picked_up"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    # one parcel for several cases (delivery/parcels.py): this result is issued and waits for
    # the others of its parcel; the parcel itself also "waits" until every member is issued
    WAITING_PARCEL = "waiting_parcel"
    # pickup
    PICKUP_READY = "pickup_ready"
    COLLECTED = "collected"


S = DeliveryStatus

# Progress of a parcel: a route update only ever moves a delivery to a higher rank.
RANK = {
    S.CHOSEN: 0,
    S.WAITING_PARCEL: 1,
    S.ORDERING: 1,
    S.AWAITING_WAYBILL: 1,
    S.FAILED: 1,
    S.ORDERED: 2,
    S.PICKED_UP: 3,
    S.IN_TRANSIT: 4,
    S.OUT_FOR_DELIVERY: 5,
    S.DELIVERED: 6,
    S.PICKUP_READY: 1,
    S.COLLECTED: 6,
}


class Delivery(db.Model):
    """How the result of one case reaches the citizen: mail (a courier order) or pickup."""

    __tablename__ = "deliveries"
    __table_args__ = (sa.Index("ix_deliveries_department_status", "department_code", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), unique=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), index=True)
    department_code: Mapped[str] = mapped_column(sa.String(64))
    method: Mapped[str] = mapped_column(sa.String(16))  # mail | pickup
    address_id: Mapped[int | None] = mapped_column(sa.ForeignKey("delivery_addresses.id"))
    status: Mapped[str] = mapped_column(sa.String(32), default=S.CHOSEN)
    # set when the result is issued: from then on the choice is fixed
    issued_at: Mapped[datetime | None] = mapped_column()
    # mail: the ciphertext of the recipient copied from the address at issue time
    contact: Mapped[str | None] = mapped_column(sa.Text)
    province_code: Mapped[str | None] = mapped_column(sa.String(12))
    city_code: Mapped[str | None] = mapped_column(sa.String(12))
    county_code: Mapped[str | None] = mapped_column(sa.String(12))
    courier: Mapped[str | None] = mapped_column(sa.String(16))  # sf | hall
    courier_name: Mapped[str | None] = mapped_column(sa.String(64))
    # our order id at the courier: unique, so a repeated job can never place a second order
    order_id: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    waybill_no: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    order_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(sa.String(255))
    exception_note: Mapped[str | None] = mapped_column(sa.String(255))
    # pickup
    pickup_code: Mapped[str | None] = mapped_column(sa.String(12))
    pickup_address: Mapped[str | None] = mapped_column(sa.String(255))
    pickup_hours: Mapped[str | None] = mapped_column(sa.String(255))
    # wrong codes typed at the window for the current code; at PICKUP_CODE_MAX_FAILURES the code
    # is locked (pickup_locked_at) until the citizen has a new one issued
    pickup_failures: Mapped[int] = mapped_column(default=0, server_default="0")
    pickup_locked_at: Mapped[datetime | None] = mapped_column()
    delivered_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # mailed together with other cases' results in one parcel (its courier order is the parcel's)
    parcel_id: Mapped[int | None] = mapped_column(sa.ForeignKey("delivery_parcels.id"), index=True)

    routes: Mapped[list[DeliveryRoute]] = relationship(
        order_by="(DeliveryRoute.accept_time, DeliveryRoute.id)", cascade="all, delete-orphan"
    )


class DeliveryParcel(db.Model):
    """One parcel for the results of several cases of one citizen (the citizen chose "together"):
    created with the courier when every member's result is issued. Its members are the
    deliveries with `parcel_id`; each keeps its own status, routes and timeline, moved together
    with the parcel. `department_code` is the first member's: the sender and its courier."""

    __tablename__ = "delivery_parcels"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), index=True)
    department_code: Mapped[str] = mapped_column(sa.String(64))
    address_id: Mapped[int] = mapped_column(sa.ForeignKey("delivery_addresses.id"))
    status: Mapped[str] = mapped_column(sa.String(32), default=S.WAITING_PARCEL)
    contact: Mapped[str | None] = mapped_column(sa.Text)  # copied from the address when it ships
    province_code: Mapped[str | None] = mapped_column(sa.String(12))
    city_code: Mapped[str | None] = mapped_column(sa.String(12))
    county_code: Mapped[str | None] = mapped_column(sa.String(12))
    courier: Mapped[str | None] = mapped_column(sa.String(16))
    courier_name: Mapped[str | None] = mapped_column(sa.String(64))
    order_id: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    waybill_no: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    order_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class DeliveryRoute(db.Model):
    """One route update of a parcel, once per (delivery, route key) whichever way it came."""

    __tablename__ = "delivery_routes"
    __table_args__ = (sa.UniqueConstraint("delivery_id", "route_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(sa.ForeignKey("deliveries.id"))
    route_key: Mapped[str] = mapped_column(sa.String(64))
    op_code: Mapped[str] = mapped_column(sa.String(16))
    stage: Mapped[str] = mapped_column(sa.String(32))
    accept_time: Mapped[datetime] = mapped_column()
    accept_address: Mapped[str] = mapped_column(sa.String(200), default="")
    remark: Mapped[str] = mapped_column(sa.String(500), default="")
    source: Mapped[str] = mapped_column(sa.String(16))  # push | query | staff
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CourierConfig(db.Model):
    """Which courier a department mails its results with (none configured: DELIVERY_DEFAULT_COURIER)."""

    __tablename__ = "delivery_courier_configs"

    department_code: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    courier: Mapped[str] = mapped_column(sa.String(16))
    updated_by: Mapped[str | None] = mapped_column(sa.String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class RoutePush(db.Model):
    """A route push as received (raw body), whether its digest held, and what we answered."""

    __tablename__ = "delivery_route_pushes"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(sa.String(16))
    body: Mapped[str] = mapped_column(sa.Text)
    verified: Mapped[bool] = mapped_column()
    outcome: Mapped[str] = mapped_column(sa.String(64))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


TABLES = (
    "delivery_route_pushes",
    "delivery_routes",
    "deliveries",
    "delivery_parcels",
    "delivery_addresses",
    "delivery_courier_configs",
)
