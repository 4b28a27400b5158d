"""The bitset index answers exactly what the ranking's definition (app/catalog/ranking.py, a
plain scan) answers: same items, same order, same totals, page by page — on the demo catalog and
on a generated one big enough for the index's dense postings and multi-word bitsets."""

from __future__ import annotations

import random

import pytest

from app.catalog.index_build import CatalogRows, load_rows
from app.catalog.postings import Postings, from_positions, positions, select
from app.catalog.ranking import reference_search
from app.catalog.search import CatalogIndex
from app.catalog.text import normalise, pinyin_full, pinyin_initials

# ---------------------------------------------------------------- bitset primitives


@pytest.mark.parametrize("n", [1, 63, 64, 4095, 4096, 4097, 20_000])
def test_select_reads_set_bits_in_order_from_any_offset(n):
    rng = random.Random(n)
    for density in (0.0, 0.001, 0.05, 0.5, 1.0):
        members = sorted(p for p in range(n) if rng.random() < density)
        bits = from_positions(members, (n + 7) // 8)
        assert positions(bits) == members
        assert bits.bit_count() == len(members)
        for skip, take in ((0, 20), (5, 1), (len(members) // 2, 20), (max(0, len(members) - 3), 20), (len(members), 5)):
            assert select(bits, skip, take) == members[skip : skip + take]


def test_postings_keep_common_keys_as_bits_and_rare_ones_as_positions():
    n = 64 * 256
    groups = {"common": list(range(0, n, 3)), "rare": [5, 77, n - 1], "rare2": [6]}
    postings = Postings(n, groups)
    assert "common" in postings.dense and "rare" in postings.sparse
    for key, members in groups.items():
        assert positions(postings.bits(key)) == sorted(members)
    assert positions(postings.union(["common", "rare", "rare2", "absent"])) == sorted(
        set(groups["common"]) | set(groups["rare"]) | {6}
    )
    assert postings.bits("absent") == 0


# ---------------------------------------------------------------- the index against the definition


def _queries(rows: CatalogRows, rng: random.Random, count: int) -> list[str]:
    """Whole names, their prefixes and fragments, keywords, material words, department-name
    fragments, pinyin and initials of all those, and terms that match nothing."""
    words = {normalise(n) for n in rows.names} | {k for ks in rows.keywords for k in ks}
    words |= set(rows.material_terms) | {normalise(d) for d in rows.department_name}
    terms: set[str] = set()
    for w in sorted(words):
        terms.update(w[:k] for k in range(1, len(w) + 1))
        terms.update(w[i : i + 2] for i in range(len(w) - 1))
    terms |= {pinyin_full(t) for t in list(terms)} | {pinyin_initials(t) for t in list(terms)}
    terms |= {"zzzz", "不存在的事项", "x"}
    terms.discard("")
    pool = sorted(terms)
    rng.shuffle(pool)
    return pool[:count]


def _filters(rows: CatalogRows, rng: random.Random) -> dict:
    choices = {
        "department": lambda: rng.choice(rows.department_code),
        "audience": lambda: rng.choice(("individual", "legal_person")),
        "theme": lambda: rng.choice(sorted(rows.theme_codes)),
        "level": lambda: rng.choice(("province", "city", "county")),
        "mobile": lambda: rng.random() < 0.5,
        "online_only": lambda: True,
        "visits": lambda: rng.choice((0, 1, 2, 3, 5)),
    }
    keys = rng.sample(sorted(choices), rng.choice((0, 0, 1, 1, 2, 3)))
    return {k: choices[k]() for k in keys}


def _assert_equal(rows: CatalogRows, idx: CatalogIndex, q: str, filters: dict) -> None:
    expected = reference_search(rows, q, filters)
    assert idx.search(q, filters) == expected, (q, filters)
    for start, size in ((0, 20), (20, 20), (5, 7), (len(expected) - 3, 20), (len(expected), 20)):
        start = max(0, start)
        total, page = idx.page(q, filters, start, size)
        assert total == len(expected), (q, filters)
        assert page == expected[start : start + size], (q, filters, start)


def test_index_equals_the_definition_on_the_demo_catalog(ctx):
    rows = load_rows()
    idx = CatalogIndex.build(rows)
    rng = random.Random(1)
    for q in ["", *_queries(rows, rng, 600)]:
        for filters in [{}] + [_filters(rows, rng) for _ in range(3)]:
            _assert_equal(rows, idx, q, filters)


def _generated_rows(n: int, seed: int) -> CatalogRows:
    """A catalog shaped like a province's: few distinct names over many departments (三级四同),
    popular and rare keywords, materials most items need, a skewed popularity with ties."""
    rng = random.Random(seed)
    stems = ["居民身份证", "营业执照", "住房公积金", "社会保险", "婚姻登记", "出生医学证明", "驾驶证", "护照"]
    acts = ["申领", "换领", "补领", "提取", "变更登记", "注销", "查询", "转移接续"]
    names = [s + a for s in stems for a in acts][:40]
    divisions = [f"青岚省第{k}市" for k in range(40)]
    bureaus = ["公安局", "人力资源和社会保障局", "住房公积金管理中心", "民政局", "市场监督管理局"]
    departments = [(f"D{k:04d}", d + b) for k, (d, b) in enumerate((d, b) for d in divisions for b in bureaus)]
    items_by_material: dict[int, list[int]] = {1: [], 2: [], 3: []}
    records = []
    for i in range(n):
        name = rng.choice(names[: rng.choice((8, 40))])
        dep = rng.choice(departments[: rng.choice((10, len(departments)))])
        keywords = rng.sample(["社保", "公积金", "身份证", "户口", "网约车"], rng.choice((0, 1, 2)))
        records.append(
            (f"C{rng.randrange(10**6):06d}-{i}", name, dep, keywords, rng.choice((0, 1, 1, 5, rng.randrange(100))))
        )
    records.sort(key=lambda r: (-r[4], r[0]))
    for pos, (_code, name, _dep, _kw, _pop) in enumerate(records):
        if "身份证" in name or rng.random() < 0.6:
            items_by_material[1].append(pos)
        if rng.random() < 0.02:
            items_by_material[2].append(pos)
    material_names = {1: ["居民身份证", "身份证", "身份证件"], 2: ["营业执照", "执照"], 3: ["户口簿"]}
    material_terms: dict[str, set[int]] = {}
    for mt, words in material_names.items():
        for w in words:
            material_terms.setdefault(w, set()).add(mt)
    return CatalogRows(
        codes=[r[0] for r in records],
        basic_codes=[r[1] for r in records],
        names=[r[1] for r in records],
        item_types=["行政许可"] * n,
        audience=[rng.choice((["individual"], ["legal_person"], ["individual", "legal_person"])) for _ in records],
        level=[rng.choice(("province", "city", "county", "county")) for _ in records],
        mobile=[rng.random() < 0.7 for _ in records],
        fully_online=[rng.random() < 0.3 for _ in records],
        visits=[rng.choice((0, 1, 1, 2)) for _ in records],
        instant=[False] * n,
        promised_time_limit=[5] * n,
        fee_from_fen=[0] * n,
        fee_varies=[False] * n,
        popularity=[r[4] for r in records],
        keywords=[r[3] for r in records],
        pinyin=[pinyin_full(r[1]) for r in records],
        initials=[pinyin_initials(r[1]) for r in records],
        keywords_pinyin=["\n".join(pinyin_full(k) for k in r[3]) for r in records],
        department_code=[r[2][0] for r in records],
        department_name=[r[2][1] for r in records],
        themes=[frozenset(rng.sample(["T1", "T2", "T3"], rng.choice((0, 1, 2)))) for _ in records],
        items_by_material=items_by_material,
        material_names=material_names,
        material_terms=material_terms,
        department_codes=frozenset(d[0] for d in departments),
        theme_codes=frozenset({"T1", "T2", "T3"}),
    )


def test_index_equals_the_definition_on_a_generated_catalog():
    rows = _generated_rows(6000, seed=7)
    idx = CatalogIndex.build(rows)
    assert idx.t_name.postings.dense and idx.f_department.sparse  # both kinds of posting are exercised
    rng = random.Random(2)
    for q in ["", *_queries(rows, rng, 150)]:
        for filters in [{}, _filters(rows, rng)]:
            _assert_equal(rows, idx, q, filters)


def test_summary_is_the_list_entry_of_the_demo_catalog(client):
    from tests.catalog.seedview import by_code

    body = client.get("/api/v1/services", query_string={"page_size": 100}).get_json()
    for entry in body["items"]:
        seeded = by_code(entry["code"])
        assert entry["name"] == seeded["name"] and entry["basic_code"] == seeded["basic_code"]
        assert entry["audience"] == seeded["audience"] and entry["department"]["code"] == seeded["department"]


def test_after_a_change_the_previous_index_serves_until_the_new_one_is_built(app, ctx):
    """CATALOG_INDEX_BACKGROUND_REBUILD: no request waits for a build; the revision said to the
    response memo is the served index's until the new one takes over."""
    import time

    import sqlalchemy as sa

    from app.catalog import models as m
    from app.catalog import service
    from app.extensions import db

    service.warm_up()
    before = service._state.index
    app.config["CATALOG_INDEX_BACKGROUND_REBUILD"] = True
    try:
        db.session.execute(sa.update(m.CatalogState).values(revision=m.CatalogState.revision + 1))
        db.session.commit()
        newer = service._database_revision()
        assert newer == before.revision + 1
        assert service.revision() == before.revision  # still served from the previous index
        assert service.search_services(q="身份证").total > 0
        deadline = time.monotonic() + 60
        while service._state.index is before and time.monotonic() < deadline:
            time.sleep(0.05)
        assert service._state.index.revision == newer
        assert service.revision() == newer
        assert service._state.building is None
    finally:
        app.config["CATALOG_INDEX_BACKGROUND_REBUILD"] = False


def test_text_field_finds_the_same_values_by_pieces_as_by_scanning():
    from app.catalog.postings import TextField

    rng = random.Random(3)
    alphabet = "公安局人社保障青岚市县区abcgjz"
    values = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 9))) for _ in range(3000)]
    field = TextField(len(values), [(v,) for v in values])
    assert field.grams is not None
    terms = {v[i:j] for v in values[:300] for i in range(len(v)) for j in range(i + 1, min(len(v), i + 4) + 1)}
    for term in sorted(terms | {"不在", "zz", "x"}):
        expected = {k for k, v in enumerate(field.values) if term in v}
        assert set(field.matching(term)) == expected, term
        assert len(field.matching(term)) == len(expected)
