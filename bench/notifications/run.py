"""Notification sends per second to the sandbox, against RQ's no-op job rate, on PostgreSQL.

1. A fresh database `zsb_bench_notify` on 127.0.0.1:5432, migrated (`flask db upgrade heads`).
2. The WeChat sandbox runs under gunicorn (gthread, one process, keep-alive: pooled connections
   as with the real API; werkzeug's development server closes every connection).
3. Preparation (not timed): citizens are created through the identity core (a WeChat identity
   each) with a long-term consent; one outbox event per message is written and handled by
   `notifications.fanout.handle_event` — N WeChat messages pending, as after a burst of moves.
4. For each worker count (1, 2): the N send jobs are enqueued, then that many
   `rq worker --burst --worker-class <class> notifications` processes drain them. Then N no-op jobs
   (`app.worker.ping`) are run the same way with the same worker class. Rates are taken from RQ's
   own job timestamps (first start → last end), so worker start-up is not counted.
5. Afterwards every message must be `sent`, each exactly once at the sandbox.

Printed: jobs/s, p50/p99 job duration (ms), the ratio messages/s ÷ no-op jobs/s (target ≥ 0.6)
and the CPU other processes used meanwhile (the machine is shared).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.catalog.cpu import CpuWatch
from bench.catalog.database import ROOT, BenchDatabase, app_env, migrate
from bench.catalog.servers import Gunicorn

CLASSES = {"simple": "app.worker.AppSimpleWorker", "fork": "app.worker.AppWorker"}


@dataclass
class Result:
    name: str
    jobs: int
    seconds: float
    p50: float
    p99: float
    cpu_other: float
    worker_cpu_ms: float = 0.0  # CPU of the rq worker processes per job
    sandbox_cpu_ms: float = 0.0  # CPU of the sandbox per job

    @property
    def rate(self) -> float:
        return self.jobs / self.seconds if self.seconds else 0.0


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else 0.0


def _sandbox_settings(base_url: str) -> dict:
    from sandbox.server import WECHAT_APPID, WECHAT_SECRET

    return {"SANDBOX": "1", "WECHAT_APPID": WECHAT_APPID, "WECHAT_SECRET": WECHAT_SECRET, "WECHAT_API_BASE": base_url}


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _tree_cpu(pid: int) -> float:
    import psutil

    try:
        procs = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
        return sum(sum(p.cpu_times()[:2]) for p in procs)
    except psutil.Error:
        return 0.0


def _run_workers(env: dict, worker_class: str, count: int, redis_url: str, log: Path) -> None:
    args = [sys.executable, "-m", "rq.cli", "worker", "--burst", "--worker-class", worker_class]
    args += ["--url", redis_url, "--logging_level", "WARNING", "notifications"]
    with log.open("a", encoding="utf-8") as fh:
        procs = [subprocess.Popen(args, cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT) for _ in range(count)]
        for p in procs:
            if p.wait(timeout=900) != 0:
                raise RuntimeError(f"worker failed ({p.returncode}); see {log}")


def _measure(name: str, job_ids: list[str], redis_url: str, items: int | None = None) -> Result:
    import redis
    from rq.job import Job

    conn = redis.Redis.from_url(redis_url)
    jobs = Job.fetch_many(job_ids, connection=conn)
    missing = [j for j in jobs if j is None or j.get_status() != "finished"]
    if missing:
        raise RuntimeError(f"{name}: {len(missing)} job(s) not finished")
    starts = [j.started_at for j in jobs]
    ends = [j.ended_at for j in jobs]
    durations = [(e - s).total_seconds() * 1000 for s, e in zip(starts, ends, strict=True)]
    seconds = (max(ends) - min(starts)).total_seconds()
    return Result(name, items or len(jobs), seconds, _pct(durations, 0.5), _pct(durations, 0.99), 0.0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000, help="messages (and no-op jobs) per run")
    parser.add_argument("--workers", default="1,2", help="worker counts (default 1,2)")
    parser.add_argument("--worker-class", choices=sorted(CLASSES), default="simple")
    parser.add_argument(
        "--batch", type=int, default=None, help="NOTIFICATIONS_SEND_BATCH (messages per send job; default: the app's)"
    )
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11"))
    args = parser.parse_args(argv)
    worker_class = CLASSES[args.worker_class]

    out_dir = ROOT / "bench" / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    log = out_dir / "notifications.log"
    log.write_text("", encoding="utf-8")
    db = BenchDatabase(name="zsb_bench_notify")
    var_dir = Path(tempfile.mkdtemp(prefix="zsb-bench-notify-"))
    env = app_env(db.url, var_dir, args.redis_url)
    if args.batch:
        env["NOTIFICATIONS_SEND_BATCH"] = str(args.batch)

    print(f"database {db.name}: recreate, migrate …", flush=True)
    db.recreate()
    migrate(env, log)
    with Gunicorn("bench.notifications.sandbox_app:app", env, log, 1, "gthread", 8) as sandbox:
        env.update(_sandbox_settings(sandbox.base_url))
        return _bench(args, env, worker_class, log, sandbox.base_url, sandbox.proc.pid)


def _bench(args, env: dict, worker_class: str, log: Path, sandbox_url: str, sandbox_pid: int) -> int:
    import redis
    import requests
    from rq import Queue

    os.environ.update(env)
    from app import create_app
    from app.extensions import db
    from app.worker import clear_queues
    from bench.notifications.prepare import prepare_messages

    app = create_app("development", EVENTS_DISPATCH_ON_COMMIT=False, LOG_LEVEL="WARNING")
    conn = redis.Redis.from_url(args.redis_url)
    conn.flushdb()
    counts = [int(n) for n in args.workers.split(",")]
    results: list[Result] = []
    for count in counts:
        with app.app_context():
            clear_queues()
            print(f"preparing {args.messages} pending messages …", flush=True)
            ids = prepare_messages(args.messages, tag=f"w{count}")
            from notifications import dispatch

            assert dispatch.enqueue_sends(ids)
            from notifications import settings

            batch = settings.get("NOTIFICATIONS_SEND_BATCH")
            send_jobs = Queue("notifications", connection=conn).get_job_ids()
            db.session.remove()
        before = len(requests.get(f"{sandbox_url}/sandbox/messages?limit=100000", timeout=10).json()["items"])
        before_cpu, before_sandbox = _children_cpu(), _tree_cpu(sandbox_pid)
        with CpuWatch() as cpu:
            _run_workers(env, worker_class, count, args.redis_url, log)
        res = _measure(f"send, {count} worker{'s' if count > 1 else ''}", send_jobs, args.redis_url, len(ids))
        res.cpu_other = cpu.share().other
        res.worker_cpu_ms = (_children_cpu() - before_cpu) * 1000 / len(ids)  # per message
        res.sandbox_cpu_ms = (_tree_cpu(sandbox_pid) - before_sandbox) * 1000 / len(ids)
        delivered = requests.get(f"{sandbox_url}/sandbox/messages?limit=100000", timeout=10).json()["items"]
        problems = _check(app, ids, delivered[before:])
        if problems:
            print("\n".join(problems), file=sys.stderr)
            return 1
        results.append(res)

        queue = Queue("notifications", connection=conn)
        noop_ids = [f"noop-{count}-{n}" for n in range(args.messages)]
        with conn.pipeline() as pipe:
            for job_id in noop_ids:
                queue.enqueue("app.worker.ping", job_id=job_id, result_ttl=600, pipeline=pipe)
            pipe.execute()
        before_cpu = _children_cpu()
        with CpuWatch() as cpu:
            _run_workers(env, worker_class, count, args.redis_url, log)
        res = _measure(f"no-op job, {count} worker{'s' if count > 1 else ''}", noop_ids, args.redis_url)
        res.cpu_other = cpu.share().other
        res.worker_cpu_ms = (_children_cpu() - before_cpu) * 1000 / len(noop_ids)
        results.append(res)

    print()
    print(
        f"worker class {worker_class}; {args.messages} messages / no-op jobs per run; {batch} message(s) per send "
        "job; WeChat sandbox on loopback; PostgreSQL"
    )
    print(
        f"{'run':26} {'jobs':>6} {'jobs/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'ratio':>6} "
        f"{'worker CPU':>10} {'sandbox CPU':>11} {'CPU other':>9}"
    )
    for i, r in enumerate(results):
        ratio = f"{r.rate / results[i + 1].rate:6.2f}" if i % 2 == 0 else "      "
        print(
            f"{r.name:26} {r.jobs:6d} {r.rate:8.1f} {r.p50:7.1f} {r.p99:7.1f} {ratio} "
            f"{r.worker_cpu_ms:7.1f} ms {r.sandbox_cpu_ms:8.1f} ms {r.cpu_other:8.0f}%"
        )
    print("\nratio = messages delivered per second ÷ no-op jobs per second, same worker class and count")
    print("p50 / p99 = duration of one job (a send job carries up to the batch size of messages)")
    print("worker / sandbox CPU = CPU time of the rq worker processes / of the sandbox per job")
    return 0


def _check(app, ids: list[int], delivered: list[dict]) -> list[str]:
    import sqlalchemy as sa

    from app.extensions import db
    from notifications.models import Message

    problems = []
    with app.app_context():
        statuses = dict(
            db.session.execute(
                sa.select(Message.status, sa.func.count()).where(Message.id.in_(ids)).group_by(Message.status)
            ).all()
        )
        db.session.remove()
    if statuses != {"sent": len(ids)}:
        problems.append(f"message states {statuses}, expected all {len(ids)} sent")
    if len(delivered) != len(ids):
        problems.append(f"sandbox received {len(delivered)} messages for {len(ids)}")
    keys = {(m["touser"], json.dumps(m["data"], sort_keys=True)) for m in delivered}
    if len(keys) != len(delivered):
        problems.append("a message was delivered twice")
    return problems
