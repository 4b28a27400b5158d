"""The request paths of each scenario.

The API keeps serialised answers per catalog revision in an in-process LRU of 4,096 entries
(miniprogram_api/cache.py) and search results in the index's own LRU of 2,048 (query and
filters). So each endpoint is measured twice:

* warm — rotating over a bounded set (a few dozen list pages and filters, ~30 queries, 1,000
  codes): after the warm-up every answer comes from the caches, as for the popular requests of
  a real day;
* cold — every request a distinct query and filter combination (distinct for both caches) or a
  code never asked before, so each one pays the full cost: matching, ranking, loading the item
  from PostgreSQL, serialising.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from urllib.parse import urlencode

from bench.catalog import queries
from bench.catalog.generate import Dataset

API = "/api/v1/services"
BOOL = {True: "true", False: "false"}


@dataclass
class Scenario:
    name: str  # list / search-zh / search-py / detail / bare
    cache: str  # warm / cold / -
    paths: list[str]
    warmup_paths: list[str]

    @property
    def label(self) -> str:
        return self.name if self.cache == "-" else f"{self.name} {self.cache}"


def _url(params: dict) -> str:
    return f"{API}?{urlencode(params)}" if params else API


def list_warm(ds: Dataset, rng: random.Random) -> list[str]:
    """~50 list pages: the first pages unfiltered and under the common filters (one at a time)."""
    popular_departments = [d.code for d in ds.departments[:: max(1, len(ds.departments) // 8)]][:8]
    params: list[dict] = [{"page": p} for p in range(1, 11)]
    params += [{"audience": "individual", "page": p} for p in (1, 2, 3)]
    params += [{"audience": "legal_person", "page": p} for p in (1, 2)]
    params += [{"online_only": "true", "page": p} for p in (1, 2, 3)]
    params += [{"visits": 1, "page": p} for p in (1, 2)]
    params += [{"mobile": "true", "page": p} for p in (1, 2)]
    params += [{"level": "county", "page": p} for p in (1, 2)]
    params += [{"theme": t} for t in ds.theme_codes[:12]]
    params += [{"department": d} for d in popular_departments]
    rng.shuffle(params)
    return [_url(p) for p in params]


def _filter_combo(ds: Dataset, rng: random.Random, at_least: int) -> dict:
    """Random filters, `at_least` of them set (warm sets use at most one)."""
    choices = {
        "audience": lambda: rng.choice(("individual", "legal_person")),
        "level": lambda: rng.choice(("province", "city", "county")),
        "mobile": lambda: BOOL[rng.random() < 0.5],
        "online_only": lambda: "true",
        "visits": lambda: rng.choice((0, 1, 2)),
        "theme": lambda: rng.choice(ds.theme_codes),
        "department": lambda: rng.choice(ds.department_codes),
    }
    keys = rng.sample(sorted(choices), rng.randint(at_least, min(len(choices), at_least + 2)))
    return {k: choices[k]() for k in sorted(keys)}


def list_cold(ds: Dataset, rng: random.Random, count: int) -> list[str]:
    """`count` distinct filter combinations (two or more filters, so none is in the warm set),
    each with a page number: every request scans and sorts the whole catalog."""
    seen: set[tuple] = set()
    out: list[str] = []
    while len(out) < count:
        combo = _filter_combo(ds, rng, 2)
        key = tuple(sorted(combo.items()))
        if key in seen:
            continue
        seen.add(key)
        combo["page"] = rng.choice((1, 1, 1, 2, 3))
        out.append(_url(combo))
    return out


def search_warm(queries: list[str]) -> list[str]:
    return [_url({"q": q}) for q in queries]


def search_cold(ds: Dataset, pool: list[str], rng: random.Random, count: int) -> list[str]:
    """`count` distinct (query, filters) keys: first each query of the pool alone, then with
    filters added once the pool is used up."""
    seen: set[tuple] = set()
    out: list[str] = []
    n = 0
    while len(out) < count:
        q = pool[n % len(pool)]
        rounds = n // len(pool)
        n += 1
        params = {"q": q}
        if rounds:
            params.update(_filter_combo(ds, rng, 1))
        key = tuple(sorted(params.items()))
        if key in seen:
            continue
        seen.add(key)
        out.append(_url(params))
    return out


def detail_warm(codes: list[str], rng: random.Random, count: int = 1000) -> list[str]:
    return [f"{API}/{c}" for c in rng.sample(codes, min(count, len(codes)))]


def detail_cold(codes: list[str], exclude: set[str], rng: random.Random) -> list[str]:
    rest = [c for c in codes if f"{API}/{c}" not in exclude]
    rng.shuffle(rest)
    return [f"{API}/{c}" for c in rest]


def build(ds: Dataset, zh_pool: list[str], py_pool: list[str], cold_count: int, seed: int) -> list[Scenario]:
    rng = random.Random(f"scenarios-{seed}-{ds.size}")
    lw = list_warm(ds, rng)
    zw = search_warm(queries.SEARCH_ZH)
    pw = search_warm(queries.SEARCH_PINYIN)
    # 1,000 codes; at most half the catalog, so a small (--quick) catalog keeps codes for cold
    dw = detail_warm(ds.codes, rng, min(1000, ds.size // 2))
    return [
        Scenario("list", "warm", lw, lw),
        Scenario("search-zh", "warm", zw, zw),
        Scenario("search-py", "warm", pw, pw),
        Scenario("detail", "warm", dw, dw),
        Scenario("list", "cold", list_cold(ds, rng, cold_count), lw),
        Scenario("search-zh", "cold", search_cold(ds, zh_pool, rng, cold_count), zw),
        Scenario("search-py", "cold", search_cold(ds, py_pool, rng, cold_count), pw),
        Scenario("detail", "cold", detail_cold(ds.codes, set(dw), rng), dw),
    ]
