"""gunicorn processes of the benchmark, on free loopback ports only."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONF = Path(__file__).with_name("gunicorn_conf.py")
API_CONF = Path(__file__).with_name("gunicorn_api_conf.py")  # the project's settings: preload, index
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Gunicorn:
    """`gunicorn APP` with N workers of one class, bound to 127.0.0.1 on a free port."""

    def __init__(
        self, app: str, env: dict, log: Path, workers: int, worker_class: str, threads: int, conf: Path = CONF
    ):
        self.app = app
        self.conf = conf
        self.env = env
        self.log = log
        self.workers = workers
        self.worker_class = worker_class
        self.threads = threads
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self._ready_dir: str | None = None

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def command(self) -> list[str]:
        cmd = [
            sys.executable,
            "-m",
            "gunicorn",
            self.app,
            "-c",
            str(self.conf),
            "--bind",
            f"{HOST}:{self.port}",
            "--workers",
            str(self.workers),
            "--worker-class",
            self.worker_class,
            "--log-level",
            "warning",
            "--timeout",
            "120",
            "--graceful-timeout",
            "5",
            "--backlog",
            "2048",
        ]
        if self.worker_class == "gthread":
            cmd += ["--threads", str(self.threads)]
        return cmd

    def start(self, timeout: float = 180.0) -> float:
        """Start and wait until every worker has loaded the app; returns seconds taken."""
        self._ready_dir = tempfile.mkdtemp(prefix="zsb-bench-ready-")
        env = dict(self.env, BENCH_READY_DIR=self._ready_dir)
        started = time.perf_counter()
        self._logfh = self.log.open("a", encoding="utf-8")
        self._logfh.write(f"$ {' '.join(self.command())}\n")
        self._logfh.flush()
        self.proc = subprocess.Popen(
            self.command(), cwd=ROOT, env=env, stdout=self._logfh, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = started + timeout
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn {self.app} exited ({self.proc.returncode}); log {self.log}")
            if len(os.listdir(self._ready_dir)) >= self.workers and self._accepts():
                return time.perf_counter() - started
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"gunicorn {self.app} not ready after {timeout:.0f} s; log {self.log}")

    def _accepts(self) -> bool:
        try:
            with socket.create_connection((HOST, self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def worker_rss(self) -> list[int]:
        """Resident set size (bytes) of each worker process."""
        return [m["rss"] for m in self.memory()["workers"]]

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the master and its workers."""
        import psutil

        if self.proc is None:
            return 0.0
        try:
            master = psutil.Process(self.proc.pid)
            total = 0.0
            for p in (master, *master.children()):
                t = p.cpu_times()
                total += t.user + t.system
            return total
        except psutil.Error:
            return 0.0

    def memory(self) -> dict:
        """Memory of the master and of each worker (bytes): rss (resident, shared pages
        included), uss (only this process's own pages: what another worker adds) and pss
        (shared pages divided among the processes sharing them)."""
        import psutil

        out: dict = {"master": {}, "workers": []}
        if self.proc is None:
            return out

        def facts(p) -> dict:
            try:
                full = p.memory_full_info()
                return {"rss": full.rss, "uss": full.uss, "pss": getattr(full, "pss", 0)}
            except psutil.AccessDenied:
                return {"rss": p.memory_info().rss, "uss": 0, "pss": 0}

        try:
            master = psutil.Process(self.proc.pid)
            out["master"] = facts(master)
            out["workers"] = [facts(c) for c in master.children()]
        except psutil.Error:
            pass
        return out

    def wait_idle(self, limit: float = 20.0, threshold: float = 5.0) -> float:
        """Wait until the workers are done with what an earlier scenario left queued (their CPU
        use below `threshold` % over 0.2 s), at most `limit` seconds. Returns seconds waited."""
        import psutil

        started = time.perf_counter()
        if self.proc is None:
            return 0.0
        try:
            workers = psutil.Process(self.proc.pid).children()
            while time.perf_counter() - started < limit:
                for w in workers:
                    w.cpu_percent(None)
                time.sleep(0.2)
                if sum(w.cpu_percent(None) for w in workers) < threshold:
                    break
        except psutil.Error:
            pass
        return time.perf_counter() - started

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # the master stops its workers
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)  # our own session: master and workers
                self.proc.wait(timeout=5)
        self.proc = None
        self._logfh.close()
        if self._ready_dir:
            shutil.rmtree(self._ready_dir, ignore_errors=True)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
