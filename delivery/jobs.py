"""RQ jobs of delivery/: the `case.result_issued` subscriber, placing courier orders, and the
periodic route query (cron_config.py). Jobs take ids, re-load and delegate to the services."""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask import current_app

from app import jobs
from app.outbox import OutboxEvent
from app.queues import Queues
from delivery import parcel_orders, service, tracking


def _intervals() -> list[int]:
    return [int(x) for x in current_app.config["DELIVERY_ORDER_RETRY_INTERVALS"]]


def enqueue_order(delivery_id: int, *, round_: str = "1") -> bool:
    """One place_order job per (delivery, round): while a job of that round is pending, another
    enqueue adds nothing; staff retries start a new round. True when a job was enqueued."""
    key = f"delivery-order-{delivery_id}-{round_}"
    if jobs.pending(key):
        return False
    jobs.enqueue(place_order, delivery_id, key=key, queue=Queues.DEFAULT, retry=_intervals(), result_ttl=3600)
    return True


def new_round() -> str:
    return uuid.uuid4().hex[:12]


def enqueue_parcel_order(parcel_id: int, *, round_: str = "1") -> bool:
    """One place_parcel_order job per (parcel, round), as enqueue_order for one delivery."""
    key = f"delivery-parcel-{parcel_id}-{round_}"
    if jobs.pending(key):
        return False
    jobs.enqueue(place_parcel_order, parcel_id, key=key, queue=Queues.DEFAULT, retry=_intervals(), result_ttl=3600)
    return True


def place_parcel_order(parcel_id: int) -> str:
    return parcel_orders.place_parcel_order(parcel_id, max_attempts=len(_intervals()) + 1)


def on_case_ended(event: OutboxEvent) -> None:
    """Subscriber of `case.reject` / `case.deny` / `case.withdraw` / `case.revoke`: the case
    leaves its parcel."""
    service.parcel_member_ended(int(event.payload["case_id"]))


def on_result_issued(event: OutboxEvent) -> None:
    """Subscriber of `case.result_issued`: fix the delivery; mail by courier → an order job."""
    delivery_id = service.result_issued(int(event.payload["case_id"]))
    if delivery_id is not None:
        enqueue_order(delivery_id)


def place_order(delivery_id: int) -> str:
    return tracking.place_order(delivery_id, max_attempts=len(_intervals()) + 1)


def poll_routes() -> dict:
    """Cron: ask the courier for the routes of parcels we have heard nothing about for a while,
    and enqueue again the orders left in ORDERING by a lost job (Redis flushed, a crash)."""
    minutes = int(current_app.config["DELIVERY_POLL_AFTER_MINUTES"])
    result = tracking.poll_routes(older_than=timedelta(minutes=minutes))
    stuck = tracking.stuck_orders(older_than=timedelta(minutes=30))
    for delivery_id, attempts in stuck:
        enqueue_order(delivery_id, round_=f"sweep{attempts}")
    stuck_parcels = tracking.stuck_parcels(older_than=timedelta(minutes=30))
    for parcel_id, attempts in stuck_parcels:
        enqueue_parcel_order(parcel_id, round_=f"sweep{attempts}")
    result["requeued"] = len(stuck) + len(stuck_parcels)
    return result
