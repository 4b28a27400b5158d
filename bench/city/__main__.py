"""`python -m bench.city generate --years 3 --cases 500000` fills the configured database with a
city's years (bench/city/generate.py); `python -m bench.city bench` measures the read paths
(bench/city/run.py)."""

from __future__ import annotations

import argparse
import json
import sys
import time


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["bench"]:
        from bench.city.run import main as bench_main

        return bench_main(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m bench.city generate", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("generate",))
    parser.add_argument("--years", type=float, default=3)
    parser.add_argument("--cases", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--if-empty", action="store_true", help="do nothing when demo history is already there")
    args = parser.parse_args(argv)

    from app import create_app
    from bench.city.generate import generate

    app = create_app()
    started = time.perf_counter()
    with app.app_context():
        written = generate(years=args.years, cases=args.cases, seed=args.seed, if_empty=args.if_empty)
    took = time.perf_counter() - started
    if not written:
        print("demo history already there: nothing written")
    else:
        print(json.dumps({"seconds": round(took, 1), "rows": written}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
