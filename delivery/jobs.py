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


_PENDING = ("queued", "started", "scheduled", "deferred")


def enqueue_order(delivery_id: int, *, round_: str = "1") -> bool:
    """One place_order job per (delivery, round): while a job of that round is pending, another
    enqueue adds nothing; staff retries start a new round. True when a job was enqueued."""
    from rq import Queue, Retry
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    from app.extensions import redis_ext

    job_id = f"delivery-order-{delivery_id}-{round_}"
    try:
        if Job.fetch(job_id, connection=redis_ext.client).get_status() in _PENDING:
            return False
    except NoSuchJobError:
        pass
    intervals = _intervals()
    retry = Retry(max=len(intervals), interval=intervals) if intervals else None
    Queue(Queues.DEFAULT, connection=redis_ext.client).enqueue(
        "delivery.jobs.place_order",
        delivery_id,
        job_id=job_id,
        retry=retry,
        result_ttl=3600,
        failure_ttl=7 * 86400,
    )
    return True


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
    """Cron: ask the courier for the routes of parcels we have heard nothing about for a while,
    and enqueue again the orders left in ORDERING by a lost job (Redis flushed, a crash)."""
    from delivery import tracking

    minutes = int(current_app.config["DELIVERY_POLL_AFTER_MINUTES"])
    result = tracking.poll_routes(older_than=timedelta(minutes=minutes))
    stuck = tracking.stuck_orders(older_than=timedelta(minutes=30))
    for delivery_id, attempts in stuck:
        enqueue_order(delivery_id, round_=f"sweep{attempts}")
    result["requeued"] = len(stuck)
    return result
