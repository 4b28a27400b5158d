"""Supervision for the dev runner: children in their own process groups, restarted with
exponential backoff; the Redis-bound ones held back while Redis is unreachable; the embedded Redis
restarted when it dies; everything stopped — process groups, adopted orphans — on Ctrl-C/SIGTERM.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable

import psutil
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

BACKOFF_FIRST = 1.0  # seconds before the first restart; doubled per quick failure
BACKOFF_MAX = 30.0
STABLE_AFTER = 30.0  # a child up this long starts again from the first backoff step
REDIS_DOWN_AFTER = 3  # failed pings in a row (one a second) before Redis counts as down
STOP_GRACE = 10.0  # seconds between SIGTERM and SIGKILL at shutdown
FIRST_START_WINDOW = 15.0  # the API exiting this soon after the runner started: a setup error, stop
HOLD_GRACE = 1.0  # the same when Redis went away (a warm shutdown cannot finish without it)


# Ctrl-C, kill, and the terminal closing: children in their own process groups would not get SIGHUP
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def log(msg: str) -> None:
    print(f"[run] {time.strftime('%H:%M:%S')} {msg}", flush=True)


def backoff(failures: int) -> float:
    """Delay before restart number `failures` (1, 2, 4 … seconds, at most BACKOFF_MAX)."""
    return min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** max(0, failures - 1))


def kill_group(pgid: int, sig: int = signal.SIGKILL) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


class Child:
    """One supervised command, run as the leader of its own process group (so the rq scheduler
    and work horse it forks go with it, and a terminal's Ctrl-C reaches only the runner)."""

    def __init__(
        self,
        name: str,
        argv: list[str],
        *,
        cwd,
        env: dict,
        needs_redis: bool,
        critical: bool = False,
        before_start: Callable | None = None,
    ):
        self.name, self.argv, self.cwd, self.env = name, argv, cwd, env
        self.needs_redis = needs_redis
        self.before_start = before_start  # e.g. free what a killed predecessor left locked
        self.critical = critical  # the API: failing at its very first start stops the runner
        self.process: subprocess.Popen | None = None
        self.started_at = 0.0
        self.starts = 0
        self.failures = 0
        self.next_start = 0.0

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def start(self) -> None:
        if self.before_start is not None:
            try:
                self.before_start()
            except Exception as exc:  # noqa: BLE001 - never a reason not to start
                log(f"{self.name}: before start: {exc!r}")
        self.process = subprocess.Popen(
            self.argv, cwd=self.cwd, env=self.env, stdin=subprocess.DEVNULL, process_group=0
        )
        self.started_at = time.monotonic()
        self.starts += 1
        log(f"{self.name} started (pid {self.process.pid})")

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def uptime(self) -> float:
        return time.monotonic() - self.started_at

    def reap(self) -> int:
        """After the leader exited: kill what is left of its group (the scheduler it forked)."""
        assert self.process is not None
        code = self.process.returncode
        kill_group(self.process.pid)
        self.process = None
        return code

    def terminate(self) -> None:
        if self.running():
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)

    def stop(self, deadline: float) -> None:
        """Wait for the leader until `deadline` (after terminate()), then kill the whole group."""
        if self.process is None:
            return
        try:
            self.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log(f"{self.name} (pid {self.process.pid}) did not stop in time: killed")
        kill_group(self.process.pid)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)
        self.process = None


def become_subreaper() -> bool:
    """Linux: orphans of our children (a work horse whose worker was killed) are re-parented to
    the runner instead of init, so the runner can find and stop them."""
    if not sys.platform.startswith("linux"):
        return False
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
    return False


class RedisHealth:
    """Is Redis answering? For the embedded server the runner owns, also restart it when it died."""

    def __init__(self, url: str, embedded=None, restart_embedded: Callable | None = None):
        self.url = url
        self.embedded = embedded
        self.restart_embedded = restart_embedded
        self.client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1, retry=Retry(NoBackoff(), 0))
        self.failed_pings = 0
        self.restarts = 0
        self.next_restart = 0.0
        self.last_ping = 0.0
        self.bounced = False  # the runner restarted the server: Redis-bound children start afresh

    def check(self) -> bool:
        now = time.monotonic()
        if self.embedded is not None and not self.embedded.alive():
            self.failed_pings = REDIS_DOWN_AFTER
            if now >= self.next_restart:
                self._restart_embedded(now)
            return False
        if now - self.last_ping >= 1.0:
            self.last_ping = now
            try:
                self.client.ping()
                self.failed_pings = 0
            except (redis.RedisError, OSError):
                self.failed_pings += 1
        return self.failed_pings < REDIS_DOWN_AFTER

    def _restart_embedded(self, now: float) -> None:
        log(f"embedded redis (pid {self.embedded.pid}) is gone: restarting it")
        try:
            self.embedded = self.restart_embedded()
        except Exception as exc:  # noqa: BLE001 - any failure: try again after a backoff
            self.restarts += 1
            self.next_restart = now + backoff(self.restarts)
            log(f"embedded redis did not start ({exc}); next try in {backoff(self.restarts):.0f}s")
            return
        self.restarts = 0
        self.bounced = True
        self.failed_pings = 0
        log(f"embedded redis back on {self.embedded.socket_file} (pid {self.embedded.pid})")


class Supervisor:
    def __init__(self, children: list[Child], health: RedisHealth):
        self.children = children
        self.health = health
        self.redis_up = True
        self.stopping = False
        self.code = 0
        self.subreaper = become_subreaper()

    def on_signal(self, signum, _frame) -> None:
        if self.stopping:
            log("second signal: killing everything now")
            for child in self.children:
                if child.process is not None:
                    kill_group(child.process.pid)
        self.stopping = True

    def run(self, early_signals: list | None = None) -> int:
        """Supervise until a stop signal; `early_signals`: those caught while starting up."""
        for signum in STOP_SIGNALS:
            signal.signal(signum, self.on_signal)
        self.stopping = self.stopping or bool(early_signals)
        try:
            while not self.stopping:
                self.tick()
                time.sleep(0.25)
        finally:  # also when the runner itself fails: never leave the children behind
            log("stopping")
            self.stop_all()
        return self.code

    def tick(self) -> None:
        now = time.monotonic()
        up = self.health.check()
        if self.health.bounced:
            self.health.bounced = False
            self._hold_redis_children("restarted embedded redis")
            up = self.health.check()
        if self.redis_up and not up:
            self.redis_up = False
            log(f"redis unreachable ({self.health.url}): API keeps serving; holding the worker, cron and relay")
            self._hold_redis_children("redis down")
        elif not self.redis_up and up:
            self.redis_up = True
            log("redis answers again: starting the worker, cron and relay")
            for child in self.children:
                if child.needs_redis:
                    child.failures, child.next_start = 0, now
        for child in self.children:
            if child.running():
                if child.failures and child.uptime() >= STABLE_AFTER:
                    child.failures = 0
                continue
            if child.process is not None:
                uptime = child.uptime()
                code = child.reap()
                if child.critical and child.starts == 1 and uptime < FIRST_START_WINDOW:
                    log(f"{child.name} exited with {code} at start: stopping (see its output above)")
                    self.code, self.stopping = code or 1, True
                    return
                child.failures += 1
                child.next_start = now + backoff(child.failures)
                log(f"{child.name} exited with {code} after {uptime:.0f}s; restart in {backoff(child.failures):.0f}s")
            if now >= child.next_start and (self.redis_up or not child.needs_redis):
                if child.starts:
                    log(f"restarting {child.name} (restart {child.starts})")
                child.start()
        self.sweep_orphans()

    def _hold_redis_children(self, why: str) -> None:
        """Stop the Redis-bound children (groups) so they start clean once Redis is back."""
        held = [c for c in self.children if c.needs_redis and c.running()]
        for child in held:
            child.terminate()
        deadline = time.monotonic() + HOLD_GRACE
        for child in held:
            child.stop(deadline)
            log(f"{child.name} stopped ({why})")
        now = time.monotonic()
        for child in self.children:
            if child.needs_redis:
                if child.process is not None:  # exited on its own meanwhile
                    child.reap()
                child.failures, child.next_start = 0, now

    def known_pids(self) -> set[int]:
        pids = {c.pid for c in self.children if c.pid}
        if self.health.embedded is not None:
            pids.add(self.health.embedded.pid)
        return pids

    def sweep_orphans(self) -> None:
        """Stop processes re-parented to the runner (orphans of a dead child) and reap them."""
        if not self.subreaper:
            return
        known = self.known_pids()
        for proc in psutil.Process().children():
            if proc.pid in known:
                continue
            with contextlib.suppress(psutil.Error):
                if proc.status() != psutil.STATUS_ZOMBIE:
                    log(f"orphan pid {proc.pid} ({proc.name()}) of a dead child: killed")
                    proc.kill()
            with contextlib.suppress(ChildProcessError, OSError):
                os.waitpid(proc.pid, os.WNOHANG)

    def stop_all(self) -> None:
        for child in reversed(self.children):
            child.terminate()
        deadline = time.monotonic() + STOP_GRACE
        for child in reversed(self.children):
            child.stop(deadline)
        deadline = time.monotonic() + 5
        while self.subreaper and time.monotonic() < deadline:
            self.sweep_orphans()
            if not [p for p in psutil.Process().children() if p.pid not in self.known_pids()]:
                break
            time.sleep(0.1)
        log("children stopped")
