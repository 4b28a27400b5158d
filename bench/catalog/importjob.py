"""`python -m bench.catalog.importjob FILE...`: import catalog files through the real importer
(`app.catalog.importer.import_catalog`), one transaction per file, in one app process.

Run with the benchmark's environment (DATABASE_URL etc., see database.app_env). Prints one JSON
line per file: {"file", "seconds", "created_items", "errors"}; exits 1 on the first file that
is not written.

The import runs with the session's autoflush off. The importer adds a new item to the session,
then looks up its department, licence types... in the database when they are not in the same
file; with autoflush on, that lookup flushes the half-built item and PostgreSQL refuses it (NOT
NULL department_id). The importer flushes explicitly after every row, so autoflush off changes
nothing else. (A bug of the importer: docs/benchmarks.md.)
"""

from __future__ import annotations

import json
import sys
import time


def main(paths: list[str]) -> int:
    from app import create_app
    from app.catalog.importer import import_catalog
    from app.extensions import db

    app = create_app()
    with app.app_context():
        for path in paths:
            started = time.perf_counter()
            with db.session.no_autoflush:
                report = import_catalog(path)
            seconds = time.perf_counter() - started
            print(
                json.dumps(
                    {
                        "file": path,
                        "seconds": round(seconds, 3),
                        "created_items": report.created["items"],
                        "errors": [str(e) for e in report.errors[:5]],
                    },
                    ensure_ascii=False,
                ),
                flush=True,
            )
            if not report.written:
                return 1
            db.session.remove()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
