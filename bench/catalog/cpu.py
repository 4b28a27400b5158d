"""Who else used the CPUs during a measurement.

The benchmark shares the machine with PostgreSQL and with whatever else runs there (other
people's test suites, dev servers). `CpuWatch` splits the CPU time spent during a scenario into
the benchmark's own processes (this process, its gunicorn servers and wrk), PostgreSQL's, and
everyone else's, so a figure taken while the machine was busy shows as such.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass


@dataclass
class CpuShare:
    ours: float  # % of the machine's total CPU capacity
    postgres: float
    other: float


def _snapshot() -> dict[int, tuple[float, str, float]]:
    import psutil

    out = {}
    for p in psutil.process_iter(["pid", "username", "create_time"]):
        try:
            t = p.cpu_times()
            out[p.pid] = (t.user + t.system, p.info["username"] or "", p.info["create_time"] or 0.0)
        except psutil.Error:
            continue
    return out


def _ours() -> set[int]:
    import psutil

    me = psutil.Process(os.getpid())
    try:
        return {me.pid, *(c.pid for c in me.children(recursive=True))}
    except psutil.Error:
        return {me.pid}


class CpuWatch:
    def __enter__(self):
        self.wall = time.time()
        self.t0 = time.perf_counter()
        self.before = _snapshot()
        return self

    def __exit__(self, *exc):
        self.after = _snapshot()
        self.ours = _ours()
        self.seconds = time.perf_counter() - self.t0

    def share(self) -> CpuShare:
        buckets = {"ours": 0.0, "postgres": 0.0, "other": 0.0}
        for pid, (cpu, user, created) in self.after.items():
            if pid in self.before and self.before[pid][2] == created:
                delta = cpu - self.before[pid][0]
            elif created >= self.wall:
                delta = cpu  # started during the measurement
            else:
                continue
            if pid in self.ours:
                buckets["ours"] += delta
            elif user == "postgres":
                buckets["postgres"] += delta
            else:
                buckets["other"] += delta
        capacity = self.seconds * (os.cpu_count() or 1) / 100
        return CpuShare(**{k: v / capacity for k, v in buckets.items()})
