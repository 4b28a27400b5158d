"""The dev runner behind `make run`, a supervisor (architecture.md, rule 19; README, "What
`make run` runs").

It refuses a taken API port and a second runner on the same var dir, starts the provider sandbox
in this process (every provider without credentials, or all with SANDBOX=1; fixed ports
9101–9105, SANDBOX_*_PORT to change them; a taken one stops it), the embedded Redis unless
REDIS_URL is set (it owns that server and restarts it if it dies), then its children, each the
leader of its own process group:

- api: gunicorn serving wsgi:app on HOST:PORT (127.0.0.1:8000)
- worker: one RQ worker (app.worker.AppWorker) with its scheduler, on every queue
- cron: `rq cron cron_config.py`, the periodic jobs
- relay: `flask events relay`, only with EVENTS_DISPATCH_ON_COMMIT=0

A child that exits is restarted after 1, 2, 4 … 30 s (back to 1 s once it ran 30 s); its process
group is killed first, so nothing it forked survives it. While Redis is unreachable the worker,
cron and relay are stopped and the API keeps serving; they start again once Redis answers.
Ctrl-C / SIGTERM / SIGHUP stops every child (SIGTERM, SIGKILL to the group after 10 s), the
sandbox and the embedded Redis. The API exiting within 15 s of its first start stops the runner.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devrunner.sandbox import start_sandbox  # noqa: E402
from devrunner.supervisor import STOP_SIGNALS, Child, RedisHealth, Supervisor, log  # noqa: E402

from app.config import VAR_DIR  # noqa: E402
from app.queues import Queues  # noqa: E402


def free_scheduler_locks(url: str) -> None:
    """A killed worker's scheduler leaves its locks behind: free them so the new one starts now."""
    import redis

    from app.worker import release_dead_scheduler_locks

    connection = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    try:
        if freed := release_dead_scheduler_locks(connection):
            log(f"freed the scheduler locks of a dead scheduler: {', '.join(freed)}")
    finally:
        connection.close()


def children(env: dict) -> list[Child]:
    bin_dir = Path(sys.executable).parent
    host, port = env.get("HOST", "127.0.0.1"), env.get("PORT", "8000")
    url = env["REDIS_URL"]
    gunicorn = [str(bin_dir / "gunicorn"), "wsgi:app", "--bind", f"{host}:{port}"]
    gunicorn += ["--workers", env.get("WEB_CONCURRENCY", "2"), "--access-logfile", "-", "--graceful-timeout", "10"]
    worker = [str(bin_dir / "rq"), "worker", "--worker-class", "app.worker.AppWorker", "--with-scheduler"]
    worker += ["--url", url, *Queues.ALL]
    spec = [
        Child("api", gunicorn, cwd=ROOT, env=env, needs_redis=False, critical=True),
        Child("worker", worker, cwd=ROOT, env=env, needs_redis=True, before_start=lambda: free_scheduler_locks(url)),
        # periodic jobs (outbox sweep, reconciliation, route queries …): cron_config.py
        Child(
            "cron", [str(bin_dir / "rq"), "cron", "cron_config.py", "--url", url], cwd=ROOT, env=env, needs_redis=True
        ),
    ]
    if env.get("EVENTS_DISPATCH_ON_COMMIT", "1") in ("0", "false", "no"):
        # relay mode: requests leave their outbox events to the relay (README, "Outbox events")
        spec.append(Child("relay", [str(bin_dir / "flask"), "events", "relay"], cwd=ROOT, env=env, needs_redis=True))
    return spec


def port_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def another_runner(path: str) -> int | None:
    """The pid of another live dev runner whose embedded Redis runs on `path`, if any."""
    from app.redis_client import find_running

    server = find_running(path)
    if server is None or server.started_by in (0, os.getpid()):
        return None
    try:
        cmdline = psutil.Process(server.started_by).cmdline()
    except psutil.Error:
        return None
    return server.started_by if any(arg.endswith("run_dev.py") for arg in cmdline) else None


def main() -> int:
    early_stop = []  # a signal while starting up: stop once the supervisor is in place
    for signum in STOP_SIGNALS:
        signal.signal(signum, lambda signum, _: early_stop.append(signum))
    env = dict(os.environ)
    host, port = env.get("HOST", "127.0.0.1"), env.get("PORT", "8000")
    if not port_free(host, int(port)):
        log(f"the API port {host}:{port} is in use (another make run?): set PORT to a free port")
        return 2
    path = str(VAR_DIR / "redis.db")
    if not env.get("REDIS_URL") and (pid := another_runner(path)):
        log(f"another make run (pid {pid}) runs the embedded Redis of {VAR_DIR}: stop it, or set ZSB_VAR_DIR")
        return 2
    from sandbox.server import SandboxPortError

    try:
        sandbox = start_sandbox(env, VAR_DIR / "sandbox")
    except (SandboxPortError, ValueError) as exc:
        log(f"sandbox: {exc}")
        return 2
    health = None
    try:
        embedded = restart = None
        if not env.get("REDIS_URL"):
            from app.redis_client import open_embedded

            def restart():
                return open_embedded(path, adopt=True)

            embedded = restart()
            env["REDIS_URL"] = embedded.url
            log(f"embedded redis on {embedded.socket_file} (pid {embedded.pid})")
        health = RedisHealth(env["REDIS_URL"], embedded, restart)
        supervisor = Supervisor(children(env), health)
        log(f"API on http://{host}:{port}  (docs: http://{host}:{port}/docs)  — Ctrl-C stops everything")
        return supervisor.run(early_stop)
    finally:
        if sandbox is not None:
            sandbox.stop()
            log("sandbox providers stopped")
        if health is not None and health.embedded is not None:
            health.embedded.stop()
            log("embedded redis stopped")


if __name__ == "__main__":
    sys.exit(main())
