"""The citizen catalog API against the seeded demo catalog. Expected answers are computed from
the seed file directly, never from the index under test."""

from __future__ import annotations

import pytest

from tests.catalog.seedview import all_codes, by_code, codes, items, seed

# ---------------------------------------------------------------- the seed itself


def test_seed_is_big_and_varied_enough():
    s = seed()
    assert len(s["items"]) >= 60
    assert len({i["department"] for i in s["items"]}) >= 12
    levels_by_basic: dict[str, set] = {}
    for i in s["items"]:
        levels_by_basic.setdefault(i["basic_code"], set()).add(i["level"])
    assert sum(1 for levels in levels_by_basic.values() if len(levels) > 1) >= 3  # 三级四同


# ---------------------------------------------------------------- listing and filters


def test_unfiltered_list_is_every_item_most_popular_first(client):
    got = all_codes(client)
    assert set(got) == codes(lambda i: True)
    pops = [by_code(c)["popularity"] for c in got]
    assert pops == sorted(pops, reverse=True)


def test_department_filter(client):
    for dep in {i["department"] for i in items()}:
        assert set(all_codes(client, department=dep)) == codes(lambda i, d=dep: i["department"] == d)


@pytest.mark.parametrize("audience", ["individual", "legal_person"])
def test_audience_filter(client, audience):
    expected = codes(lambda i: audience in i["audience"])
    assert expected, "the seed should serve both audiences"
    assert set(all_codes(client, audience=audience)) == expected


def test_theme_filter(client):
    for theme in seed()["themes"]:
        code = theme["code"]
        assert set(all_codes(client, theme=code)) == codes(lambda i, c=code: c in i["themes"])


@pytest.mark.parametrize("level", ["province", "city", "county"])
def test_level_filter(client, level):
    assert set(all_codes(client, level=level)) == codes(lambda i: i["level"] == level)


@pytest.mark.parametrize("flag", [True, False])
def test_mobile_filter(client, flag):
    expected = codes(lambda i: i["channels"]["mobile"] is flag)
    assert expected
    assert set(all_codes(client, mobile=str(flag).lower())) == expected


def test_online_only_filter(client):
    expected = codes(lambda i: i["channels"]["fully_online"])
    assert 0 < len(expected) < len(items())
    assert set(all_codes(client, online_only="true")) == expected
    assert set(all_codes(client, online_only="false")) == codes(lambda i: True)


@pytest.mark.parametrize("visits", [0, 1, 2])
def test_visits_is_a_ceiling(client, visits):
    assert set(all_codes(client, visits=visits)) == codes(lambda i: i["visits"] <= visits)


def test_filters_combine(client):
    expected = codes(lambda i: i["channels"]["mobile"] and "individual" in i["audience"] and i["level"] == "county")
    got = set(all_codes(client, mobile="true", audience="individual", level="county"))
    assert got == expected


# ---------------------------------------------------------------- search


def _names_containing(text: str) -> set[str]:
    return codes(lambda i: text in i["name"])


@pytest.mark.parametrize("q", ["身份证", "公积金", "不动产", "结婚", "社会保障", "驾驶证", "残疾"])
def test_substring_search_finds_every_name_match_first(client, q):
    expected = _names_containing(q)
    assert expected, f"the seed should name some item with {q}"
    got = all_codes(client, q=q)
    assert set(got[: len(expected)]) == expected, "name matches must rank first"


def test_exact_name_ranks_first(client):
    target = max(items(), key=lambda i: len(i["name"]))
    got = all_codes(client, q=target["name"])
    assert got[0] == target["implementation_code"]


def _material_type_with_synonyms():
    for mt in seed()["material_types"]:
        if mt["name"] == "居民身份证":
            return mt
    pytest.fail("the seed should have 居民身份证 in its material catalog")


def test_material_synonym_finds_items_named_with_the_canonical_name(client):
    mt = _material_type_with_synonyms()
    synonym = next(s for s in mt["synonyms"] if s not in mt["name"] and mt["name"] not in s)
    named = {c for c in codes(lambda i: any(w in i["name"] for w in [mt["name"], *mt["synonyms"]]))}
    requiring = codes(lambda i: any(m["material_type"] == mt["code"] for m in i["materials"]))
    got = all_codes(client, q=synonym)
    assert named, "some item should be named after the ID card"
    assert named <= set(got[: len(named)]), "items named after the material rank above those merely requiring it"
    assert requiring <= set(got)


def test_synonym_search_works_for_every_synonym_in_the_catalog(client):
    for mt in seed()["material_types"]:
        requiring = codes(lambda i, c=mt["code"]: any(m["material_type"] == c for m in i["materials"]))
        for word in mt["synonyms"]:
            assert requiring <= set(all_codes(client, q=word)), (mt["name"], word)


@pytest.mark.parametrize(
    "q,chinese", [("shenfenzheng", "身份证"), ("sfz", "身份证"), ("gongjijin", "公积金"), ("gjj", "公积金")]
)
def test_pinyin_and_initials(client, q, chinese):
    expected = _names_containing(chinese)
    got = all_codes(client, q=q)
    assert expected <= set(got), expected - set(got)


def test_pinyin_is_case_and_space_insensitive(client):
    assert all_codes(client, q="ShenFen Zheng") == all_codes(client, q="shenfenzheng")


def test_full_width_and_spaces_are_normalised(client):
    assert all_codes(client, q=" 身份证 ") == all_codes(client, q="身份证")


def test_keywords_are_searchable(client):
    item = next(i for i in items() if i["keywords"])
    word = item["keywords"][0]
    assert item["implementation_code"] in all_codes(client, q=word)


def test_nonsense_finds_nothing(client):
    resp = client.get("/api/v1/services", query_string={"q": "量子纠缠望远镜"})
    assert resp.get_json() == {"items": [], "total": 0, "page": 1, "page_size": 20}


def test_search_with_filters(client):
    expected = _names_containing("身份证") & codes(lambda i: i["channels"]["mobile"])
    got = set(all_codes(client, q="身份证", mobile="true"))
    assert expected <= got
    assert all(by_code(c)["channels"]["mobile"] for c in got)


# ---------------------------------------------------------------- pagination


def test_pages_partition_the_result(client):
    seen = []
    total = None
    for page in range(1, 100):
        body = client.get("/api/v1/services", query_string={"page": page, "page_size": 7}).get_json()
        total = body["total"]
        assert body["page"] == page and body["page_size"] == 7
        if not body["items"]:
            break
        assert len(body["items"]) <= 7
        seen += [i["code"] for i in body["items"]]
    assert len(seen) == len(set(seen)) == total == len(items())


def test_page_past_the_end_is_empty(client):
    body = client.get("/api/v1/services?page=999&page_size=50").get_json()
    assert body["items"] == [] and body["total"] == len(items())


def test_default_page_size_is_20(client):
    body = client.get("/api/v1/services").get_json()
    assert body["page_size"] == 20 and len(body["items"]) == min(20, len(items()))


def test_list_item_shape(client):
    item = client.get("/api/v1/services?page_size=1").get_json()["items"][0]
    assert set(item) == {
        "code", "basic_code", "name", "department", "type", "audience", "level", "mobile",
        "fully_online", "visits", "instant", "promised_time_limit", "fee_from_fen", "fee_varies", "fee_text",
    }  # fmt: skip
    assert set(item["department"]) == {"code", "name"}


# ---------------------------------------------------------------- bad parameters


@pytest.mark.parametrize(
    "params,field",
    [
        ({"page": 0}, "page"),
        ({"page": "x"}, "page"),
        ({"page_size": 101}, "page_size"),
        ({"page_size": 0}, "page_size"),
        ({"mobile": "maybe"}, "mobile"),
        ({"online_only": "2"}, "online_only"),
        ({"visits": 9}, "visits"),
        ({"visits": -1}, "visits"),
        ({"level": "town"}, "level"),
        ({"audience": "alien"}, "audience"),
        ({"q": "长" * 51}, "q"),
        ({"q": ""}, "q"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_parameters_are_422_naming_the_field(client, params, field):
    resp = client.get("/api/v1/services", query_string=params)
    assert resp.status_code == 422
    body = resp.get_json()
    assert body["error"] == "VALIDATION_ERROR"
    assert field in body["errors"]


@pytest.mark.parametrize("param", ["department", "theme"])
def test_unknown_codes_in_filters_are_422(client, param):
    resp = client.get("/api/v1/services", query_string={param: "NO-SUCH"})
    assert resp.status_code == 422
    body = resp.get_json()
    assert body["error"] == "UNKNOWN_FILTER"
    assert param in body["errors"]


# ---------------------------------------------------------------- detail


def test_detail_has_the_full_guide(client):
    src = max(items(), key=lambda i: len(i["materials"]))
    resp = client.get(f"/api/v1/services/{src['implementation_code']}")
    assert resp.status_code == 200
    g = resp.get_json()
    for key in ("code", "name", "department", "type", "legal_basis", "conditions", "materials", "process",
                "time_limit", "fees", "result", "form_schema"):  # fmt: skip
        assert key in g, key
    assert g["code"] == src["implementation_code"]
    assert g["name"] == src["name"]
    assert g["department"]["code"] == src["department"]
    assert g["legal_basis"] == src["legal_basis"]
    assert g["time_limit"] == {
        "statutory_days": src["statutory_time_limit"],
        "promised_days": src["promised_time_limit"],
    }
    assert [m["name"] for m in g["materials"]] == [m["name"] for m in src["materials"]]
    assert g["form_schema"] == src["form_schema"]
    assert [f["amount_fen"] for f in g["fees"]["items"]] == [f["amount_fen"] for f in src["fees"].get("items", [])]
    assert [s["name"] for s in g["process"]] == [s["name"] for s in src["process"]]


def test_detail_links_materials_to_the_licence_that_meets_them(client):
    licence_of = {mt["code"]: mt["licence_type"] for mt in seed()["material_types"]}
    src = next(i for i in items() if any(licence_of[m["material_type"]] for m in i["materials"]))
    g = client.get(f"/api/v1/services/{src['implementation_code']}").get_json()
    for got, want in zip(g["materials"], src["materials"], strict=True):
        expected = licence_of[want["material_type"]]
        assert (got["licence_type"] or {}).get("code") == expected
        assert got["commitment_allowed"] == want["commitment_allowed"]


def test_unknown_code_is_404(client):
    resp = client.get("/api/v1/services/000000000000000000000000000000X")
    assert resp.status_code == 404
    assert resp.get_json()["error"] == "SERVICE_NOT_FOUND"


# ---------------------------------------------------------------- departments and themes


def test_departments_with_counts(client):
    body = client.get("/api/v1/departments").get_json()
    counts = {}
    for i in items():
        counts[i["department"]] = counts.get(i["department"], 0) + 1
    assert {d["code"]: d["service_count"] for d in body["items"]} == counts
    assert body["total"] == len(counts)


def test_themes_list_their_items(client):
    body = client.get("/api/v1/themes").get_json()
    assert body["total"] == len(seed()["themes"])
    for theme in body["items"]:
        assert {s["code"] for s in theme["services"]} == codes(lambda i, c=theme["code"]: c in i["themes"])


def test_warm_up_builds_the_index_before_the_first_search(ctx):
    from app.catalog import service

    service._state.index = None
    assert service.warm_up() >= 0
    built = service._state.index
    assert built is not None and built.revision == service.revision()
    service.warm_up()  # a second call reuses the index of the same revision
    assert service._state.index is built
