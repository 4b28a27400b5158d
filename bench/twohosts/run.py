"""Two API process groups over one PostgreSQL and one Redis: `python -m bench.twohosts`.

What a province's deployment does with several API hosts behind a load balancer, on one machine:
two gunicorn groups ("host A" and "host B", separate processes on separate ports, the same
DATABASE_URL and REDIS_URL) serve at the same time, and every request is sent to BOTH, as a
client retrying through another host and a payment provider re-delivering its callback to another
address would:

* submits (bench/submit/prepare.py's drafts: 秒批 with the e-licence issued, and for an officer):
  each draft submitted on A and on B at once with the same Idempotency-Key;
* payment callbacks (bench/payments/prepare.py's pending orders, signed as the sandbox does):
  each WeChat Pay / Alipay notification delivered to A and to B at once.

Every answer must be the normal one (200 with the expected status; 204 / `success`). Afterwards
the database checks of bench/submit and bench/payments run, plus: no case with two `submit` or
two `pay` timeline entries, every outbox event dispatched once.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from bench.catalog.database import BenchDatabase, app_env
from bench.catalog.servers import Gunicorn
from bench.common import fresh_database, out_log, run_lanes, run_prepare
from bench.payments.run import alipay_calls, wechat_calls

EXPECTED = {"instant": "approved", "officer": "submitted"}


@dataclass
class Lane:
    latencies: list[float] = field(default_factory=list)
    bad: list[str] = field(default_factory=list)


def drive(ports: tuple[int, int], jobs: list[tuple], per_host: int, seconds: float) -> tuple[float, list[Lane]]:
    """`per_host` connections to each host; connection j of A and connection j of B work through
    the same share of `jobs` in the same order, so each job reaches both hosts at about the same
    time. A job: (method, path, headers, body, check(status, body) -> bool)."""
    shares = [jobs[j::per_host] for j in range(per_host)]
    lanes = [Lane() for _ in range(2 * per_host)]
    deadline = [0.0]

    def worker(i: int) -> None:
        port, share = ports[i // per_host], shares[i % per_host]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for method, path, headers, body, check in share:
            if time.perf_counter() > deadline[0]:
                break
            started = time.perf_counter()
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            answer = resp.read()
            lanes[i].latencies.append((time.perf_counter() - started) * 1000)
            if not check(resp.status, answer):
                lanes[i].bad.append(f"{resp.status} {answer[:160]!r}")
        conn.close()

    took, _ = run_lanes(worker, 2 * per_host, seconds, deadline)
    return took, lanes


def _pct(flat: list[float], q: float) -> float:
    return flat[min(len(flat) - 1, max(0, round(q / 100 * len(flat) + 0.5) - 1))] if flat else 0.0


def _submit_jobs(drafts: list[list]) -> list[tuple]:
    jobs = []
    for token, case_id, scenario in drafts:
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex, "Content-Length": "0"}

        def check(status, body, want=EXPECTED[scenario]):
            return status == 200 and json.loads(body).get("status") == want

        jobs.append(("POST", f"/api/v1/applications/{case_id}/submit", headers, None, check))
    return jobs


def _callback_jobs(calls: list[tuple]) -> list[tuple]:
    return [
        ("POST", path, headers, body, lambda s, b, st=status, ex=expected: s == st and b == ex)
        for path, headers, body, status, expected in calls
    ]


def _rows(db: BenchDatabase, sql: str) -> list[tuple]:
    with db._connect(db.name) as conn:
        return conn.execute(sql).fetchall()


def check(db: BenchDatabase, drafts: dict[str, int], orders: int) -> list[str]:
    """bench/submit's and bench/payments' database checks over what was sent (each job once)."""
    one = lambda sql: _rows(db, sql)[0][0]  # noqa: E731
    problems = []
    keys = one("SELECT count(*) FROM case_submit_requests")
    if keys != sum(drafts.values()):
        problems.append(f"{keys} submit keys for {sum(drafts.values())} submitted drafts")
    for scenario, status in EXPECTED.items():
        n = one(f"SELECT count(*) FROM cases WHERE status = '{status}' AND case_number NOT LIKE 'TWO-%'")
        if n != drafts.get(scenario, 0):
            problems.append(f"{n} cases {status}, expected {drafts.get(scenario, 0)}")
    licences = one("SELECT count(*) FROM licences WHERE source_ref IN (SELECT case_number FROM cases)")
    if licences != drafts.get("instant", 0):
        problems.append(f"{licences} e-licences issued for {drafts.get('instant', 0)} instant approvals")
    twice = one(
        "SELECT count(*) FROM (SELECT case_id, action FROM case_events WHERE action IN ('submit', 'pay', "
        "'instant_approve') GROUP BY case_id, action HAVING count(*) > 1) AS d"
    )
    if twice:
        problems.append(f"{twice} cases with a repeated submit / pay / instant_approve entry")
    paid = one("SELECT count(*) FROM fee_orders WHERE status = 'paid'")
    pay_events = one("SELECT count(*) FROM outbox_events WHERE event_type = 'case.pay'")
    moved = one("SELECT count(*) FROM cases WHERE case_number LIKE 'TWO-%' AND status = 'submitted'")
    if not paid == pay_events == moved == orders:
        problems.append(f"{paid} orders paid, {pay_events} case.pay events, {moved} cases moved for {orders} orders")
    raw = one("SELECT count(*) FROM payment_notifications")
    if raw != 2 * orders:
        problems.append(f"{raw} raw notifications stored for {2 * orders} deliveries")
    alarms = one("SELECT count(*) FROM payment_alarms")
    if alarms:
        problems.append(f"{alarms} payment alarms")
    undispatched = one("SELECT count(*) FROM outbox_events WHERE dispatched_at IS NULL")
    if undispatched:
        problems.append(f"{undispatched} outbox events not dispatched")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drafts", type=int, default=300, help="drafts per submit scenario (default 300)")
    parser.add_argument("--orders", type=int, default=300, help="pending orders per channel (default 300)")
    parser.add_argument("--connections", type=int, default=4, help="connections to each host (default 4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers per host (default 2)")
    parser.add_argument("--seconds", type=float, default=600, help="time limit per phase (default 600)")
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9"))
    args = parser.parse_args(argv)

    out_dir, log = out_log("twohosts")
    db = BenchDatabase(name="zsb_bench_twohosts")
    var_dir = Path(tempfile.mkdtemp(prefix="zsb-bench-twohosts-"))
    from sandbox.server import SandboxServer

    server = SandboxServer(key_dir=var_dir / "sandbox")  # keys and signatures only: nothing is served
    env = app_env(db.url, var_dir, args.redis_url) | server.env()
    fresh_database(db, env, log, args.redis_url, seeds=("catalog", "residents", "licences", "workdays"))
    print("preparing drafts and pending orders …", flush=True)
    prepared = run_prepare("bench.submit.prepare", args.drafts, env=env)
    orders = run_prepare("bench.payments.prepare", args.orders, "TWO", env=env)
    if prepared is None or orders is None:
        return 1
    db.analyze()
    jobs = {
        "submit (秒批 + licence)": _submit_jobs([d for d in prepared["drafts"] if d[2] == "instant"]),
        "submit (for an officer)": _submit_jobs([d for d in prepared["drafts"] if d[2] == "officer"]),
        "WeChat Pay callbacks": _callback_jobs(wechat_calls(server, orders["wechat"])),
        "Alipay callbacks": _callback_jobs(alipay_calls(server, orders["alipay"])),
    }
    report, sent = [], {}
    with (
        Gunicorn("wsgi:app", env, log, args.workers, "sync", 1) as host_a,
        Gunicorn("wsgi:app", env, log, args.workers, "sync", 1) as host_b,
    ):
        print(f"host A on :{host_a.port}, host B on :{host_b.port} (pids {host_a.proc.pid}, {host_b.proc.pid})")
        for name, phase in jobs.items():
            host_a.wait_idle()
            took, lanes = drive((host_a.port, host_b.port), phase, args.connections, args.seconds)
            per_host = [lanes[: args.connections], lanes[args.connections :]]
            counts = [sum(len(lane.latencies) for lane in group) for group in per_host]
            sent[name] = min(counts)
            flat = sorted(v for lane in lanes for v in lane.latencies)
            bad = [b for lane in lanes for b in lane.bad]
            report.append((name, counts, took, _pct(flat, 50), _pct(flat, 99), bad))
            if bad:
                print(f"  {name}: unexpected answer, e.g. {bad[0]}", flush=True)
        time.sleep(1.0)

    print()
    print(f"{'phase':26} {'A':>6} {'B':>6} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'bad':>4}")
    for name, counts, took, p50, p99, bad in report:
        print(f"{name:26} {counts[0]:6d} {counts[1]:6d} {sum(counts) / took:8.1f} {p50:8.1f} {p99:8.1f} {len(bad):4d}")
    complete = all(len(phase) == sent[name] for name, phase in jobs.items())
    drafts = {"instant": sent["submit (秒批 + licence)"], "officer": sent["submit (for an officer)"]}
    problems = [] if complete else ["a phase ran out of time before every job reached both hosts"]
    problems += check(db, drafts, sent["WeChat Pay callbacks"] + sent["Alipay callbacks"])
    print()
    print(
        "database check: "
        + (
            "ok — each submit once (one key, one case, one licence per 秒批), each payment once (one order paid, "
            "one case moved, one case.pay event), both deliveries stored raw, no alarm, every event dispatched"
            if not problems
            else "; ".join(problems)
        )
    )
    print(f"load average: {os.getloadavg()}")
    (out_dir / "twohosts.json").write_text(
        json.dumps({"args": vars(args), "phases": [r[:5] for r in report], "problems": problems}, indent=2),
        encoding="utf-8",
    )
    return 1 if problems or any(r[5] for r in report) else 0
