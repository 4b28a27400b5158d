"""The catalog benchmark (`make bench`, `python -m bench.catalog --help`).

For each catalog size: generate the catalog, fill the `zsb_bench` PostgreSQL database through
the real importer (or re-create it from the template a previous run left), serve the API
(`gunicorn wsgi:app`) and a bare Flask JSON endpoint with the same gunicorn settings on two
free loopback ports, and drive both with 32 connections: list, search (Chinese, pinyin) and
detail, each warm (bounded, cached set) and cold (every request distinct). Prints the table and
writes it as markdown to bench/out/catalog-<timestamp>.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.catalog import database, generate, load, queries, scenarios
from bench.catalog.cpu import CpuWatch
from bench.catalog.report import Report, Row, ServerFacts
from bench.catalog.servers import API_CONF, Gunicorn

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "bench" / "out"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.catalog", description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="5000,50000", help="catalog sizes, comma-separated (default 5000,50000)")
    p.add_argument("--duration", type=int, default=10, help="seconds measured per scenario (default 10)")
    p.add_argument("--warmup", type=int, default=2, help="seconds of warm-up before each scenario (default 2)")
    p.add_argument(
        "--reference",
        type=int,
        default=3,
        help="seconds of bare Flask measured just before each scenario, the ratio's reference (default 3)",
    )
    p.add_argument("--connections", type=int, default=32, help="concurrent connections (default 32)")
    p.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    p.add_argument(
        "--worker-classes", default="sync,gthread", help="gunicorn worker classes to measure (default sync,gthread)"
    )
    p.add_argument("--threads", type=int, default=4, help="threads per gthread worker (default 4)")
    p.add_argument(
        "--cold-all",
        action="store_true",
        help="run the cold scenarios with every worker class (default: the first class only)",
    )
    p.add_argument("--cold-count", type=int, default=60000, help="distinct paths per cold list/search scenario")
    p.add_argument("--loadgen", choices=("auto", "wrk", "python"), default="auto", help="load generator (default auto)")
    p.add_argument("--wrk-threads", type=int, default=1, help="wrk threads (default 1: leave the CPUs to the server)")
    p.add_argument("--prime-rounds", type=int, default=6, help="times each warm path is sent before measuring")
    p.add_argument("--prime-seconds", type=float, default=120, help="time bound of the priming (default 120)")
    p.add_argument("--seed", type=int, default=20260101)
    p.add_argument("--reimport", action="store_true", help="import again even if a template database matches")
    p.add_argument("--prepare-only", action="store_true", help="fill (or reuse) the databases, then stop")
    p.add_argument("--import-jobs", type=int, default=2, help="parallel import processes (default 2)")
    p.add_argument("--chunk-size", type=int, default=500, help="items per import file (default 500)")
    p.add_argument(
        "--no-keywords",
        dest="with_keywords",
        action="store_false",
        help="generate items without keywords (for an importer that cannot store their pinyin on PostgreSQL)",
    )
    p.add_argument("--pg-host", default="127.0.0.1")
    p.add_argument("--pg-port", type=int, default=5432)
    p.add_argument("--pg-user", default="postgres")
    p.add_argument("--db-name", default="zsb_bench")
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    p.add_argument("--quick", action="store_true", help="smoke run: 500 and 2,000 items, 2 s per scenario, sync only")
    args = p.parse_args(argv)
    if args.quick:
        args.sizes, args.duration, args.warmup, args.worker_classes = "500,2000", 2, 1, "sync"
        args.reference = 1
        args.cold_count = min(args.cold_count, 20000)
    args.size_list = [int(s) for s in args.sizes.split(",") if s.strip()]
    args.class_list = [c.strip() for c in args.worker_classes.split(",") if c.strip()]
    if args.pg_host != "127.0.0.1":
        p.error("the benchmark only talks to 127.0.0.1")
    return args


def say(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def machine() -> dict[str, str]:
    info = {"cpus": str(os.cpu_count()), "python": platform.python_version()}
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        for line in out.splitlines():
            if line.startswith("Model name:"):
                info["cpu"] = line.split(":", 1)[1].strip()
    except OSError:
        pass
    try:
        import psutil

        info["memory"] = f"{psutil.virtual_memory().total / 2**30:.1f} GiB"
    except ImportError:
        pass
    try:
        import gunicorn

        info["gunicorn"] = gunicorn.__version__
    except ImportError:
        pass
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True)
        changed = len([ln for ln in dirty.stdout.splitlines() if ln.strip()])
        info["code"] = f"git {head.stdout.strip()}" + (f" + {changed} uncommitted changes" if changed else "")
    except OSError:
        pass
    wrk = load.wrk_path()
    if wrk:
        out = subprocess.run([wrk, "-v"], capture_output=True, text=True, check=False)
        info["wrk"] = (out.stdout or out.stderr).splitlines()[0].split(" Copyright")[0]
    return info


# ---------------------------------------------------------------- database


def prepare_database(args, ds: generate.Dataset, db: database.BenchDatabase, work: Path, log: Path) -> dict:
    fp = database.fingerprint(ds.size, args.seed, args.with_keywords, args.chunk_size)
    template = f"{database.TEMPLATE_PREFIX}{ds.size}_{fp}"
    facts = {"departments": len(ds.departments), "database": db.name}
    if not args.reimport and template in db.databases():
        t0 = time.perf_counter()
        db.recreate(template=template)
        database.migrate(database.app_env(db.url, work / "var", args.redis_url), log)
        say(f"{ds.size:,} items: zsb_bench re-created from {template} and migrated in {time.perf_counter() - t0:.1f} s")
        facts.update(how=f"reused template {template}", seconds=None)
        return facts
    say(f"{ds.size:,} items: resetting {db.name}, migrating, importing through app.catalog.importer")
    db.recreate()
    env = database.app_env(db.url, work / "var", args.redis_url)
    database.migrate(env, log)
    data = work / f"data-{ds.size}"
    data.mkdir(exist_ok=True)
    t0 = time.perf_counter()
    ref = data / "reference.json"
    generate.write_reference(ds, ref)
    chunks = generate.write_json_chunks(ds, data, args.chunk_size, args.with_keywords)
    say(f"  wrote {len(chunks)} import files of ≤ {args.chunk_size} items in {time.perf_counter() - t0:.1f} s")

    def progress(done: int, total: int, seconds: float) -> None:
        if done == total or done % max(1, total // 10) == 0:
            say(f"  imported {done}/{total} files ({seconds:.0f} s)")

    stats = database.import_files(env, log, ref, chunks, args.import_jobs, progress)
    imported = db.scalar("SELECT count(*) FROM service_items")
    if imported != ds.size:
        raise RuntimeError(f"expected {ds.size} items in {db.name}, found {imported}")
    db.analyze()
    say(
        f"  {stats.items:,} items imported in {stats.seconds:.0f} s ({stats.items_per_second:.0f} items/s, {stats.jobs} jobs)"
    )
    if database.fingerprint(ds.size, args.seed, args.with_keywords, args.chunk_size) == fp:
        db.save_as_template(template, ds.size)
        say(f"  kept as template {template}")
    else:
        say("  WARNING: the importer, models or migrations changed during the import: not kept as a template")
    facts.update(
        how=f"{stats.files} files × ≤ {args.chunk_size} items, {stats.jobs} parallel jobs",
        seconds=stats.seconds,
        items_per_second=stats.items_per_second,
    )
    return facts


# ---------------------------------------------------------------- measuring


def measure(args, tool: str, server: Gunicorn, paths: list[str], warmup_paths: list[str]):
    """Wait for the server to be idle, warm up, then measure. Returns (LoadResult, CpuShare)."""
    server.wait_idle()
    if args.warmup > 0:
        load.run(tool, server.base_url, warmup_paths, args.warmup, args.connections, args.wrk_threads)
    with CpuWatch() as watch:
        result = run_counted(tool, server, paths, args.duration, args)
    return result, watch.share()


def run_counted(tool: str, server: Gunicorn, paths: list[str], seconds: int, args):
    """load.run, with the CPU time the server's processes spent per request: a figure the load
    of other processes on the machine hardly moves, unlike requests per second."""
    before = server.cpu_seconds()
    result = load.run(tool, server.base_url, paths, seconds, args.connections, args.wrk_threads)
    if result.requests:
        result.server_cpu_ms = (server.cpu_seconds() - before) * 1000 / result.requests
    return result


def api_hit_shares(base_url: str, queries: list[str], size: int) -> list[float]:
    shares = []
    for path in scenarios.search_warm(queries):
        _ms, status, body = load.timed_get(base_url, path + "&page_size=1")
        if status == 200:
            shares.append(json.loads(body)["total"] / size)
    return shares


def run_size(args, tool: str, size: int, db: database.BenchDatabase, work: Path, log: Path, report: Report) -> None:
    ds = generate.build(size, args.seed)
    report.imports[size] = prepare_database(args, ds, db, work, log)
    if args.prepare_only:
        return
    zh_pool, py_pool = queries.cold_pools(ds, args.seed, args.with_keywords)
    plan = scenarios.build(ds, zh_pool, py_pool, args.cold_count, args.seed)
    share = queries.name_hit_share
    report.hit_shares[size] = {
        "Chinese (warm)": {
            "queries": len(queries.SEARCH_ZH),
            "names": list(share(ds, queries.SEARCH_ZH, False).values()),
        },
        "pinyin (warm)": {
            "queries": len(queries.SEARCH_PINYIN),
            "names": list(share(ds, queries.SEARCH_PINYIN, True).values()),
        },
        "Chinese (cold)": {"queries": len(zh_pool), "names": list(share(ds, zh_pool[:300], False).values())},
        "pinyin (cold)": {"queries": len(py_pool), "names": list(share(ds, py_pool[:300], True).values())},
    }
    env = database.app_env(db.url, work / "var", args.redis_url)
    for n, worker_class in enumerate(args.class_list):
        bare = Gunicorn("bench.catalog.bare_app:app", env, log, args.workers, worker_class, args.threads)
        api = Gunicorn("wsgi:app", env, log, args.workers, worker_class, args.threads, conf=API_CONF)
        try:
            bare.start()
            start_s = api.start()
            first_ms, first_status, _ = load.timed_get(api.base_url, scenarios.search_warm([queries.SEARCH_ZH[0]])[0])
            say(f"{size:,} items, {worker_class}: API up in {start_s:.1f} s; first search {first_ms:,.0f} ms")
            if n == 0:
                report.hit_shares[size]["Chinese (warm)"]["returned"] = api_hit_shares(
                    api.base_url, queries.SEARCH_ZH, size
                )
                report.hit_shares[size]["pinyin (warm)"]["returned"] = api_hit_shares(
                    api.base_url, queries.SEARCH_PINYIN, size
                )
            warm_paths = [p for sc in plan if sc.cache == "warm" for p in sc.paths]
            primed, prime_s = load.prime(api.base_url, warm_paths, args.prime_rounds, 8, args.prime_seconds)
            say(f"  primed the warm sets: {primed:,} requests in {prime_s:.0f} s")
            bare_res, bare_share = measure(args, tool, bare, ["/"], ["/"])
            say(f"  bare flask: {bare_res.rps:,.0f} req/s, p99 {bare_res.p99_ms:.1f} ms")
            measured = []
            for sc in plan:
                if sc.cache == "cold" and n > 0 and not args.cold_all:
                    continue
                if not sc.paths:
                    say(f"  {sc.label}: no paths left for this size, skipped")
                    continue
                # the reference for this scenario: bare Flask measured just before it (the
                # machine's load from other processes drifts from minute to minute)
                api.wait_idle()
                ref = run_counted(tool, bare, ["/"], args.reference, args)
                res, share = measure(args, tool, api, sc.paths, sc.warmup_paths)
                measured.append((sc, res, share, ref))
                say(
                    f"  {sc.label:<16} {res.rps:8,.0f} req/s  p50 {res.p50_ms:7.1f} ms  p99 {res.p99_ms:7.1f} ms"
                    f"  × bare {res.rps / ref.rps:.2f} (bare {ref.rps:,.0f} req/s)"
                    f"  CPU {res.server_cpu_ms:.2f} ms/req (bare {ref.server_cpu_ms:.2f})"
                    f"  CPU other {share.other:.0f}% pg {share.postgres:.0f}%"
                    + (f"  errors {res.errors} bad {res.bad_status}" if res.errors or res.bad_status else "")
                )
            memory = api.memory()
            rss = [w["rss"] / 2**20 for w in memory["workers"]]
        finally:
            api.stop()
            bare.stop()
        report.rows.append(
            Row(size, worker_class, "bare", "-", bare_res, bare_res.rps, bare_share, bare_res.server_cpu_ms)
        )
        for sc, res, share, ref in measured:
            report.rows.append(Row(size, worker_class, sc.name, sc.cache, res, ref.rps, share, ref.server_cpu_ms))
        report.servers.append(
            ServerFacts(
                size,
                worker_class,
                first_ms,
                first_status,
                rss,
                start_s,
                prime_s,
                worker_uss_mb=[w["uss"] / 2**20 for w in memory["workers"]],
                worker_pss_mb=[w["pss"] / 2**20 for w in memory["workers"]],
                master_rss_mb=memory["master"].get("rss", 0) / 2**20,
            )
        )


# ---------------------------------------------------------------- output


def render(args, report: Report, info: dict, tool: str, started: float, markdown: bool) -> str:
    def section(title: str, body: str) -> str:
        return f"## {title}\n\n{body}\n" if markdown else f"{title}\n{'=' * len(title)}\n{body}\n"

    cmd = "python -m bench.catalog " + " ".join(sys.argv[1:]) if sys.argv[1:] else "python -m bench.catalog"
    settings = (
        f"- command: `{cmd}`\n"
        f"- date: {time.strftime('%Y-%m-%d %H:%M %Z')}, total {time.perf_counter() - started:.0f} s\n"
        f"- machine: {info.get('cpus')} CPUs ({info.get('cpu', '?')}), {info.get('memory', '?')}; "
        f"Python {info.get('python')}, gunicorn {info.get('gunicorn', '?')}, {info.get('postgres', 'PostgreSQL ?')}\n"
        f"- code: {info.get('code', '?')}\n"
        f"- load: {'wrk (' + info.get('wrk', '') + ')' if tool == 'wrk' else 'Python load generator (wrk not installed)'}, "
        f"{args.connections} connections, {args.warmup} s warm-up + {args.duration} s per scenario, all on 127.0.0.1\n"
        f"- servers: gunicorn, {args.workers} workers ({', '.join(args.class_list)}"
        + (f"; gthread with {args.threads} threads" if "gthread" in args.class_list else "")
        + "), APP_ENV=development, LOG_LEVEL=WARNING; PostgreSQL 127.0.0.1:5432/zsb_bench\n"
        f"- × bare: throughput ÷ that of the bare Flask endpoint measured for {args.reference} s just before the "
        "scenario (same connections, same gunicorn settings; column bare req/s); the bare row is its own "
        f"{args.warmup} s + {args.duration} s measurement\n"
        f"- warm: the bounded sets, each path sent {args.prime_rounds}× before measuring so both workers cached it; "
        "cold: every request a distinct query/filter combination or a code not asked before\n"
        "- CPU other/pg %: share of the machine's CPU used during the measurement by processes outside the "
        "benchmark, and by PostgreSQL (all databases)\n"
    )
    parts = [
        "# Catalog benchmark\n" if markdown else "",
        settings,
        section("Results", report.results_table(markdown)),
        section(
            f"Target: search and detail ≥ {0.5}× bare Flask with p99 ≤ 50 ms at {args.connections} connections",
            report.targets_table(markdown),
        ),
        section(
            "Target: the largest catalog no more than 1.5× slower than the smallest "
            "(judged on × bare: the sizes are measured minutes apart)",
            report.scaling_table(markdown),
        ),
        section("Start-up and memory", report.servers_table(markdown)),
        section("Catalogs", report.imports_table(markdown) + "\n\n" + report.hits_table(markdown)),
    ]
    return "\n".join(parts)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)  # stop servers and import jobs on SIGTERM too
    started = time.perf_counter()
    if args.loadgen == "wrk" and not load.wrk_path():
        print("wrk is not installed (Debian: apt-get install wrk)", file=sys.stderr)
        return 2
    tool = "wrk" if args.loadgen != "python" and load.wrk_path() else "python"
    if tool == "python":
        say(
            "WARNING: wrk not found (or --loadgen python): using the Python load generator. It runs on the "
            "same CPUs as the servers, so every figure is lower than with wrk; install wrk for real figures."
        )
    OUT.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    log = OUT / f"catalog-{stamp}.log"
    work = Path(tempfile.mkdtemp(prefix="zsb-bench-"))
    (work / "var").mkdir()
    info = machine()
    try:
        with database.BenchDatabase(args.pg_host, args.pg_port, args.pg_user, "postgres")._connect() as conn:
            info["postgres"] = "PostgreSQL " + conn.execute("SHOW server_version").fetchone()[0].split()[0]
    except Exception:  # noqa: BLE001 - informational only
        pass
    say(f"load generator: {tool}; sizes {args.size_list}; worker classes {args.class_list}; logs in {log}")
    db = database.BenchDatabase(args.pg_host, args.pg_port, args.pg_user, args.db_name)
    report = Report()
    failure = None
    try:
        for size in args.size_list:
            run_size(args, tool, size, db, work, log, report)
    except KeyboardInterrupt:
        say("interrupted")
        return 130
    except Exception as exc:  # noqa: BLE001 - still print what was measured
        failure = f"{type(exc).__name__}: {exc}"
        say(f"FAILED: {failure}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.prepare_only:
        say("databases ready (--prepare-only)")
        return 0
    text = render(args, report, info, tool, started, markdown=False)
    md = render(args, report, info, tool, started, markdown=True)
    if failure:
        note = f"INCOMPLETE RUN — stopped by {failure.splitlines()[0]}\n\n"
        text, md = note + text, note + md
    out_md = OUT / f"catalog-{stamp}.md"
    out_md.write_text(md, encoding="utf-8")
    out_md.with_suffix(".json").write_text(json.dumps(report.to_json(), ensure_ascii=False, indent=1), encoding="utf-8")
    print()
    print(text)
    say(f"written {out_md}")
    return 1 if failure else 0
