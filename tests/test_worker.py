"""The RQ worker runs jobs inside the app, and the embedded Redis never outlives its process."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import psutil
from rq import Queue

from app.extensions import redis_ext
from app.queues import Queues

ROOT = Path(__file__).resolve().parent.parent


def test_app_worker_runs_a_job_in_a_burst(ctx, app):
    queue = Queue(Queues.DEFAULT, connection=redis_ext.client)
    job = queue.enqueue("app.worker.ping")
    env = dict(os.environ, REDIS_URL=redis_ext.url, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"])
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "rq.cli",
            "worker",
            "--burst",
            "--worker-class",
            "app.worker.AppWorker",
            "--url",
            redis_ext.url,
            Queues.DEFAULT,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    job.refresh()
    assert job.get_status() == "finished", (
        result.stderr,
        job.latest_result().exc_string if job.latest_result() else None,
    )
    assert job.return_value() == "pong"


def test_embedded_redis_stops_when_its_process_exits(tmp_path):
    script = textwrap.dedent(
        f"""
        from app.redis_client import start_embedded
        server = start_embedded({str(tmp_path / "r.db")!r})
        print(server.pid, flush=True)
        """
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    pid = int(out.stdout.strip().splitlines()[-1])
    assert pid > 0
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
