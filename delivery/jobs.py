"""RQ jobs of delivery/: the `case.result_issued` subscriber, placing courier orders, and the
periodic route query (cron_config.py). Jobs take ids, re-load and delegate to the services."""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask import current_app

from app.outbox import OutboxEvent
from app.queues import Queues


def _intervals() -> list[int]:
    return [int(x) for x in current_app.config["DELIVERY_ORDER_RETRY_INTERVALS"]]


def enqueue_order(delivery_id: int, *, round_: str = "1") -> None:
    """One place_order job per (delivery, round): a repeated enqueue of the same round replaces
    the queued job instead of adding a second one; staff retries start a new round."""
    from rq import Queue, Retry

    from app.extensions import redis_ext

    intervals = _intervals()
    retry = Retry(max=len(intervals), interval=intervals) if intervals else None
    Queue(Queues.DEFAULT, connection=redis_ext.client).enqueue(
        "delivery.jobs.place_order",
        delivery_id,
        job_id=f"delivery-order-{delivery_id}-{round_}",
        retry=retry,
        result_ttl=3600,
        failure_ttl=7 * 86400,
    )


def new_round() -> str:
    return uuid.uuid4().hex[:12]


def on_result_issued(event: OutboxEvent) -> None:
    """Subscriber of `case.result_issued`: fix the delivery; mail by courier → an order job."""
    from delivery import service

    delivery_id = service.result_issued(int(event.payload["case_id"]))
    if delivery_id is not None:
        enqueue_order(delivery_id)


def place_order(delivery_id: int) -> str:
    from delivery import tracking

    return tracking.place_order(delivery_id, max_attempts=len(_intervals()) + 1)


def poll_routes() -> dict:
    """Cron: ask the courier for the routes of parcels we have heard nothing about for a while."""
    from delivery import tracking

    minutes = int(current_app.config["DELIVERY_POLL_AFTER_MINUTES"])
    return tracking.poll_routes(older_than=timedelta(minutes=minutes))
