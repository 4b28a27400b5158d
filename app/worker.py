"""RQ worker that runs every job inside the Flask app context.

Start it with `rq worker --worker-class app.worker.AppWorker --with-scheduler --url REDIS_URL high default notifications low`
(the dev runner does). Jobs take ids, re-load and delegate to service functions
(architecture.md, point 10); the app context gives them the database session and config.
"""

from __future__ import annotations

import socket

import psutil
from rq import Queue
from rq.scheduler import SCHEDULER_KEY_TEMPLATE, SCHEDULER_LOCKING_KEY_TEMPLATE
from rq.scripts import release_lock
from rq.worker import SimpleWorker, Worker
from sqlalchemy.orm import configure_mappers

from app import create_app
from app.extensions import db, redis_ext
from app.queues import Queues


class AppWorker(Worker):
    _flask_app = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built once in the parent so each forked work horse inherits it instead of rebuilding.
        self.flask_app()

    @classmethod
    def flask_app(cls):
        if cls._flask_app is None:
            app = create_app()
            # Once here, not lazily in the first job of every (forked) process.
            configure_mappers()
            # Feature packages register warm-ups (imports, provider clients) in
            # app.extensions["worker_warmup"]: done in the parent, inherited by every work horse.
            with app.app_context():
                for warm_up in app.extensions.get("worker_warmup", ()):
                    warm_up()
            cls._flask_app = app
        return cls._flask_app

    def perform_job(self, job, queue, execution):
        app = self.flask_app()
        with app.app_context():
            # A forked work horse must not reuse the parent's pooled connections.
            db.engine.dispose(close=False)
            try:
                return super().perform_job(job, queue, execution)
            finally:
                db.session.remove()


class AppSimpleWorker(SimpleWorker):
    """A non-forking worker: jobs run in the worker process itself, inside the one app it built at
    start (no fork, no new connections per job). For short I/O-bound jobs — notification sends —
    this is several times the job rate of the forking AppWorker; the price is that a job that
    crashes the interpreter takes the worker with it (RQ's job timeout still applies, by signal).

    `rq worker --worker-class app.worker.AppSimpleWorker --with-scheduler --url REDIS_URL notifications`
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        AppWorker.flask_app()

    def perform_job(self, job, queue, execution):
        with AppWorker.flask_app().app_context():
            try:
                return super().perform_job(job, queue, execution)
            finally:
                db.session.remove()


def release_dead_scheduler_locks(connection, queues=None) -> list[str]:
    """Free the scheduler locks held by a scheduler that is dead on this host; the queue names freed.

    A worker killed -9 takes its scheduler process along without releasing its locks, and a
    restarted worker's scheduler cannot take them until they expire and that worker's next
    maintenance run (10 minutes): scheduled jobs and retries would wait that long. The dev runner
    calls this before (re)starting the worker. A holder on another host, or alive, is left alone.
    """
    freed = []
    for name in queues or Queues.ALL:
        key = SCHEDULER_LOCKING_KEY_TEMPLATE % name
        holder = connection.get(key)
        if holder is None:
            continue
        holder = holder.decode() if isinstance(holder, bytes) else holder
        info = {
            (k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v)
            for k, v in connection.hgetall(SCHEDULER_KEY_TEMPLATE % holder).items()
        }
        pid = int(info.get("pid") or 0)
        if not pid or info.get("hostname") != socket.gethostname():
            continue  # unknown holder or another host: its lock expires on its own
        try:
            alive = psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            alive = False
        if not alive and release_lock(connection, key, holder):
            freed.append(name)
    return freed


def ping() -> str:
    """A no-op job used by the readiness smoke test of the worker."""
    return "pong"


class InProcessWorker(SimpleWorker):
    """Runs jobs in the calling process, inside its app context (tests, `drain`)."""

    jobs_run = 0

    def perform_job(self, job, queue, execution):
        self.jobs_run += 1
        try:
            return super().perform_job(job, queue, execution)
        finally:
            db.session.remove()


def drain(queues: tuple[str, ...] | list[str] | None = None, *, max_jobs: int | None = None) -> int:
    """Run the queued jobs in this process, inside the current app context, until the queues are
    empty (a burst). For tests and scripts; production runs `rq worker`. Jobs a failed job
    re-schedules (rq Retry with an interval) wait for the scheduler and are not run here.
    Returns the number of jobs run."""
    connection = redis_ext.client
    names = list(queues or Queues.ALL)
    worker = InProcessWorker([Queue(n, connection=connection) for n in names], connection=connection)
    worker.work(burst=True, max_jobs=max_jobs, logging_level="WARNING", with_scheduler=False)
    return worker.jobs_run


def clear_queues() -> None:
    """Empty every queue and its scheduled/failed registries (tests start from nothing)."""
    for name in Queues.ALL:
        queue = Queue(name, connection=redis_ext.client)
        queue.empty()
        for registry in (queue.scheduled_job_registry, queue.failed_job_registry, queue.deferred_job_registry):
            for job_id in registry.get_job_ids():
                registry.remove(job_id, delete_job=True)
