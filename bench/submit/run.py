"""Submit throughput and latency on PostgreSQL: `python -m bench.submit` (make bench-submit).

1. A fresh database `zsb_bench_submit` on 127.0.0.1:5432, migrated and seeded with the demo
   catalog, residents and e-licences (no credit records: every applicant is clean).
2. bench/submit/prepare.py builds drafts through the cores' service functions: 户籍证明开具 with the
   form filled and the ID card met by the applicant's own e-licence (授权用证).
3. The API (gunicorn, sync workers) and a bare Flask app with the same POST shape (same gunicorn
   settings) are loaded in turn by a closed-loop Python client: N connections, each submitting its
   next draft with a fresh Idempotency-Key as soon as the previous answer arrives, until its share
   of drafts or the time is used up. Every answer must be 200 with the expected status.
4. Afterwards the database is checked: one submit key per answered draft, every case in the state
   its scenario leads to, and one 户籍证明 e-licence per instantly approved case.

Scenarios: "instant" (the item's 秒批 rules hold: approved and the e-licence issued inside the
submit) and "officer" (the same drafts without rules: submitted for an officer).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from bench.catalog.cpu import CpuWatch
from bench.catalog.database import BenchDatabase, app_env
from bench.catalog.servers import Gunicorn
from bench.common import fresh_database, out_log, run_prepare

EXPECTED = {"instant": "approved", "officer": "submitted"}


@dataclass
class Result:
    name: str
    requests: int
    seconds: float
    p50: float
    p90: float
    p99: float
    max: float
    bad: int
    cpu_other: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q / 100 * len(values) + 0.5) - 1))]


def load(name: str, port: int, drafts: list[list], connections: int, seconds: float, expect: str | None) -> Result:
    """Closed loop: each connection submits its share of drafts, one after another."""
    shares = [drafts[i::connections] for i in range(connections)]
    latencies: list[list[float]] = [[] for _ in range(connections)]
    bad = [0] * connections
    deadline = [0.0]

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for token, case_id, _ in shares[i]:
            if time.perf_counter() > deadline[0]:
                break
            headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex, "Content-Length": "0"}
            started = time.perf_counter()
            conn.request("POST", f"/api/v1/applications/{case_id}/submit", headers=headers)
            resp = conn.getresponse()
            body = resp.read()
            latencies[i].append((time.perf_counter() - started) * 1000)
            if resp.status != 200 or (expect and json.loads(body).get("status") != expect):
                bad[i] += 1
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    with CpuWatch() as cpu:
        started = time.perf_counter()
        deadline[0] = started + seconds
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        took = time.perf_counter() - started
    flat = [v for lane in latencies for v in lane]
    return Result(
        name=name,
        requests=len(flat),
        seconds=took,
        p50=_pct(flat, 50),
        p90=_pct(flat, 90),
        p99=_pct(flat, 99),
        max=max(flat, default=0.0),
        bad=sum(bad),
        cpu_other=cpu.share().other,
    )


def _check(db: BenchDatabase, answered: dict[str, int]) -> list[str]:
    """What the database says about the run: problems, as sentences (empty: all as expected)."""
    problems = []
    counts = dict(
        (status, n)
        for status, n in _rows(db, "SELECT status, count(*) FROM cases WHERE status <> 'draft' GROUP BY status")
    )
    keys = _rows(db, "SELECT count(*) FROM case_submit_requests")[0][0]
    licences = _rows(db, "SELECT count(*) FROM licences WHERE source_ref IN (SELECT case_number FROM cases)")[0][0]
    if keys != sum(answered.values()):
        problems.append(f"{keys} submit keys for {sum(answered.values())} answered submits")
    for scenario, status in EXPECTED.items():
        if counts.get(status, 0) != answered.get(scenario, 0):
            problems.append(f"{counts.get(status, 0)} cases {status}, expected {answered.get(scenario, 0)}")
    if licences != answered.get("instant", 0):
        problems.append(f"{licences} e-licences issued for {answered.get('instant', 0)} instant approvals")
    return problems


def _rows(db: BenchDatabase, sql: str) -> list[tuple]:
    with db._connect(db.name) as conn:
        return conn.execute(sql).fetchall()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drafts", type=int, default=1200, help="drafts per scenario (default 1200)")
    parser.add_argument("--seconds", type=float, default=20, help="time limit per scenario (default 20)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9"))
    args = parser.parse_args(argv)

    out_dir, log = out_log("submit")
    db = BenchDatabase(name="zsb_bench_submit")
    var_dir = Path(tempfile.mkdtemp(prefix="zsb-bench-submit-"))
    env = app_env(db.url, var_dir, args.redis_url)

    fresh_database(db, env, log, args.redis_url, seeds=("catalog", "residents", "licences", "workdays"))
    print(f"preparing {args.drafts} drafts per scenario …", flush=True)
    started = time.perf_counter()
    prepared = run_prepare("bench.submit.prepare", args.drafts, env=env)
    if prepared is None:
        return 1
    print(
        f"  {len(prepared['drafts'])} drafts of {prepared['people']} applicants in {time.perf_counter() - started:.0f} s"
    )
    by_scenario = {s: [d for d in prepared["drafts"] if d[2] == s] for s in EXPECTED}

    results: list[Result] = []
    answered: dict[str, int] = {}
    with Gunicorn("wsgi:app", env, log, args.workers, "sync", 1) as api:
        for scenario, drafts in by_scenario.items():
            api.wait_idle()
            res = load(f"submit ({scenario})", api.port, drafts, args.connections, args.seconds, EXPECTED[scenario])
            answered[scenario] = res.requests - res.bad
            results.append(res)
    with Gunicorn("bench.submit.bare_app:app", env, log, args.workers, "sync", 1) as bare:
        fake = [[uuid.uuid4().hex, n, "bare"] for n in range(200_000)]
        results.append(load("bare Flask (same POST)", bare.port, fake, args.connections, args.seconds, None))

    bare_rps = results[-1].rps
    print()
    print(
        f"{'scenario':28} {'requests':>8} {'req/s':>8} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} "
        f"{'max ms':>8} {'bad':>5} {'× bare':>7} {'CPU other':>9}"
    )
    for r in results:
        print(
            f"{r.name:28} {r.requests:8d} {r.rps:8.1f} {r.p50:8.1f} {r.p90:8.1f} {r.p99:8.1f} {r.max:8.1f} "
            f"{r.bad:5d} {bare_rps / r.rps if r.rps else 0:7.1f} {r.cpu_other:8.0f}%"
        )
    problems = _check(db, answered)
    print()
    print(
        "database check: "
        + ("ok — one submit key per answer, every case in its state" if not problems else "; ".join(problems))
    )
    (out_dir / "submit.json").write_text(
        json.dumps(
            {"args": vars(args), "results": [r.__dict__ | {"rps": r.rps} for r in results], "problems": problems},
            indent=2,
        ),
        encoding="utf-8",
    )
    return 1 if problems or any(r.bad for r in results) else 0
