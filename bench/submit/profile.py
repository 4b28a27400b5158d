"""Where a submit's time goes, in process: `python -m bench.submit.profile`.

Builds drafts in the benchmark's database `zsb_bench_submit` (as `python -m bench.submit` does:
fresh database, demo seeds, bench/submit/prepare.py) unless `--reuse` finds drafts left from a
previous run, then submits them one after another through the Flask test client (the whole
request: auth, view, service, presenter, JSON) and reports per scenario:

- SQL statements per submit (a SQLAlchemy `before_cursor_execute` counter) and their kinds;
- Python CPU ms per submit (this process) and PostgreSQL CPU ms per submit (the backend
  process(es) of the pool's connections, from /proc/<pid>/stat — PostgreSQL runs locally);
- with `--cprofile FILE`, Python function calls per submit (deterministic, unlike time on a
  shared machine) and a cProfile of each scenario's submits in FILE.<scenario> (`pstats`).

CPU time counts the work, not the waiting, so the figures hold on a shared machine too.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import json
import os
import pstats
import tempfile
import time
import uuid
from pathlib import Path

from bench.catalog.database import BenchDatabase, app_env
from bench.common import fresh_database, out_log, run_prepare

DRAFTS = Path(tempfile.gettempdir()) / "zsb-bench-submit-drafts.json"
TEMPLATE = "zsb_bench_submit_drafts"
EXPECTED = {"instant": "approved", "officer": "submitted"}


def _proc_cpu_ms(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def _prepare(args, db: BenchDatabase, env: dict) -> list:
    out_dir, log = out_log("submit-profile")
    fresh_database(db, env, log, args.redis_url, seeds=("catalog", "residents", "licences", "workdays"))
    prepared = run_prepare("bench.submit.prepare", args.drafts, env=env)
    if prepared is None:
        raise SystemExit(1)
    DRAFTS.write_text(json.dumps(prepared["drafts"]), encoding="utf-8")
    with db._connect() as conn:  # the drafts kept, so --reuse starts from them again in seconds
        conn.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE}"')
        conn.execute(f'CREATE DATABASE "{TEMPLATE}" TEMPLATE "{db.name}"')
    return prepared["drafts"]


def _reuse(args, db: BenchDatabase) -> list:
    import redis

    db.recreate(template=TEMPLATE)
    redis.Redis.from_url(args.redis_url).flushdb()
    return json.loads(DRAFTS.read_text("utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drafts", type=int, default=100, help="drafts per scenario (default 100)")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="start again from the drafts of the last run without --reuse (within the access tokens' lifetime)",
    )
    parser.add_argument("--cprofile", help="count Python calls; cProfile of each scenario in FILE.<scenario>")
    parser.add_argument("--statements", action="store_true", help="print the statements of one submit")
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9"))
    args = parser.parse_args(argv)

    db = BenchDatabase(name="zsb_bench_submit")
    env = app_env(db.url, Path(tempfile.mkdtemp(prefix="zsb-bench-submit-")), args.redis_url)
    drafts = _reuse(args, db) if args.reuse else _prepare(args, db, env)
    os.environ.update(env)

    import sqlalchemy as sa

    from app import create_app
    from app.extensions import db as sqla

    app = create_app()
    client = app.test_client()
    statements: list[str] = []
    with app.app_context():
        sa.event.listen(sqla.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        backends: set[int] = set()

        @sa.event.listens_for(sqla.engine, "connect")
        def _pid(dbapi_conn, _record):  # noqa: ANN001
            backends.add(dbapi_conn.info.backend_pid)

        sqla.engine.dispose()
    for scenario, status in EXPECTED.items():
        rows = [d for d in drafts if d[2] == scenario]
        # warm-up (first requests compile statements, load modules): not measured
        warm, rows = rows[:5], rows[5:]
        for token, case_id, _ in warm:
            _submit(client, token, case_id, status)
        if not rows:
            continue
        profiler = cProfile.Profile() if args.cprofile else None
        pg_before = sum(_proc_cpu_ms(p) for p in backends)
        statements.clear()
        cpu0, wall0 = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        for i, (token, case_id, _) in enumerate(rows):
            mark = len(statements)
            _submit(client, token, case_id, status)
            if args.statements and i == 0:
                print(f"--- statements of one {scenario} submit")
                for s in statements[mark:]:
                    print("   ", " ".join(s.split())[:160])
        calls = ""
        if profiler:
            profiler.disable()
            profiler.dump_stats(f"{args.cprofile}.{scenario}")
            stats = pstats.Stats(profiler)
            calls = f"  Python calls/submit {stats.total_calls / len(rows):,.0f}"
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        pg = sum(_proc_cpu_ms(p) for p in backends) - pg_before
        kinds = collections.Counter(s.split(None, 1)[0].upper() for s in statements)
        n = len(rows)
        print(
            f"{scenario:8} submits {n:4d}  statements/submit {len(statements) / n:5.1f} "
            f"({', '.join(f'{k} {v / n:.1f}' for k, v in kinds.most_common())})  "
            f"python CPU {cpu * 1000 / n:5.2f} ms  PG CPU {pg / n:5.2f} ms  wall {wall * 1000 / n:5.2f} ms{calls}"
        )
    return 0


def _submit(client, token: str, case_id: int, status: str) -> None:
    resp = client.post(
        f"/api/v1/applications/{case_id}/submit",
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex},
    )
    body = resp.get_json()
    if resp.status_code == 401:
        raise SystemExit("the drafts' access tokens have expired: run again without --reuse")
    if resp.status_code != 200 or body.get("status") != status:
        raise SystemExit(f"submit of {case_id}: {resp.status_code} {body}")


if __name__ == "__main__":
    raise SystemExit(main())
