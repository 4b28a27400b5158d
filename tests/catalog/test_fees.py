"""Fee standards are alternatives picked by the item's rule: what the guide and the list show for
every demo item with a fee, what each form is charged, and rules checked on import."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.catalog import fees
from tests.catalog.seedview import items

DATA = Path(__file__).parent / "data"
GOOD = DATA / "good.json"

# Every demo item with a fee: (least charge, varies, [(form, charged fen), ...]).
ID_RENEWAL = (
    2000,
    True,
    [
        ({}, 2000),
        ({"apply_reason": "有效期满"}, 2000),
        ({"apply_reason": "登记项目变更"}, 2000),
        ({"apply_reason": "证件严重损坏"}, 4000),
    ],
)
RESALE = (
    8000,
    True,
    [
        ({"house_use": "住宅"}, 8000),
        ({"house_use": "非住宅"}, 55000),
        ({"house_use": "住宅", "extra_certificates": 2}, 10000),
        ({"house_use": "非住宅", "extra_certificates": 1}, 56000),
        ({"house_use": "住宅", "extra_certificates": 0}, 8000),
    ],
)
FIXED_1000 = (1000, False, [({}, 1000), ({"delivery_method": "邮寄送达"}, 1000)])
PASSPORT = (12000, False, [({}, 12000), ({"apply_type": "补发"}, 12000)])
EXPECTED = {
    "1153992101967557720000107010001": (2000, False, [({}, 2000), ({"apply_reason": "未满十六周岁自愿申领"}, 2000)]),
    "1153992101967557720000107020001": ID_RENEWAL,
    "11539900048599438P0000107020001": ID_RENEWAL,
    "1153992101967557720000107030001": (4000, False, [({}, 4000), ({"lost_reason": "被盗"}, 4000)]),
    "1153992101967557720000107040001": (1000, False, [({}, 1000)]),
    "1153992101967557720000101100001": PASSPORT,
    "11539900048599438P0000101100001": PASSPORT,
    "11539921MBF26248940000707020001": RESALE,
    "11539900MBN146036P0000707020001": RESALE,
    "11539921MBF26248940000707040001": (
        8000,
        True,
        [({}, 8000), ({"house_use": "住宅"}, 8000), ({"house_use": "非住宅"}, 55000)],
    ),
    "11539921MBF26248940000707050001": (
        8000,
        True,
        [({}, 8000), ({"extra_certificates": 1}, 9000), ({"extra_certificates": 3}, 11000)],
    ),
    "11539900MBN146036P0000707060001": (55000, False, [({"land_use": "工业用地"}, 55000)]),
    "1153990006472744480000801010001": FIXED_1000,
    "1153990006472744480000801020001": FIXED_1000,
    "1153990006472744480000801040001": FIXED_1000,
    # 号牌 + 行驶证 + 登记证书: three lines charged together
    "1153990006472744480000801050001": (12000, False, [({}, 12000), ({"plate_selection": "现场选号"}, 12000)]),
    # 因病或非因工致残劳动能力鉴定 (a member of the retirement bundle)
    "1153990002395958020000312100001": (30000, False, [({}, 30000)]),
}


def _fee_items() -> list[dict]:
    return [i for i in items() if not i["fees"]["free"]]


def test_every_demo_fee_item_has_expectations():
    assert {i["implementation_code"] for i in _fee_items()} == set(EXPECTED)


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_guide_shows_the_standards_as_alternatives(client, code):
    least, varying, cases = EXPECTED[code]
    src = next(i for i in items() if i["implementation_code"] == code)
    guide = client.get(f"/api/v1/services/{code}").get_json()
    shown = guide["fees"]
    assert "total_fen" not in shown
    assert (shown["free"], shown["from_fen"], shown["varies"]) == (False, least, varying)
    assert shown["text"] == f"{fees.yuan(least)} 元" + ("起" if varying else "")
    assert [(f["name"], f["amount_fen"]) for f in shown["items"]] == [
        (f["name"], f["amount_fen"]) for f in src["fees"]["items"]
    ]
    for line, original in zip(shown["items"], src["fees"]["items"], strict=True):
        assert line["when"] == original.get("when") and line["default"] == bool(original.get("default"))
        assert line["per"] == original.get("per") and line["applies"]
    if varying:
        assert least < max(amount for _, amount in cases)
    # the guide's own fees element charges what the rule says for each form
    for form, charged in cases:
        assert fees.charged_fen(shown, form) == charged, form


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_list_shows_the_least_charge(client, code):
    least, varying, _ = EXPECTED[code]
    src = next(i for i in items() if i["implementation_code"] == code)
    body = client.get("/api/v1/services", query_string={"department": src["department"], "page_size": 100}).get_json()
    [row] = [i for i in body["items"] if i["code"] == code]
    assert (row["fee_from_fen"], row["fee_varies"]) == (least, varying)
    assert row["fee_text"] == f"{fees.yuan(least)} 元" + ("起" if varying else "")


def test_id_renewal_guide_words_each_condition(client):
    shown = client.get("/api/v1/services/1153992101967557720000107020001").get_json()["fees"]
    assert shown["text"] == "20 元起"
    assert [line["applies"] for line in shown["items"]] == ["其他情形（默认）", "换领原因为“证件严重损坏”"]


def test_free_items_are_free_in_guide_and_list(client):
    src = next(i for i in items() if i["fees"]["free"])
    shown = client.get(f"/api/v1/services/{src['implementation_code']}").get_json()["fees"]
    assert shown == {"free": True, "from_fen": 0, "varies": False, "text": "免费", "items": []}
    body = client.get("/api/v1/services", query_string={"department": src["department"], "page_size": 100}).get_json()
    [row] = [i for i in body["items"] if i["code"] == src["implementation_code"]]
    assert (row["fee_from_fen"], row["fee_varies"], row["fee_text"]) == (0, False, "免费")


def test_a_boolean_never_matches_a_number():
    rule = {"free": False, "items": [{"name": "a", "amount_fen": 100, "default": True}]}
    rule["items"].append({"name": "b", "amount_fen": 300, "when": {"field": "n", "equals": 1}})
    assert fees.charged_fen(rule, {"n": True}) == 100
    assert fees.charged_fen(rule, {"n": 1}) == 300


# ---------------------------------------------------------------- import


def _with_fees(base: dict, code: str, name: str, fee_items: list[dict]) -> dict:
    return dict(base, implementation_code=code, name=name, fees={"free": False, "items": fee_items})


def _line_of(path: Path, name: str) -> int:
    text = path.read_text(encoding="utf-8")
    at = text.index(f'"name": "{name}"')
    return text.count("\n", 0, text.rindex("{", 0, at)) + 1


BAD_RULES = {
    "坏费：未知字段": (
        [{"name": "x", "amount_fen": 100, "default": True}, {"name": "y", "amount_fen": 200, "when": {"field": "nope", "equals": "遗失"}}],
        "'nope' is not a field of the form",
    ),
    "坏费：不在选项中": (
        [{"name": "x", "amount_fen": 100, "default": True}, {"name": "y", "amount_fen": 200, "when": {"field": "reason", "equals": "被盗"}}],
        "is not one of the field's options",
    ),
    "坏费：缺默认": (
        [{"name": "x", "amount_fen": 100}, {"name": "y", "amount_fen": 200, "when": {"field": "reason", "in": ["损坏"]}}],
        "need exactly one default",
    ),
    "坏费：两个默认": (
        [
            {"name": "x", "amount_fen": 100, "default": True},
            {"name": "z", "amount_fen": 150, "default": True},
            {"name": "y", "amount_fen": 200, "when": {"field": "reason", "equals": "损坏"}},
        ],
        "need exactly one default",
    ),
    "坏费：按件字段非整数": (
        [{"name": "x", "amount_fen": 100, "per": "reason"}],
        "must name an integer field",
    ),
    "坏费：条件格式": (
        [{"name": "x", "amount_fen": 100, "default": True}, {"name": "y", "amount_fen": 200, "when": {"field": "reason", "is": "损坏"}}],
        "when must be",
    ),
}  # fmt: skip


def test_bad_fee_rules_are_reported_with_their_line(app, tmp_path, fresh_catalog):
    runner = app.test_cli_runner()
    src = json.loads(GOOD.read_text(encoding="utf-8"))
    assert runner.invoke(args=["catalog", "import", str(GOOD)]).exit_code == 0
    base = src["items"][0]
    rows = [
        _with_fees(base, f"1153992100000000TX00000000001{n:02d}", name, lines)
        for n, (name, (lines, _)) in enumerate(BAD_RULES.items())
    ]
    path = tmp_path / "bad_fees.json"
    path.write_text(json.dumps({"items": rows}, ensure_ascii=False, indent=2), encoding="utf-8")
    result = runner.invoke(args=["catalog", "import", str(path)])
    assert result.exit_code != 0
    for name, (_, reason) in BAD_RULES.items():
        matching = [r for r in result.output.splitlines() if f":line {_line_of(path, name)}:" in r]
        assert matching and "fees" in matching[0] and reason in matching[0], (name, result.output)
    assert f"{len(BAD_RULES)} bad row(s); nothing was imported" in result.output


def test_a_fee_rule_is_imported_exported_and_charged(app, tmp_path, fresh_catalog, client):
    runner = app.test_cli_runner()
    src = json.loads(GOOD.read_text(encoding="utf-8"))
    assert runner.invoke(args=["catalog", "import", str(GOOD)]).exit_code == 0
    lines = [
        {"name": "遗失补办费", "amount_fen": 1500, "basis": "测试", "default": True},
        {"name": "损坏换发费", "amount_fen": 3000, "basis": "测试", "when": {"field": "reason", "in": ["损坏"]}},
        {"name": "副本费", "amount_fen": 500, "basis": "测试", "per": "copies"},
    ]
    item = _with_fees(src["items"][0], "1153992100000000TX0000000000090", "测试收费事项", lines)
    path = tmp_path / "fees.json"
    path.write_text(json.dumps({"items": [item]}, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(args=["catalog", "import", str(path)])
    assert result.exit_code == 0, result.output
    guide = client.get(f"/api/v1/services/{item['implementation_code']}").get_json()["fees"]
    assert (guide["from_fen"], guide["varies"], guide["text"]) == (1500, True, "15 元起")
    assert guide["items"][1]["when"] == {"field": "reason", "in": ["损坏"]}
    assert [line["applies"] for line in guide["items"]] == ["其他情形（默认）", "申请原因为“损坏”", "按“份数”逐件计收"]
    assert fees.charged_fen(guide, {"reason": "损坏", "copies": 2}) == 4000
    assert fees.charged_fen(guide, {"reason": "遗失"}) == 1500
    # exported as written (only the keys a line uses), in JSON and in CSV
    out = tmp_path / "out.json"
    assert runner.invoke(args=["catalog", "export", "-o", str(out)]).exit_code == 0
    exported = next(
        i
        for i in json.loads(out.read_text("utf-8"))["items"]
        if i["implementation_code"] == item["implementation_code"]
    )
    assert exported["fees"] == {"free": False, "items": lines}
    csv_out = tmp_path / "out.csv"
    assert runner.invoke(args=["catalog", "export", "-o", str(csv_out)]).exit_code == 0
    again = runner.invoke(args=["catalog", "import", str(csv_out)])
    assert again.exit_code == 0, again.output
    guide_again = client.get(f"/api/v1/services/{item['implementation_code']}").get_json()["fees"]
    assert guide_again["items"] == guide["items"]
