"""Drive scripts/run_dev.py (what `make run` runs after migrating and seeding) as a subprocess on
free ports with its own var dir, and look at its children with psutil."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import redis
import requests
from rq import Queue

from app.queues import Queues

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def dev_env(var_dir: Path, **extra: str) -> dict:
    """The environment of `make run` on a bare machine, in `var_dir`, on free ports."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "APP_ENV")}
    env.update(
        ZSB_VAR_DIR=str(var_dir),
        DATABASE_URL=f"sqlite:///{var_dir / 'dev.db'}",
        FLASK_APP="wsgi",
        APP_ENV="development",
        HOST="127.0.0.1",
        PORT=str(free_port()),
        WEB_CONCURRENCY="1",
        PYTHONUNBUFFERED="1",
        **{f"SANDBOX_{name}_PORT": "0" for name in ("WECHAT", "ALIPAY", "WECHATPAY", "SF", "S3")},
    )
    env.update(extra)
    return env


def wait_for(predicate, timeout: float, what: str, interval: float = 0.25):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


class Runner:
    """scripts/run_dev.py in its own session: every process it starts shares that session id."""

    def __init__(self, env: dict, log_path: Path):
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Runner:
        self._log = open(self.log_path, "w")  # noqa: SIM115 - closed in __exit__
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "scripts" / "run_dev.py")],
            cwd=ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        return self

    def __exit__(self, *exc) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=30)
        for proc in self.session_processes():  # never leave anything behind, whatever failed
            with contextlib.suppress(psutil.Error):
                proc.kill()
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._log.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.env['PORT']}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def get(self, path: str) -> requests.Response | None:
        try:
            return requests.get(self.url + path, timeout=5)
        except requests.RequestException:
            return None

    def answers(self, path: str = "/healthz", status: int = 200) -> bool:
        response = self.get(path)
        return response is not None and response.status_code == status

    def session_processes(self) -> list[psutil.Process]:
        sid = self.process.pid
        found = []
        for proc in psutil.process_iter():
            with contextlib.suppress(psutil.Error, OSError):
                if proc.pid != sid and os.getsid(proc.pid) == sid and proc.status() != psutil.STATUS_ZOMBIE:
                    found.append(proc)
        return found

    def child(self, marker: str) -> psutil.Process | None:
        """The runner's direct child whose command line contains `marker` (e.g. "rq worker")."""
        for proc in psutil.Process(self.process.pid).children():
            with contextlib.suppress(psutil.Error):
                if marker in " ".join(proc.cmdline()) and proc.status() != psutil.STATUS_ZOMBIE:
                    return proc
        return None

    def job_runs(self, redis_url: str, timeout: float) -> bool:
        """Enqueue the no-op job and wait until a worker has run it."""
        connection = redis.Redis.from_url(redis_url, socket_timeout=5)
        try:
            job = Queue(Queues.DEFAULT, connection=connection).enqueue("app.worker.ping")
            wait_for(lambda: job.get_status(refresh=True) == "finished", timeout, "a worker to run a job", 0.5)
            return True
        finally:
            connection.close()
