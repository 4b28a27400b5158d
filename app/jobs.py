"""Enqueueing RQ jobs: the one helper every package uses instead of building `rq.Queue`s by hand.

    from app import jobs
    jobs.enqueue(place_order, delivery_id, key=f"delivery-order-{delivery_id}-1", retry=(10, 60))

`job` is the function object itself (RQ stores it as "<module>.<qualname>", so a reader follows
the reference and the job stays serialisable). `key` is the job id — the idempotency key: RQ
keeps one job per id. `retry` is the list of rq Retry intervals in seconds (empty: no retry);
`in_` delays the job by that many seconds (rq's scheduler runs it). `pipeline` queues the job on
a Redis pipeline the caller executes. Raises when Redis is unreachable; callers decide what a
lost enqueue means (most leave the work to a sweep).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta

from rq import Queue, Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job

from app.extensions import redis_ext
from app.queues import Queues

FAILURE_TTL = 7 * 86400  # failed jobs are kept a week for staff to look at


def retry_of(intervals: Sequence[int]) -> Retry | None:
    """rq Retry over `intervals` (seconds), None when there are none."""
    intervals = [int(x) for x in intervals]
    return Retry(max=len(intervals), interval=intervals) if intervals else None


def enqueue(
    job: Callable,
    *args,
    key: str,
    queue: str = Queues.DEFAULT,
    retry: Sequence[int] = (),
    in_: float | None = None,
    result_ttl: int | None = None,
    failure_ttl: int | None = FAILURE_TTL,
    timeout: int | None = None,
    connection=None,
    pipeline=None,
) -> Job:
    """Enqueue `job(*args)` under the job id `key` on `queue` (see the module docstring).
    `result_ttl`/`timeout` None keep RQ's defaults."""
    rq_queue = Queue(queue, connection=connection or redis_ext.client)
    options = {
        "job_id": key,
        "retry": retry_of(retry),
        "result_ttl": result_ttl,
        "failure_ttl": failure_ttl,
        "job_timeout": timeout,
        "pipeline": pipeline,
    }
    if in_ is None:
        return rq_queue.enqueue(job, *args, **options)
    return rq_queue.enqueue_in(timedelta(seconds=in_), job, *args, **options)


def pending(key: str) -> bool:
    """Whether a job with this id is queued, running, scheduled or deferred."""
    try:
        status = Job.fetch(key, connection=redis_ext.client).get_status()
    except NoSuchJobError:
        return False
    return status in ("queued", "started", "scheduled", "deferred")
