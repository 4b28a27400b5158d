"""Closed-loop HTTP load against 127.0.0.1: N connections, each sending its next request as soon
as the previous answer arrives, for a fixed time.

`wrk` (rotate.lua) is the load generator when installed; otherwise a Python one (threads with
http.client keep-alive connections, recording every request's latency) stands in, and the
report says so: its own CPU use on the same machine lowers every figure, bare Flask included.
"""

from __future__ import annotations

import http.client
import json
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

LUA = Path(__file__).with_name("rotate.lua")
MAX_PYTHON_REQUESTS = 2_000_000  # a hard bound on the Python generator, whatever the duration


@dataclass
class LoadResult:
    tool: str
    requests: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float
    errors: int  # connect/read/write errors and timeouts
    bad_status: int  # responses with status >= 400
    distinct_paths: int
    # CPU time the server's processes spent per request (ms), when measured (run.measure)
    server_cpu_ms: float = 0.0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def repeats(self) -> int:
        """Requests beyond the distinct paths (for a cold scenario: answers that may be cached)."""
        return max(0, self.requests - self.distinct_paths)


def wrk_path() -> str | None:
    return shutil.which("wrk")


def _check_loopback(base_url: str) -> None:
    host = urlsplit(base_url).hostname
    if host != "127.0.0.1":
        raise ValueError(f"the benchmark only sends traffic to 127.0.0.1, not {host}")


def run(
    tool: str, base_url: str, paths: list[str], seconds: int, connections: int, threads: int = 1, timeout: int = 10
) -> LoadResult:
    _check_loopback(base_url)
    if tool == "wrk":
        return run_wrk(base_url, paths, seconds, connections, threads, timeout)
    return run_python(base_url, paths, seconds, connections, timeout)


def run_wrk(base_url: str, paths: list[str], seconds: int, connections: int, threads: int, timeout: int) -> LoadResult:
    with tempfile.NamedTemporaryFile("w", suffix=".paths", delete=False, encoding="utf-8") as fh:
        fh.write("\n".join(paths) + "\n")
        paths_file = fh.name
    cmd = [
        wrk_path() or "wrk",
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{seconds}s",
        "--timeout",
        f"{timeout}s",
        "-s",
        str(LUA),
        base_url,
        "--",
        paths_file,
        str(threads),
    ]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + timeout + 30, check=False)
    finally:
        Path(paths_file).unlink(missing_ok=True)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    d = json.loads(line[len("WRKJSON ") :])
    return LoadResult(
        tool="wrk",
        requests=d["requests"],
        seconds=d["duration_us"] / 1e6,
        p50_ms=d["p50_us"] / 1000,
        p90_ms=d["p90_us"] / 1000,
        p99_ms=d["p99_us"] / 1000,
        max_ms=d["max_us"] / 1000,
        mean_ms=d["mean_us"] / 1000,
        errors=d["connect"] + d["read"] + d["write"] + d["timeout"],
        bad_status=d["status"],
        distinct_paths=len(set(paths)),
    )


def _percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    k = min(len(sorted_values) - 1, max(0, round(q / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[k]


def run_python(base_url: str, paths: list[str], seconds: int, connections: int, timeout: int) -> LoadResult:
    """`connections` threads, each with a keep-alive http.client connection (re-opened when the
    server closes it, as gunicorn's sync workers do after every response)."""
    parts = urlsplit(base_url)
    host, port = parts.hostname, parts.port or 80
    latencies: list[list[float]] = [[] for _ in range(connections)]
    counts = {"errors": 0, "bad": 0}
    lock = threading.Lock()
    per_thread_cap = MAX_PYTHON_REQUESTS // connections
    start_gate = threading.Barrier(connections + 1)
    deadline_box: list[float] = [0.0]

    def worker(n: int) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
        idx = n * len(paths) // connections
        mine = latencies[n]
        errors = bad = 0
        start_gate.wait()
        deadline = deadline_box[0]
        while len(mine) < per_thread_cap:
            path = paths[idx % len(paths)]
            idx += 1
            t0 = time.perf_counter()
            if t0 >= deadline:
                break
            try:
                conn.request("GET", path)
                resp = conn.getresponse()
                resp.read()
                mine.append(time.perf_counter() - t0)
                if resp.status >= 400:
                    bad += 1
                if resp.will_close:
                    conn.close()
            except (OSError, http.client.HTTPException):
                errors += 1
                conn.close()
        conn.close()
        with lock:
            counts["errors"] += errors
            counts["bad"] += bad

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(connections)]
    for t in threads:
        t.start()
    deadline_box[0] = time.perf_counter() + seconds
    started = time.perf_counter()
    start_gate.wait()
    for t in threads:
        t.join(timeout=seconds + timeout + 30)
    elapsed = time.perf_counter() - started
    merged = sorted(x for lst in latencies for x in lst)
    ms = [x * 1000 for x in merged]
    return LoadResult(
        tool="python",
        requests=len(ms),
        seconds=elapsed,
        p50_ms=_percentile(ms, 50),
        p90_ms=_percentile(ms, 90),
        p99_ms=_percentile(ms, 99),
        max_ms=ms[-1] if ms else 0.0,
        mean_ms=sum(ms) / len(ms) if ms else 0.0,
        errors=counts["errors"],
        bad_status=counts["bad"],
        distinct_paths=len(set(paths)),
    )


def prime(base_url: str, paths: list[str], rounds: int, concurrency: int, max_seconds: float, timeout: int = 60):
    """Send every path `rounds` times (shuffled, `concurrency` keep-alive connections) so that
    each worker process has answered, and cached, each one. Bounded in count and in time.
    Returns (requests sent, seconds)."""
    import random

    _check_loopback(base_url)
    parts = urlsplit(base_url)
    jobs = [p for p in paths for _ in range(rounds)]
    random.Random(len(jobs)).shuffle(jobs)
    next_job = iter(range(len(jobs)))
    lock = threading.Lock()
    sent = [0]
    deadline = time.perf_counter() + max_seconds

    def worker() -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        while time.perf_counter() < deadline:
            with lock:
                n = next(next_job, None)
            if n is None:
                break
            try:
                conn.request("GET", jobs[n])
                resp = conn.getresponse()
                resp.read()
                if resp.will_close:
                    conn.close()
                with lock:
                    sent[0] += 1
            except (OSError, http.client.HTTPException):
                conn.close()
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max_seconds + timeout + 5)
    return sent[0], time.perf_counter() - started


def timed_get(base_url: str, path: str, timeout: float = 120) -> tuple[float, int, bytes]:
    """One GET on a fresh connection: (milliseconds, status, body)."""
    _check_loopback(base_url)
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        t0 = time.perf_counter()
        conn.request("GET", path)
        resp = conn.getresponse()
        body = resp.read()
        return (time.perf_counter() - t0) * 1000, resp.status, body
    finally:
        conn.close()
