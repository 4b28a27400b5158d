"""SF route pushes per second on PostgreSQL: `python -m bench.delivery` (make bench-delivery).

1. A fresh database `zsb_bench_delivery` on 127.0.0.1:5432, migrated, the demo catalog seeded;
   bench/delivery/prepare.py writes N approved cases with a placed SF order each.
2. Every parcel gets SF's seven route updates (50 picked up, 30/31 in transit ×4, 44 out for
   delivery, 80 signed for), each as one signed push form (msgDigest over msgData + timestamp +
   checkWord), built before the clock starts.
3. The API (gunicorn, sync workers) is loaded by a closed-loop client: N connections, each pushing
   its parcels' routes in order, one push after the answer to the previous one. Scenario "first":
   every push is new (route stored; 4 of the 7 move the delivery, write the timeline and an outbox
   event; the last one concludes the case). Scenario "repeat": the same pushes again (SF re-pushes
   when it misses an answer): verified, recognised, nothing written but the raw push. Then a bare
   Flask app answering the same POST, same gunicorn settings, same run.
4. The database is checked afterwards: one route per answered first push, as many delivery events
   as forward moves, every parcel whose 80 was answered delivered and its case concluded.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import tempfile
import time
import urllib.parse
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from bench.catalog.database import BenchDatabase, app_env
from bench.catalog.servers import Gunicorn
from bench.common import fresh_database, out_log, run_lanes, run_prepare
from bench.submit.run import Result, _pct, _rows

PARTNER_ID = "ZSB_BENCH"
CHECK_WORD = "bench-sf-checkword-000000000000"  # noqa: S105 - a benchmark's throwaway value
OPS = ("50", "30", "31", "30", "31", "44", "80")
MOVES = (0, 1, 5, 6)  # positions of the pushes that move a delivery forwards (one event each)
OK = {"return_code": "0000", "return_msg": "成功"}


def _digest(msg_data: str, timestamp: str) -> str:
    from delivery.providers.sf import digest

    return digest(msg_data, timestamp, CHECK_WORD)


def pushes_for(order_id: str, waybill: str) -> list[bytes]:
    start = datetime(2026, 12, 1, 9, 0, 0)
    bodies = []
    for i, op in enumerate(OPS):
        route = {
            "id": f"{order_id}-{i}",
            "mailno": waybill,
            "orderid": order_id,
            "acceptTime": (start + timedelta(minutes=41 * (i + 1))).strftime("%Y-%m-%d %H:%M:%S"),
            "acceptAddress": "青岚市云栖县",
            "remark": f"路由{i}（opCode {op}）",
            "opCode": op,
        }
        msg_data = json.dumps({"Body": {"WaybillRoute": [route]}}, ensure_ascii=False, separators=(",", ":"))
        timestamp = str(int(time.time() * 1000))
        form = {
            "partnerID": PARTNER_ID,
            "requestID": uuid.uuid4().hex,
            "serviceCode": "RoutePushService",
            "timestamp": timestamp,
            "msgDigest": _digest(msg_data, timestamp),
            "msgData": msg_data,
        }
        bodies.append(urllib.parse.urlencode(form).encode())
    return bodies


def load(name: str, port: int, parcels: list[list[bytes]], connections: int, seconds: float) -> tuple[Result, list]:
    """Closed loop; returns the result and, per parcel, how many of its pushes were answered 0000."""
    lanes = [list(range(i, len(parcels), connections)) for i in range(connections)]
    latencies: list[list[float]] = [[] for _ in range(connections)]
    bad = [0] * connections
    answered = [0] * len(parcels)
    deadline = [0.0]
    headers = {"Content-Type": "application/x-www-form-urlencoded"}

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for index in lanes[i]:
            for body in parcels[index]:
                if time.perf_counter() > deadline[0]:
                    conn.close()
                    return
                started = time.perf_counter()
                conn.request("POST", "/delivery/notify/sf", body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                latencies[i].append((time.perf_counter() - started) * 1000)
                if resp.status == 200 and json.loads(data) == OK:
                    answered[index] += 1
                else:
                    bad[i] += 1
                    conn.close()
                    return  # later pushes of this lane would be out of order: stop the lane
        conn.close()

    took, cpu_other = run_lanes(worker, connections, seconds, deadline)
    flat = [v for lane in latencies for v in lane]
    result = Result(
        name=name,
        requests=len(flat),
        seconds=took,
        p50=_pct(flat, 50),
        p90=_pct(flat, 90),
        p99=_pct(flat, 99),
        max=max(flat, default=0.0),
        bad=sum(bad),
        cpu_other=cpu_other,
    )
    return result, answered


def _check(db: BenchDatabase, answered: list[int]) -> list[str]:
    problems = []
    routes = _rows(db, "SELECT count(*) FROM delivery_routes")[0][0]
    events = _rows(db, "SELECT count(*) FROM outbox_events WHERE event_type LIKE 'delivery.%'")[0][0]
    delivered = _rows(db, "SELECT count(*) FROM deliveries WHERE status = 'delivered'")[0][0]
    concluded = _rows(db, "SELECT count(*) FROM cases WHERE status = 'concluded'")[0][0]
    want_events = sum(len([p for p in MOVES if p < k]) for k in answered)
    want_delivered = sum(1 for k in answered if k == len(OPS))
    if routes != sum(answered):
        problems.append(f"{routes} routes stored for {sum(answered)} answered first pushes")
    if events != want_events:
        problems.append(f"{events} delivery events, expected {want_events}")
    if delivered != want_delivered or concluded != want_delivered:
        problems.append(f"{delivered} delivered / {concluded} concluded, expected {want_delivered}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=int, default=400, help="parcels (7 pushes each; default 400)")
    parser.add_argument("--seconds", type=float, default=20, help="time limit per scenario (default 20)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9"))
    args = parser.parse_args(argv)

    out_dir, log = out_log("delivery")
    db = BenchDatabase(name="zsb_bench_delivery")
    var_dir = Path(tempfile.mkdtemp(prefix="zsb-bench-delivery-"))
    env = app_env(db.url, var_dir, args.redis_url)
    env.update({"SF_PARTNER_ID": PARTNER_ID, "SF_CHECKWORD": CHECK_WORD})

    fresh_database(db, env, log, args.redis_url)
    print(f"preparing {args.parcels} parcels …", flush=True)
    prepared = run_prepare("bench.delivery.prepare", args.parcels, env=env)
    if prepared is None:
        return 1
    parcels = prepared["parcels"]
    bodies = [pushes_for(order_id, waybill) for order_id, waybill in parcels]

    results: list[Result] = []
    with Gunicorn("wsgi:app", env, log, args.workers, "sync", 1) as api:
        api.wait_idle()
        first, answered = load("route push (first)", api.port, bodies, args.connections, args.seconds)
        results.append(first)
        api.wait_idle()
        # the same pushes again, only those answered the first time (the rest were never sent)
        repeat_bodies = [b[:k] for b, k in zip(bodies, answered, strict=True)]
        repeat, _ = load("route push (repeat)", api.port, repeat_bodies, args.connections, args.seconds)
        results.append(repeat)
    with Gunicorn("bench.delivery.bare_app:app", env, log, args.workers, "sync", 1) as bare:
        results.append(load("bare Flask (same POST)", bare.port, bodies, args.connections, args.seconds)[0])

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
        + (
            "ok — one route per first push, one event per forward move, delivered cases concluded"
            if not problems
            else "; ".join(problems)
        )
    )
    (out_dir / "delivery.json").write_text(
        json.dumps(
            {"args": vars(args), "results": [r.__dict__ | {"rps": r.rps} for r in results], "problems": problems},
            indent=2,
        ),
        encoding="utf-8",
    )
    return 1 if problems or any(r.bad for r in results) else 0
