"""The benchmark's own PostgreSQL database `zsb_bench`: reset per catalog size, migrated with
Alembic (`flask db upgrade`) and filled through the real importer.

Importing is slow (about 15 ms an item on a 2-core machine: docs/benchmarks.md), so a filled
database is kept as a template, `zsb_bench_tpl_<size>_<fingerprint>`, and the next run with the
same catalog, importer, models and migrations re-creates `zsb_bench` from it in seconds.
`--reimport` ignores the template.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_PREFIX = "zsb_bench_tpl_"

# What the content of an imported database depends on: the generator and every module of
# app/catalog except the read side (a change there needs no new import). Migrations are not part
# of it: a database re-created from a template is migrated to the head (`flask db upgrade`)
# before it is used, like any deployed database.
READ_SIDE = {
    *("__init__.py", "service.py", "search.py", "cli.py", "errors.py"),
    *("postings.py", "index_build.py", "ranking.py", "readiness.py"),  # the index (catalog cold paths)
    "reads.py",  # one-round-trip reads, the guide served as its stored text
}


def _fingerprint_files() -> list[Path]:
    files = [ROOT / "bench/catalog/generate.py", ROOT / "bench/catalog/vocab.py"]
    files += sorted(p for p in (ROOT / "app" / "catalog").glob("*.py") if p.name not in READ_SIDE)
    return files


@dataclass
class BenchDatabase:
    host: str = "127.0.0.1"
    port: int = 5432
    user: str = "postgres"
    name: str = "zsb_bench"

    def url_of(self, name: str) -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{name}"

    @property
    def url(self) -> str:
        return self.url_of(self.name)

    def _connect(self, dbname: str = "postgres"):
        import psycopg

        return psycopg.connect(host=self.host, port=self.port, user=self.user, dbname=dbname, autocommit=True)

    def databases(self) -> set[str]:
        with self._connect() as conn:
            return {r[0] for r in conn.execute("SELECT datname FROM pg_database")}

    def recreate(self, template: str | None = None) -> None:
        """DROP and CREATE `zsb_bench` (optionally as a copy of `template`)."""
        with self._connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            suffix = f' TEMPLATE "{template}"' if template else ""
            conn.execute(f'CREATE DATABASE "{self.name}"{suffix}')

    def save_as_template(self, template: str, size: int) -> None:
        """Keep the filled database as `template`, dropping older templates of the same size."""
        with self._connect() as conn:
            for (name,) in conn.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s", (f"{TEMPLATE_PREFIX}{size}\\_%",)
            ).fetchall():
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{template}" TEMPLATE "{self.name}"')

    def analyze(self) -> None:
        with self._connect(self.name) as conn:
            conn.execute("VACUUM ANALYZE")

    def scalar(self, sql: str):
        with self._connect(self.name) as conn:
            return conn.execute(sql).fetchone()[0]


def fingerprint(size: int, seed: int, with_keywords: bool, chunk_size: int) -> str:
    h = hashlib.sha1(json.dumps([size, seed, with_keywords, chunk_size]).encode())
    for path in _fingerprint_files():
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:10]


def app_env(db_url: str, var_dir: Path, redis_url: str) -> dict[str, str]:
    """Environment of every app process of the run (migrations, import, gunicorn)."""
    env = dict(os.environ)
    env.update(
        {
            "APP_ENV": "development",
            "FLASK_APP": "wsgi",
            "DATABASE_URL": db_url,
            "REDIS_URL": redis_url,
            "ZSB_VAR_DIR": str(var_dir),
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.pop("FLASK_DEBUG", None)
    return env


def _flask(*args: str) -> list[str]:
    exe = Path(sys.executable).with_name("flask")
    return [str(exe), *args] if exe.exists() else [sys.executable, "-m", "flask", *args]


def _tail(log: Path) -> str:
    return log.read_text(encoding="utf-8", errors="replace")[-3000:]


def migrate(env: dict, log: Path) -> float:
    """`flask db upgrade heads` (every head, should work in progress have branched); returns seconds."""
    started = time.perf_counter()
    with log.open("a", encoding="utf-8") as fh:
        fh.write("$ flask db upgrade heads\n")
        fh.flush()
        proc = subprocess.run(_flask("db", "upgrade", "heads"), cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        raise RuntimeError(f"flask db upgrade heads failed ({proc.returncode}); log {log}:\n{_tail(log)}")
    return time.perf_counter() - started


@dataclass
class ImportStats:
    items: int = 0
    files: int = 0
    seconds: float = 0.0
    jobs: int = 1
    reused_template: str | None = None
    file_seconds: list[float] = field(default_factory=list)

    @property
    def items_per_second(self) -> float:
        return self.items / self.seconds if self.seconds else 0.0


def import_files(env: dict, log: Path, first: Path, chunks: list[Path], jobs: int, progress) -> ImportStats:
    """Import `first` (the reference sections) alone, then `chunks` in `jobs` parallel
    `bench.catalog.importjob` processes, each calling import_catalog once per file.

    The chunks hold items only, distinct in each file, and every department, licence type,
    material type and theme exists before they start, so parallel imports never touch the same
    rows (but the catalog revision, bumped at each commit).
    """
    stats = ImportStats(jobs=jobs)
    started = time.perf_counter()
    cmd = [sys.executable, "-m", "bench.catalog.importjob"]
    with log.open("a", encoding="utf-8") as fh:
        fh.write(f"$ python -m bench.catalog.importjob {first}\n")
        fh.flush()
        proc = subprocess.run([*cmd, str(first)], cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        raise RuntimeError(f"importing {first} failed; log {log}:\n{_tail(log)}")
    parts = [chunks[i::jobs] for i in range(jobs)]
    procs = []
    for n, part in enumerate(p for p in parts if p):
        part_log = log.with_name(f"{log.stem}-import{n}.log")
        fh = part_log.open("w", encoding="utf-8")
        procs.append(
            (
                subprocess.Popen(
                    [*cmd, *map(str, part)], cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT, text=True
                ),
                fh,
                part_log,
            )
        )
    try:
        _wait_imports([(proc, part_log) for proc, _, part_log in procs], len(chunks), started, progress)
    finally:
        for proc, fh, _ in procs:
            if proc.poll() is None:  # failed elsewhere, or interrupted
                proc.terminate()
                proc.wait(timeout=30)
            fh.close()
    for n in range(jobs):
        part_log = log.with_name(f"{log.stem}-import{n}.log")
        if not part_log.exists():
            continue
        for line in part_log.read_text(encoding="utf-8").splitlines():
            if line.startswith("{"):
                rec = json.loads(line)
                stats.items += rec["created_items"]
                stats.file_seconds.append(rec["seconds"])
                stats.files += 1
    stats.seconds = time.perf_counter() - started
    return stats


def _wait_imports(procs: list, total: int, started: float, progress) -> None:
    """Wait for the import processes, reporting files done; raise on the first failure."""
    done = 0
    while True:
        time.sleep(1.0)
        seen = sum(
            sum(1 for line in log.read_text(encoding="utf-8").splitlines() if line.startswith("{")) for _, log in procs
        )
        if seen != done:
            done = seen
            progress(done, total, time.perf_counter() - started)
        for proc, log in procs:
            if proc.poll() not in (None, 0):
                raise RuntimeError(f"import failed; log {log}:\n{_tail(log)}")
        if all(proc.poll() == 0 for proc, _ in procs):
            return
