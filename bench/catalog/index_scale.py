"""The catalog index alone, in process, at every size — 200,000 items included, which the HTTP
benchmark cannot import in reasonable time on a shared 2-core machine (the importer writes
~100 items/s: ~35 minutes on a quiet machine, over 2 hours under load).

    python -m bench.catalog.index_scale --sizes 5000,50000,200000
    python -m bench.catalog.index_scale --sizes 50000 --check postgresql://postgres@127.0.0.1/zsb_cat_bench

For each size: the generator's catalog (generate.py), derived into the index's rows the way the
importer derives the stored columns (`--check` holds them equal, column by column, to the rows
`load_rows` reads from a database the benchmark imported), the index built from them (time, and
memory as traced by tracemalloc), then the cold scenarios' requests (scenarios.py: every one
distinct) answered as the view does — `CatalogIndex.page`, the page's summaries, the JSON body —
timed in CPU seconds. What a request costs besides (HTTP, the framework, the response memo) does
not depend on the catalog's size; the HTTP benchmark measures it.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import time
import tracemalloc
from urllib.parse import parse_qsl, urlsplit

from bench.catalog import generate, queries, scenarios, vocab


def rows_of(ds: generate.Dataset, with_keywords: bool = True):
    """The index's rows of a generated catalog, derived as app/catalog/importer.py stores them."""
    from app.catalog import fees
    from app.catalog.index_build import CatalogRows
    from app.catalog.text import normalise, pinyin_full, pinyin_initials

    mt_ids = {code: n + 1 for n, (code, *_rest) in enumerate(vocab.MATERIAL_TYPES)}
    material_names: dict[int, list[str]] = {}
    material_terms: dict[str, set[int]] = {}
    for code, name, synonyms, _lt, _names in vocab.MATERIAL_TYPES:
        mt = mt_ids[code]
        material_names[mt] = [normalise(w) for w in [name, *synonyms] if normalise(w)]
        for w in material_names[mt]:
            material_terms.setdefault(w, set()).add(mt)
    dept_names = {d.code: d.name for d in ds.departments}
    items = [generate.item_row(p, ds.seed, with_keywords) for p in ds.items]
    items.sort(key=lambda d: (-d["popularity"], d["implementation_code"]))
    shared: dict = {}
    one = shared.setdefault
    normalised_fees = [fees.normalise(d["fees"]) for d in items]
    items_by_material: dict[int, list[int]] = {}
    for pos, d in enumerate(items):
        for mt in {mt_ids[m["material_type"]] for m in d["materials"]}:
            items_by_material.setdefault(mt, []).append(pos)
    return CatalogRows(
        codes=[d["implementation_code"] for d in items],
        basic_codes=[one(d["basic_code"], d["basic_code"]) for d in items],
        names=[one(d["name"], d["name"]) for d in items],
        item_types=[d["type"] for d in items],
        audience=[list(d["audience"]) for d in items],
        level=[d["level"] for d in items],
        mobile=[d["channels"]["mobile"] for d in items],
        fully_online=[d["channels"]["fully_online"] for d in items],
        visits=[d["visits"] for d in items],
        instant=[d["instant"] for d in items],
        promised_time_limit=[d["promised_time_limit"] for d in items],
        fee_from_fen=[fees.from_fen(f) for f in normalised_fees],
        fee_varies=[fees.varies(f) for f in normalised_fees],
        popularity=[d["popularity"] for d in items],
        keywords=[[normalise(k) for k in d["keywords"]] for d in items],
        pinyin=[one(v, v) for v in (pinyin_full(d["name"]) for d in items)],
        initials=[one(v, v) for v in (pinyin_initials(d["name"]) for d in items)],
        keywords_pinyin=[
            "\n".join(r for k in d["keywords"] for r in (pinyin_full(k), pinyin_initials(k))) for d in items
        ],
        department_code=[d["department"] for d in items],
        department_name=[dept_names[d["department"]] for d in items],
        themes=[frozenset(d["themes"]) for d in items],
        items_by_material=items_by_material,
        material_names=material_names,
        material_terms=material_terms,
        department_codes=frozenset(dept_names),
        theme_codes=frozenset(c for c, *_ in vocab.THEMES),
    )


def check(ds: generate.Dataset, url: str) -> None:
    """Hold `rows_of(ds)` equal to what `load_rows` reads from the database at `url`."""
    os.environ.update(APP_ENV="development", DATABASE_URL=url)
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/14")
    from app import create_app
    from app.catalog.index_build import load_rows

    app = create_app()
    with app.app_context():
        stored = load_rows()
    ours = rows_of(ds)
    # material type ids are the database's: compare the items per material *name*
    by_name = {tuple(v): k for k, v in stored.material_names.items()}
    ours_by_name = {tuple(v): k for k, v in ours.material_names.items()}
    for column in stored.__dataclass_fields__:
        if column in ("items_by_material", "material_names", "material_terms"):
            continue
        assert getattr(stored, column) == getattr(ours, column), f"column {column} differs"
    assert set(by_name) == set(ours_by_name)
    for names, mt in by_name.items():
        assert sorted(stored.items_by_material.get(mt, [])) == sorted(
            ours.items_by_material.get(ours_by_name[names], [])
        )
    print(f"check: the generator's rows equal the {len(stored):,} rows of {url}")


def requests(paths: list[str]) -> list[tuple[str, dict, int, int]]:
    """(normalised q, filters, start, page size) of each path, as search_services makes them."""
    from app.catalog.text import normalise

    out = []
    for path in paths:
        params = dict(parse_qsl(urlsplit(path).query))
        filters: dict = {}
        for key in ("department", "audience", "theme", "level"):
            if key in params:
                filters[key] = params[key]
        if "mobile" in params:
            filters["mobile"] = params["mobile"] == "true"
        if "visits" in params:
            filters["visits"] = int(params["visits"])
        if params.get("online_only") == "true":
            filters["online_only"] = True
        page, size = int(params.get("page", 1)), int(params.get("page_size", 20))
        out.append((normalise(params.get("q", ""))[:50], filters, (page - 1) * size, size))
    return out


def measure(idx, reqs) -> dict:
    """CPU microseconds per request: page, summaries, JSON body (as miniprogram_api/catalog.py)."""
    samples = []
    for q, filters, start, size in reqs:
        t0 = time.process_time_ns()
        total, found = idx.page(q, filters, start, size)
        body = {"items": [idx.summary(p) for p in found], "total": total, "page": 1, "page_size": size}
        json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        samples.append((time.process_time_ns() - t0) / 1000)
    samples.sort()
    return {
        "n": len(samples),
        "mean_us": statistics.fmean(samples),
        "p50_us": samples[len(samples) // 2],
        "p99_us": samples[int(len(samples) * 0.99)],
    }


def main() -> int:
    p = argparse.ArgumentParser(prog="python -m bench.catalog.index_scale", description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="5000,50000,200000")
    p.add_argument("--count", type=int, default=3000, help="distinct requests per scenario (default 3000)")
    p.add_argument("--seed", type=int, default=20260101)
    p.add_argument("--check", metavar="DATABASE_URL", help="hold the rows equal to this database's (one size)")
    args = p.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.check:
        check(generate.build(sizes[0], args.seed), args.check)
        return 0
    from app.catalog.search import CatalogIndex

    results = {}
    for size in sizes:
        ds = generate.build(size, args.seed)
        rows = rows_of(ds)
        gc.collect()
        tracemalloc.start()
        t0 = time.process_time()
        idx = CatalogIndex.build(rows)
        build_s = time.process_time() - t0
        index_mb = tracemalloc.get_traced_memory()[0] / 2**20
        tracemalloc.stop()
        zh, py = queries.cold_pools(ds, args.seed)
        plan = {sc.name: sc for sc in scenarios.build(ds, zh, py, args.count, args.seed) if sc.cache == "cold"}
        row = {"build_cpu_s": build_s, "index_mb": index_mb}
        for name in ("list", "search-zh", "search-py"):
            row[name] = measure(idx, requests(plan[name].paths[: args.count]))
        results[size] = row
        print(
            f"{size:>8,} items: index built in {build_s:.1f} s CPU, {index_mb:.0f} MB beyond the rows; "
            + "; ".join(
                f"{k} {row[k]['mean_us']:.0f} µs mean, p99 {row[k]['p99_us']:.0f}"
                for k in ("list", "search-zh", "search-py")
            ),
            flush=True,
        )
        del idx, rows, ds
    small, large = min(results), max(results)
    if small != large:
        for name in ("list", "search-zh", "search-py"):
            ratio = results[large][name]["mean_us"] / results[small][name]["mean_us"]
            print(f"{name}: {large:,} items cost {ratio:.2f}× what {small:,} cost per request (mean CPU)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
