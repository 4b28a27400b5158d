"""Verified payment callbacks per second on PostgreSQL: `python -m bench.payments` (make bench-payments).

1. A fresh database `zsb_bench_pay` on 127.0.0.1:5432, migrated and seeded with the demo catalog;
   bench/payments/prepare.py writes N cases of 居民身份证换领 waiting for their fee, each with a
   pending order, per channel.
2. The callbacks are built beforehand exactly as the simulators send them (sandbox/): WeChat Pay
   TRANSACTION.SUCCESS signed with the WeChat Pay key (SHA256withRSA over timestamp, nonce and
   body) and the resource AES-256-GCM encrypted with the APIv3 key; Alipay's form signed RSA2.
3. The API (gunicorn, sync workers, the app's real config with the sandbox keys) and a bare Flask
   app answering the same POST (same gunicorn settings) are loaded in turn by a closed-loop client:
   C connections, each posting its next callback when the previous answer arrived. Scenarios:
   first delivery (verify, store the raw notification, lock the order, mark it paid, move the case
   through app.cases.service.mark_paid, one commit) and duplicate delivery (the same callbacks
   again: verify, then one INSERT … SELECT storing the raw row for the settled order, no lock),
   per channel. Every answer must be WeChat's 204 or Alipay's
   `success`.
4. Afterwards the database is checked: every answered first delivery paid its order and moved its
   case once (one case.pay event each), one raw notification per request, no alarm.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from bench.catalog.database import BenchDatabase, app_env
from bench.catalog.servers import ROOT, Gunicorn
from bench.common import fresh_database, out_log, run_lanes, run_prepare


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
    sent: list | None = None  # the calls posted (a time limit may stop short of the list)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q / 100 * len(values) + 0.5) - 1))]


# one request: (path, headers, body, expected status, expected body)
Call = tuple[str, dict, bytes, int, bytes]


def load(name: str, port: int, calls: list[Call], connections: int, seconds: float) -> Result:
    """Closed loop: each connection posts its share of callbacks, one after another."""
    shares = [calls[i::connections] for i in range(connections)]
    latencies: list[list[float]] = [[] for _ in range(connections)]
    bad = [0] * connections
    deadline = [0.0]
    first_bad: list[str] = []
    sent: list[list[Call]] = [[] for _ in range(connections)]

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for path, headers, body, status, expected in shares[i]:
            if time.perf_counter() > deadline[0]:
                break
            started = time.perf_counter()
            conn.request("POST", path, body=body, headers=headers)
            resp = conn.getresponse()
            answer = resp.read()
            sent[i].append((path, headers, body, status, expected))
            latencies[i].append((time.perf_counter() - started) * 1000)
            if resp.status != status or answer != expected:
                bad[i] += 1
                if not first_bad:
                    first_bad.append(f"{resp.status} {answer[:200]!r}")
        conn.close()

    took, cpu_other = run_lanes(worker, connections, seconds, deadline)
    if first_bad:
        print(f"  {name}: unexpected answer, e.g. {first_bad[0]}", flush=True)
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
        cpu_other=cpu_other,
        sent=[c for lane in sent for c in lane],
    )


def wechat_calls(server, orders: list[list[str]], offset: int = 0) -> list[Call]:
    from sandbox.wechatpay_state import MCHID, Order, rfc3339

    calls = []
    for n, (out_trade_no, openid) in enumerate(orders):
        order = Order(
            appid=server.settings["WECHATPAY_APPID"],
            mchid=MCHID,
            out_trade_no=out_trade_no,
            description="居民身份证换领",
            total=2000,
            openid=openid,
            notify_url="",
            time_expire=None,
            attach=None,
            prepay_id=f"wxbench{n}",
            created=time.time(),
            state="SUCCESS",
            transaction_id=f"4200000000bench{offset + n:012d}",
            success_time=rfc3339(),
        )
        headers, body = server.wechatpay.transaction_notification(order)
        headers["Content-Type"] = "application/json"
        calls.append(("/payments/notify/wechat", headers, body.encode(), 204, b""))
    return calls


def alipay_calls(server, orders: list[list[str]], offset: int = 0) -> list[Call]:
    from sandbox import alipay_pay

    calls = []
    for n, (out_trade_no, open_id) in enumerate(orders):
        trade = alipay_pay.Trade(
            app_id=server.settings["ALIPAY_APP_ID"],
            out_trade_no=out_trade_no,
            trade_no=f"2026120422001bench{offset + n:010d}",
            total_amount="20.00",
            subject="居民身份证换领",
            buyer_open_id=open_id,
            buyer_id=None,
            notify_url=None,
            gmt_create="2026-12-04 10:00:00",
            status="TRADE_SUCCESS",
            gmt_payment="2026-12-04 10:00:05",
        )
        body = urlencode(alipay_pay.notify_fields(server.alipay, trade)).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        calls.append(("/payments/notify/alipay", headers, body, 200, b"success"))
    return calls


def _rows(db: BenchDatabase, sql: str) -> list[tuple]:
    with db._connect(db.name) as conn:
        return conn.execute(sql).fetchall()


def _check(db: BenchDatabase, paid: dict[str, int], total: int) -> list[str]:
    problems = []
    for channel, answered in paid.items():
        orders = _rows(db, f"SELECT count(*) FROM fee_orders WHERE channel = '{channel}' AND status = 'paid'")[0][0]
        if orders != answered:
            problems.append(f"{orders} {channel} orders paid for {answered} answered first deliveries")
    events = _rows(db, "SELECT count(*) FROM outbox_events WHERE event_type = 'case.pay'")[0][0]
    cases = _rows(db, "SELECT count(*) FROM cases WHERE status = 'submitted'")[0][0]
    raw = _rows(db, "SELECT count(*) FROM payment_notifications")[0][0]
    alarms = _rows(db, "SELECT count(*) FROM payment_alarms")[0][0]
    if events != sum(paid.values()) or cases != sum(paid.values()):
        problems.append(f"{events} case.pay events and {cases} submitted cases for {sum(paid.values())} payments")
    if raw != total:
        problems.append(f"{raw} raw notifications stored for {total} answered callbacks")
    if alarms:
        problems.append(f"{alarms} alarms")
    return problems


def _check_dispatched(db: BenchDatabase, redis_url: str) -> list[str]:
    """Every case.pay event dispatched, and exactly one notification job queued for each."""
    import redis

    events = _rows(db, "SELECT count(*), count(dispatched_at) FROM outbox_events WHERE event_type = 'case.pay'")[0]
    queued = redis.Redis.from_url(redis_url).llen("rq:queue:notifications")
    problems = []
    if events[0] != events[1]:
        problems.append(f"{events[0] - events[1]} of {events[0]} case.pay events not dispatched")
    if queued != events[0]:
        problems.append(f"{queued} notification jobs queued for {events[0]} case.pay events")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=3000, help="orders per channel (default 3000)")
    parser.add_argument("--seconds", type=float, default=15, help="time limit per scenario (default 15)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (>1: gthread workers)")
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9"))
    parser.add_argument(
        "--dispatch",
        choices=("relay", "commit"),
        default="relay",
        help="how outbox events reach Redis: a `flask events relay` process in batches "
        "(EVENTS_DISPATCH_ON_COMMIT=0, default) or by each request after its commit",
    )
    args = parser.parse_args(argv)

    out_dir, log = out_log("payments")
    db = BenchDatabase(name="zsb_bench_pay")
    var_dir = Path(tempfile.mkdtemp(prefix="zsb-bench-pay-"))
    from sandbox.server import SandboxServer

    # Only the keys and the signing of the simulators are used: nothing is served.
    server = SandboxServer(key_dir=var_dir / "sandbox")
    env = app_env(db.url, var_dir, args.redis_url) | server.env()
    env["EVENTS_DISPATCH_ON_COMMIT"] = "0" if args.dispatch == "relay" else "1"

    fresh_database(db, env, log, args.redis_url)
    print(f"preparing {args.orders} pending orders per channel …", flush=True)
    orders = run_prepare("bench.payments.prepare", args.orders, env=env)
    if orders is None:
        return 1
    db.analyze()

    results: list[Result] = []
    paid: dict[str, int] = {}
    total = 0
    worker_class = "gthread" if args.threads > 1 else "sync"
    relay = None
    if args.dispatch == "relay":
        relay = subprocess.Popen(
            [sys.executable, "-m", "flask", "events", "relay"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL
        )
    with Gunicorn("wsgi:app", env, log, args.workers, worker_class, args.threads) as api:
        for channel, build in (("wechat", wechat_calls), ("alipay", alipay_calls)):
            started = time.perf_counter()
            calls = build(server, orders[channel])
            print(
                f"  {len(calls)} signed {channel} callbacks built in {time.perf_counter() - started:.1f} s", flush=True
            )
            api.wait_idle()
            first = load(f"{channel} first delivery", api.port, calls, args.connections, args.seconds)
            paid[channel] = first.requests - first.bad
            api.wait_idle()
            again = load(f"{channel} duplicate", api.port, first.sent, args.connections, args.seconds)
            total += first.requests + again.requests
            results += [first, again]
    if relay is not None:
        time.sleep(1.0)  # the relay's last batch
        relay.send_signal(signal.SIGTERM)
        relay.wait(timeout=30)
    with Gunicorn("bench.payments.bare_app:app", env, log, args.workers, worker_class, args.threads) as bare:
        body = calls[0][2]
        fake = [("/payments/notify/wechat", {"Content-Type": "application/json"}, body, 204, b"")] * 200_000
        results.append(load("bare Flask (same POST)", bare.port, fake, args.connections, args.seconds))

    bare_rps = results[-1].rps
    print()
    print(
        f"{'scenario':26} {'requests':>8} {'req/s':>8} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} "
        f"{'max ms':>8} {'bad':>5} {'× bare':>7} {'CPU other':>9}"
    )
    for r in results:
        print(
            f"{r.name:26} {r.requests:8d} {r.rps:8.1f} {r.p50:8.1f} {r.p90:8.1f} {r.p99:8.1f} {r.max:8.1f} "
            f"{r.bad:5d} {bare_rps / r.rps if r.rps else 0:7.1f} {r.cpu_other:8.0f}%"
        )
    problems = _check(db, paid, total) + _check_dispatched(db, args.redis_url)
    print()
    print(
        "database check: "
        + (
            "ok — every answered first delivery paid its order and moved its case once; one raw row per callback; "
            "every case.pay event dispatched, one notification job queued for each"
            if not problems
            else "; ".join(problems)
        )
    )
    (out_dir / "payments.json").write_text(
        json.dumps(
            {
                "args": vars(args),
                "results": [{k: v for k, v in r.__dict__.items() if k != "sent"} | {"rps": r.rps} for r in results],
                "problems": problems,
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    return 1 if problems or any(r.bad for r in results) else 0
