"""Booking throughput and latency on PostgreSQL: `python -m bench.engage` (make bench-engage).

1. A fresh database `zsb_bench_engage` on 127.0.0.1:5432, migrated and seeded with the demo
   catalog and residents.
2. bench/engage/prepare.py logs the demo residents in (level 3) and creates the slots.
3. The API (gunicorn, sync workers) and a bare Flask app with the same request shapes are loaded
   in turn by a closed-loop client: N connections, each one citizen, each repeating "book, then
   cancel what was booked" as fast as answers come, for the time given. Scenarios: "hot" — every
   connection books the same slot, whose capacity is half the connections (row-lock contention;
   a full slot answers 409 SLOT_FULL, which is expected), and "own" — each connection its own
   slot of capacity 1. A third run reads the public slot list.
4. Afterwards the database is checked: no slot holds more than its capacity, every slot's count
   equals its live appointments (all cancelled at the end: 0), and every 201 has its
   `appointment.booked` event and every 200 cancel its `appointment.cancelled`.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.catalog.database import BenchDatabase, app_env
from bench.catalog.servers import Gunicorn
from bench.common import fresh_database, out_log, run_lanes, run_prepare
from bench.engage.prepare import ITEM


@dataclass
class Result:
    name: str
    seconds: float
    latencies: dict[str, list[float]]
    codes: dict[int, int] = field(default_factory=dict)
    bad: int = 0
    cpu_other: float = 0.0

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.latencies.values())

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        flat = sorted(v for lane in self.latencies.values() for v in lane)
        if not flat:
            return 0.0
        return flat[min(len(flat) - 1, max(0, round(q / 100 * len(flat) + 0.5) - 1))]


def _call(conn, method: str, path: str, token: str, body: dict | None = None) -> tuple[int, dict, float]:
    data = json.dumps(body).encode() if body is not None else b""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Content-Length": str(len(data))}
    started = time.perf_counter()
    conn.request(method, path, body=data or None, headers=headers)
    resp = conn.getresponse()
    raw = resp.read()
    took = (time.perf_counter() - started) * 1000
    return resp.status, (json.loads(raw) if raw else {}), took


def book_cancel(name: str, port: int, tokens: list[str], slots: list[int], seconds: float) -> Result:
    """Each connection: book its slot, cancel the booking if it got one, again, until time is up."""
    lanes = len(tokens)
    lat: list[list[float]] = [[] for _ in range(lanes)]
    codes: list[dict[int, int]] = [{} for _ in range(lanes)]
    bad = [0] * lanes
    deadline = [0.0]

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.perf_counter() < deadline[0]:
            status, body, took = _call(
                conn, "POST", "/api/v1/appointments", tokens[i], {"slot_id": slots[i], "service_code": ITEM}
            )
            lat[i].append(took)
            codes[i][status] = codes[i].get(status, 0) + 1
            if status == 201:
                status, _, took = _call(conn, "DELETE", f"/api/v1/appointments/{body['id']}", tokens[i])
                lat[i].append(took)
                codes[i][status] = codes[i].get(status, 0) + 1
                bad[i] += status != 200
            elif not (status == 409 and body.get("error") == "SLOT_FULL"):
                bad[i] += 1
        conn.close()

    took, cpu_other = run_lanes(worker, lanes, seconds, deadline)
    merged: dict[int, int] = {}
    for c in codes:
        for k, v in c.items():
            merged[k] = merged.get(k, 0) + v
    return Result(name, took, {str(i): lat[i] for i in range(lanes)}, merged, sum(bad), cpu_other)


def read_slots(port: int, connections: int, seconds: float) -> Result:
    lat: list[list[float]] = [[] for _ in range(connections)]
    bad = [0] * connections
    deadline = [0.0]

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.perf_counter() < deadline[0]:
            status, _, took = _call(conn, "GET", f"/api/v1/appointment-slots?service_code={ITEM}", "-")
            lat[i].append(took)
            bad[i] += status != 200
        conn.close()

    took, cpu_other = run_lanes(worker, connections, seconds, deadline)
    return Result("GET appointment-slots", took, {str(i): lat[i] for i in range(connections)}, {}, sum(bad), cpu_other)


def _rows(db: BenchDatabase, sql: str) -> list[tuple]:
    with db._connect(db.name) as conn:
        return conn.execute(sql).fetchall()


def _check(db: BenchDatabase, booked: int, cancelled: int) -> list[str]:
    problems = []
    over = _rows(db, "SELECT count(*) FROM appointment_slots WHERE booked > capacity")[0][0]
    if over:
        problems.append(f"{over} slots over capacity")
    drift = _rows(
        db,
        "SELECT count(*) FROM appointment_slots s WHERE s.booked <> "
        "(SELECT count(*) FROM appointments a WHERE a.slot_id = s.id AND a.status = 'booked')",
    )[0][0]
    if drift:
        problems.append(f"{drift} slots whose count differs from their live appointments")
    live = _rows(db, "SELECT count(*) FROM appointments WHERE status = 'booked'")[0][0]
    if live:
        problems.append(f"{live} appointments still booked after every cancel")
    events = dict(_rows(db, "SELECT event_type, count(*) FROM outbox_events GROUP BY event_type"))
    if events.get("appointment.booked", 0) != booked:
        problems.append(f"{events.get('appointment.booked', 0)} booked events for {booked} bookings")
    if events.get("appointment.cancelled", 0) != cancelled:
        problems.append(f"{events.get('appointment.cancelled', 0)} cancelled events for {cancelled} cancels")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15, help="time per scenario (default 15)")
    parser.add_argument("--connections", type=int, default=8, help="connections = citizens (at most 16)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9"))
    args = parser.parse_args(argv)

    out_dir, log = out_log("engage")
    db = BenchDatabase(name="zsb_bench_engage")
    env = app_env(db.url, Path(tempfile.mkdtemp(prefix="zsb-bench-engage-")), args.redis_url)

    fresh_database(db, env, log, args.redis_url, seeds=("catalog", "residents", "workdays"))
    prepared = run_prepare("bench.engage.prepare", args.connections, env=env)
    if prepared is None:
        return 1
    tokens = prepared["tokens"]
    if len(tokens) < args.connections:
        print(f"only {len(tokens)} citizens; use --connections {len(tokens)}", file=sys.stderr)
        return 1

    results: list[Result] = []
    with Gunicorn("wsgi:app", env, log, args.workers, "sync", 1) as api:
        api.wait_idle()
        hot = [prepared["hot"]] * args.connections
        results.append(book_cancel("book+cancel (hot slot)", api.port, tokens, hot, args.seconds))
        api.wait_idle()
        results.append(book_cancel("book+cancel (own slot)", api.port, tokens, prepared["own"], args.seconds))
        api.wait_idle()
        results.append(read_slots(api.port, args.connections, args.seconds))
    with Gunicorn("bench.engage.bare_app:app", env, log, args.workers, "sync", 1) as bare:
        results.append(
            book_cancel("bare Flask (same shapes)", bare.port, tokens, list(range(args.connections)), args.seconds)
        )

    booked = sum(r.codes.get(201, 0) for r in results[:2])
    cancelled = sum(r.codes.get(200, 0) for r in results[:2])
    bare_rps = results[-1].rps
    print()
    print(
        f"{'scenario':26} {'requests':>8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'201':>6} {'200':>6} "
        f"{'409':>6} {'bad':>4} {'× bare':>7} {'CPU other':>9}"
    )
    for r in results:
        print(
            f"{r.name:26} {r.requests:8d} {r.rps:8.1f} {r.pct(50):8.1f} {r.pct(99):8.1f} {r.codes.get(201, 0):6d} "
            f"{r.codes.get(200, 0):6d} {r.codes.get(409, 0):6d} {r.bad:4d} {bare_rps / r.rps if r.rps else 0:7.1f} "
            f"{r.cpu_other:8.0f}%"
        )
    problems = _check(db, booked, cancelled)
    print()
    print(
        "database check: "
        + (
            "ok — never over capacity, counts match live appointments, one event per booking and cancel"
            if not problems
            else "; ".join(problems)
        )
    )
    (out_dir / "engage.json").write_text(
        json.dumps(
            {
                "args": vars(args),
                "results": [
                    {
                        "name": r.name,
                        "requests": r.requests,
                        "rps": r.rps,
                        "p50": r.pct(50),
                        "p99": r.pct(99),
                        "codes": r.codes,
                        "bad": r.bad,
                    }
                    for r in results
                ],
                "problems": problems,
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    return 1 if problems or any(r.bad for r in results) else 0
