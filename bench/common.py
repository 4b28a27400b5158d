"""What the benchmarks under bench/ share: their output files, a fresh migrated and seeded
database with an empty Redis database, and the child process that writes a benchmark's own rows
(run with the benchmark's environment, answering one JSON line)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench.catalog.database import BenchDatabase, migrate
from bench.catalog.servers import ROOT


def out_log(name: str) -> tuple[Path, Path]:
    """bench/out (created) and a fresh bench/out/<name>.log for the servers' output."""
    out_dir = ROOT / "bench" / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    log = out_dir / f"{name}.log"
    log.write_text("", encoding="utf-8")
    return out_dir, log


def fresh_database(
    db: BenchDatabase, env: dict, log: Path, redis_url: str, seeds: tuple[str, ...] = ("catalog",)
) -> None:
    """Recreate `db`, migrate it, run `flask <group> seed` for each of `seeds`, empty Redis."""
    import redis

    print(f"database {db.name}: recreate, migrate, seed …", flush=True)
    db.recreate()
    migrate(env, log)
    for group in seeds:
        subprocess.run(
            [sys.executable, "-m", "flask", group, "seed"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
        )
    redis.Redis.from_url(redis_url).flushdb()


def run_prepare(module: str, *args, env: dict):
    """`python -m module args…` in the benchmark's environment; its last stdout line as JSON, or
    None (its stderr printed) when it failed."""
    proc = subprocess.run(
        [sys.executable, "-m", module, *(str(a) for a in args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        print(proc.stderr[-3000:], file=sys.stderr)
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_lanes(worker, lanes: int, seconds: float, deadline: list[float]) -> tuple[float, float]:
    """The closed loop of a scenario: one thread per lane running `worker(i)`, `deadline[0]` set
    to now + `seconds` as they start (workers stop posting after it); waits for all of them.
    (seconds taken, share of the machine used by other processes meanwhile, %)."""
    import threading
    import time

    from bench.catalog.cpu import CpuWatch

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(lanes)]
    with CpuWatch() as cpu:
        started = time.perf_counter()
        deadline[0] = started + seconds
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        took = time.perf_counter() - started
    return took, cpu.share().other
