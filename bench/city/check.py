"""`python -m bench.city.check`: the figures and the trend from the rollup cells against the live
computation (the same numbers, `use_rollup=False`) on the configured database, with their
in-process timings. Prints one line per path; exits 1 on any difference."""

from __future__ import annotations

import sys
import time
from datetime import timedelta

from bench.city.prepare import DEPARTMENT


def main() -> int:
    from app import create_app
    from app.cases import queue
    from app.extensions import db
    from app.stats import service

    app = create_app()
    bad = 0
    with app.app_context():
        today = queue.today()
        periods = {"1 year": today - timedelta(days=364), "3 years": today - timedelta(days=3 * 365)}
        for department in (DEPARTMENT, None):
            for name, first in periods.items():
                timings, results = {}, {}
                for use in (False, True):
                    started = time.perf_counter()
                    results[use] = service.figures(
                        first, today, department=department, use_rollup=use, with_audience=True
                    )
                    timings[use] = (time.perf_counter() - started) * 1000
                    db.session.rollback()
                same = results[True] == results[False]
                bad += not same
                print(f"figures {department or 'platform'} {name}: live {timings[False]:.0f} ms, "
                      f"rollup {timings[True]:.0f} ms, {'same' if same else 'DIFFERENT'}", flush=True)  # fmt: skip
            timings, results = {}, {}
            for use in (False, True):
                started = time.perf_counter()
                results[use] = service.monthly_trend(months=36, department=department, use_rollup=use)
                timings[use] = (time.perf_counter() - started) * 1000
                db.session.rollback()
            same = results[True] == results[False]
            bad += not same
            print(f"trend {department or 'platform'} 36 months: live {timings[False]:.0f} ms, "
                  f"rollup {timings[True]:.0f} ms, {'same' if same else 'DIFFERENT'}", flush=True)  # fmt: skip
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
