"""A city's three years, read: `python -m bench.city bench` (make bench-city).

1. The database `zsb_bench_city` on 127.0.0.1:5432: created, migrated, seeded (catalog,
   residents, licences, calendar, staff) and filled by the generator (bench/city/generate.py,
   default 500,000 cases over three years, COPY) — or kept as it is with `--reuse` when it already
   holds the generated history (the fill takes minutes; the measurement does not change it).
2. bench/city/prepare.py logs in the department's seeded clerk and one citizen, who becomes the
   applicant of 120 of the generated cases.
3. The API (gunicorn, sync workers) is loaded path by path by a closed-loop client, first with one
   connection and then with N (default 8), for the time given per path; then a bare Flask app
   answering the same GETs with a small JSON body, in the same run, for the ratio.
Paths: the department's work queue (first page; overdue = red; not overdue and accepted = green
and yellow), the staff case view, the department's and the public figures for a year and for
three, the 36-month trend charts, and the citizen's case list.
"""

from __future__ import annotations

import argparse
import http.client
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.catalog.database import ROOT, BenchDatabase, app_env, migrate
from bench.catalog.servers import Gunicorn
from bench.city.prepare import DEPARTMENT
from bench.common import fresh_database, out_log, run_lanes, run_prepare

SEEDS = ("catalog", "residents", "licences", "workdays", "staff")


@dataclass
class Result:
    name: str
    connections: int
    seconds: float
    latencies: list[float]
    bad: int
    cpu_other: float

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        flat = sorted(self.latencies)
        if not flat:
            return 0.0
        return flat[min(len(flat) - 1, max(0, round(q / 100 * len(flat) + 0.5) - 1))]


def paths(prepared: dict) -> list[tuple[str, str | None, list[str]]]:
    """(name, which token, [paths to cycle through])."""
    today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).date()
    one = f"from={today - timedelta(days=364)}&to={today}"
    three = f"from={today - timedelta(days=3 * 365)}&to={today}"
    queue = f"/staff/api/v1/departments/{DEPARTMENT}/cases"
    stats = f"/staff/api/v1/departments/{DEPARTMENT}/stats"
    return [
        ("queue, first page", "staff", [queue]),
        ("queue, overdue (red)", "staff", [f"{queue}?overdue=true"]),
        ("queue, accepted not overdue", "staff", [f"{queue}?overdue=false&status=accepted"]),
        ("queue, page 50", "staff", [f"{queue}?page=50"]),
        ("staff case view", "staff", [f"/staff/api/v1/cases/{i}" for i in prepared["case_ids"]]),
        ("citizen case list", "citizen", ["/api/v1/applications", "/api/v1/applications?page=2"]),
        ("department figures, 1 year", "staff", [f"{stats}?{one}"]),
        ("department figures, 3 years", "staff", [f"{stats}?{three}"]),
        ("department trend, 36 months", "staff", [f"{stats}/trend.svg?months=36"]),
        ("public figures, 1 year", None, [f"/api/v1/stats/summary?{one}"]),
        ("public figures, 3 years", None, [f"/api/v1/stats/summary?{three}"]),
        ("public trend, 36 months", None, ["/api/v1/stats/trend.svg?months=36"]),
    ]


def load(name: str, port: int, token: str | None, targets: list[str], connections: int, seconds: float) -> Result:
    lat: list[list[float]] = [[] for _ in range(connections)]
    bad = [0] * connections
    deadline = [0.0]
    headers = {"Authorization": f"Bearer {token}"} if token else {}

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        k = i
        while time.perf_counter() < deadline[0]:
            started = time.perf_counter()
            conn.request("GET", targets[k % len(targets)], headers=headers)
            resp = conn.getresponse()
            resp.read()
            lat[i].append((time.perf_counter() - started) * 1000)
            bad[i] += resp.status != 200
            k += connections
        conn.close()

    took, cpu_other = run_lanes(worker, connections, seconds, deadline)
    return Result(name, connections, took, [v for lane in lat for v in lane], sum(bad), cpu_other)


def fill(db: BenchDatabase, env: dict, log: Path, redis_url: str, years: float, cases: int) -> None:
    fresh_database(db, env, log, redis_url, seeds=SEEDS)
    print(f"generating {cases:,} cases over {years:g} years …", flush=True)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "bench.city", "generate", "--years", str(years), "--cases", str(cases)],
        cwd=ROOT, env=env, check=True,
    )  # fmt: skip
    print(f"generated in {time.perf_counter() - started:.0f} s; VACUUM ANALYZE …", flush=True)
    db.analyze()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.city bench", description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=500_000)
    parser.add_argument("--years", type=float, default=3)
    parser.add_argument("--seconds", type=float, default=8, help="time per path and connection count (default 8)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument("--reuse", action="store_true", help="keep zsb_bench_city when it holds generated history")
    parser.add_argument("--only", default="", help="only the paths whose name contains this text")
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"))
    args = parser.parse_args(argv)

    out_dir, log = out_log("city")
    db = BenchDatabase(name="zsb_bench_city")
    env = app_env(db.url, Path(tempfile.mkdtemp(prefix="zsb-bench-city-")), args.redis_url)
    have = db.name in db.databases() and db.scalar("SELECT count(*) FROM cases WHERE case_number LIKE 'DEMO-%'")
    if not (args.reuse and have):
        fill(db, env, log, args.redis_url, args.years, args.cases)
    else:  # a database filled by an earlier version: this one's migrations, its rollup cells
        migrate(env, log)
    # the figures' rollup cells up to date, as the cron job `stats-rollup` keeps them
    subprocess.run([sys.executable, "-m", "flask", "stats", "rollup"], cwd=ROOT, env=env, check=True)
    print(
        "database: "
        + ", ".join(
            f"{t} {db.scalar(f'SELECT count(*) FROM {t}'):,}"
            for t in ("cases", "case_events", "case_materials", "evaluations", "fee_orders", "deliveries")
        ),
        flush=True,
    )
    prepared = run_prepare("bench.city.prepare", env=env)
    if prepared is None:
        return 1
    tokens = {"staff": prepared["staff"], "citizen": prepared["citizen"], None: None}

    results: list[Result] = []
    with Gunicorn("wsgi:app", env, log, args.workers, "sync", 1) as api:
        api.wait_idle()
        for name, who, targets in paths(prepared):
            if args.only and args.only not in name:
                continue
            for conns in (1, args.connections):
                results.append(load(name, api.port, tokens[who], targets, conns, args.seconds))
                print(f"  {name} ×{conns}: {results[-1].rps:.1f}/s p99 {results[-1].pct(99):.0f} ms", flush=True)
    bare: dict[int, Result] = {}
    with Gunicorn("bench.city.bare_app:app", env, log, args.workers, "sync", 1) as server:
        server.wait_idle()
        for conns in (1, args.connections):
            bare[conns] = load("bare Flask", server.port, None, ["/api/v1/stats/summary"], conns, args.seconds)

    print()
    print(f"{'path':30} {'conns':>5} {'requests':>8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'bad':>4} "
          f"{'× bare':>7} {'CPU other':>9}")  # fmt: skip
    for r in [*results, *bare.values()]:
        ratio = r.rps / bare[r.connections].rps if bare[r.connections].rps else 0.0
        print(
            f"{r.name:30} {r.connections:5d} {len(r.latencies):8d} {r.rps:8.1f} {r.pct(50):8.1f} {r.pct(99):8.1f} "
            f"{r.bad:4d} {ratio:7.3f} {r.cpu_other:8.0f}%"
        )
    print(f"\nload average: {os.getloadavg()}; server log: {log}")
    return 1 if any(r.bad for r in results) else 0
