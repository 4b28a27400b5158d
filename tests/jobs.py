"""Running the queued RQ jobs in the test process — what the worker of `make run` does in the
background — for every test package."""

from __future__ import annotations

from app.extensions import db
from app.worker import drain


def run_jobs(app) -> int:
    """Run every queued job (event jobs, the jobs they enqueue, retries without a wait) in this
    process inside `app`'s context; the number of jobs run."""
    with app.app_context():
        count = drain()
        db.session.remove()
    return count
