"""The declarative language of 一件事 bundles (app/catalog/bundle_rules.py, bundle_forms.py):
conditions, answers, the checks on import, the combined form and the merged checklist. Pure."""

from __future__ import annotations

import copy

import pytest

from app.catalog import bundle_forms, bundle_rules
from tests.catalog.bundleview import COMPANY, NEWBORN, RETIREMENT, bundle_doc
from tests.catalog.seedview import by_code

QUESTIONS = [
    {"code": "seal", "text": "是否需要刻章", "kind": "yes_no"},
    {"code": "kind", "text": "类型", "kind": "choice", "options": ["甲", "乙", "丙"]},
]


def _items(doc: dict) -> dict:
    return {m["service_code"]: by_code(m["service_code"]) for m in doc["members"]}


# ---------------------------------------------------------------- conditions


@pytest.mark.parametrize(
    ("cond", "answers", "expected"),
    [
        (None, {}, True),
        ({"question": "seal", "equals": True}, {"seal": True}, True),
        ({"question": "seal", "equals": True}, {"seal": False}, False),
        ({"question": "seal", "equals": True}, {"seal": 1}, False),  # 1 is not true
        ({"question": "kind", "in": ["甲", "丙"]}, {"kind": "丙"}, True),
        ({"question": "kind", "in": ["甲", "丙"]}, {"kind": "乙"}, False),
        (
            {"all": [{"question": "seal", "equals": True}, {"question": "kind", "equals": "甲"}]},
            {"seal": True, "kind": "乙"},
            False,
        ),
        (
            {"any": [{"question": "seal", "equals": True}, {"question": "kind", "equals": "甲"}]},
            {"seal": False, "kind": "甲"},
            True,
        ),
        ({"not": {"question": "seal", "equals": True}}, {"seal": False}, True),
    ],
)
def test_condition_holds(cond, answers, expected):
    assert bundle_rules.condition_errors(cond, QUESTIONS) == [] if cond else True
    assert bundle_rules.holds(cond, answers) is expected


@pytest.mark.parametrize(
    ("cond", "reason"),
    [
        ({"question": "nope", "equals": True}, "unknown question 'nope'"),
        ({"question": "seal", "equals": "是"}, "is not an answer of question 'seal'"),
        ({"question": "kind", "in": ["丁"]}, "'丁' is not an answer of question 'kind'"),
        ({"question": "kind", "in": []}, "must list at least one answer"),
        ({"question": "seal"}, "must be"),
        ({"all": []}, "must list at least one condition"),
        ({"not": {"not": {"not": {"not": {"not": {"question": "seal", "equals": True}}}}}}, "nested deeper"),
        ("seal", "must be an object"),
    ],
)
def test_condition_errors(cond, reason):
    errors = bundle_rules.condition_errors(cond, QUESTIONS)
    assert any(reason in e for e in errors), errors


def test_describe_in_words():
    cond = {"all": [{"question": "seal", "equals": True}, {"question": "kind", "in": ["甲", "乙"]}]}
    assert bundle_rules.describe(cond, QUESTIONS) == "「是否需要刻章」为“是”且「类型」为“甲”、“乙”之一"


# ---------------------------------------------------------------- answers


def test_answers_every_question_valid_and_nothing_else():
    assert bundle_rules.answers_errors(QUESTIONS, {"seal": True, "kind": "乙"}) == {}
    errors = bundle_rules.answers_errors(QUESTIONS, {"kind": "丁", "extra": 1})
    assert set(errors) == {"answers.seal", "answers.kind", "answers.extra"}
    assert errors["answers.seal"] == ["是否需要刻章：请选择"]
    assert errors["answers.kind"] == ["类型：请从可选项中选择"]
    assert bundle_rules.answers_errors(QUESTIONS, {"seal": "true", "kind": "甲"}) == {
        "answers.seal": ["是否需要刻章：请回答是或否"]
    }
    assert bundle_rules.answers_errors(QUESTIONS, ["seal"]) == {"answers": ["请回答情形引导中的问题"]}


# ---------------------------------------------------------------- validating a bundle


@pytest.mark.parametrize("code", [NEWBORN, COMPANY, RETIREMENT])
def test_demo_bundles_are_valid(code):
    doc = bundle_doc(code)
    assert bundle_rules.validate_bundle(doc, _items(doc)) == []


def _broken(edit) -> list[str]:
    doc = copy.deepcopy(bundle_doc(NEWBORN))
    edit(doc)
    return bundle_rules.validate_bundle(doc, _items(bundle_doc(NEWBORN)))


def _member(doc, code):
    return next(m for m in doc["members"] if m["service_code"] == code)


HUKOU = "1153992101967557720000107050001"
CERT = "1153992102885039XA0001211010001"
INSURANCE = "11539921MBU178321A0000411010001"


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (
            lambda d: _member(d, HUKOU).update(when={"question": "first_child", "equals": True}),
            "unknown question 'first_child'",
        ),
        (lambda d: _member(d, HUKOU)["field_map"].update(colour="newborn_name"), "unknown member field 'colour'"),
        (lambda d: _member(d, HUKOU)["field_map"].update(newborn_name="baby"), "unknown shared field 'baby'"),
        (
            lambda d: _member(d, HUKOU)["field_map"].update(newborn_gender="birth_date"),
            "field_map.newborn_gender: shared field 'birth_date' allows answers",
        ),
        (lambda d: _member(d, CERT).update(depends_on=[INSURANCE]), "dependency cycle"),
        (lambda d: _member(d, CERT).update(depends_on=[CERT]), "names the member itself"),
        (
            lambda d: _member(d, CERT).update(depends_on=["1153990002395958020000305070001"]),
            "is not a member of the bundle",
        ),
        (lambda d: _member(d, HUKOU).update(service_code="1153990002395958020000399999999"), "unknown item"),
        (lambda d: d["members"].append(copy.deepcopy(d["members"][0])), "already a member"),
        (lambda d: d.update(audience="legal_person"), "does not serve 'legal_person'"),
        (lambda d: d["shared_form"]["properties"].update(unused={"type": "string"}), "'unused' fills no member field"),
        (
            lambda d: d["questions"].append({"code": "first_child", "text": "是否为第一胎", "kind": "yes_no"}),
            "'first_child' decides no member",
        ),
        (
            lambda d: d["questions"].append({"code": "x", "text": "x", "kind": "choice", "options": ["a"]}),
            "2 to 20 options",
        ),
        (lambda d: d["questions"].append(dict(d["questions"][0])), "duplicate question code"),
        (
            lambda d: _member(d, HUKOU).update(
                when={
                    "all": [
                        {"question": "parents_local", "equals": True},
                        {"question": "parents_local", "equals": False},
                    ]
                }
            ),
            "when can never hold",
        ),
        # 医保 depends on 出生登记 but would apply when the parents are not registered here
        (lambda d: _member(d, INSURANCE).update(when=None), f"applies without {HUKOU} it depends on"),
    ],
)
def test_bad_bundles_are_refused_with_reason(edit, reason):
    errors = _broken(edit)
    assert any(reason in e for e in errors), errors


def test_situation_limit():
    doc = copy.deepcopy(bundle_doc(NEWBORN))
    doc["questions"] = [
        {"code": f"q{i}", "text": f"问题{i}", "kind": "choice", "options": [f"o{j}" for j in range(5)]}
        for i in range(6)
    ]
    for m in doc["members"]:
        m["when"] = None
    doc["members"][0]["when"] = {"any": [{"question": f"q{i}", "equals": "o1"} for i in range(6)]}
    errors = bundle_rules.validate_bundle(doc, _items(doc))
    assert any("combinations of answers" in e for e in errors), errors


# ---------------------------------------------------------------- the one form and the one checklist


def _views(code: str, answers: dict) -> tuple[dict, list[dict]]:
    doc = bundle_doc(code)
    views = []
    for m in doc["members"]:
        if not bundle_rules.holds(m.get("when"), answers):
            continue
        item = by_code(m["service_code"])
        views.append(
            {
                "service_code": m["service_code"],
                "name": item["name"],
                "field_map": m["field_map"],
                "form_schema": item["form_schema"],
                "materials": [
                    {**mat, "position": i, "material_type": {"code": mat["material_type"]}}
                    for i, mat in enumerate(item["materials"])
                ],
            }
        )
    return doc, views


def test_combined_form_asks_shared_fields_once_and_own_fields_per_member():
    answers = {"parents_local": True, "need_sscard": False, "birth_registered": True, "mother_insured": False}
    doc, views = _views(NEWBORN, answers)
    assert [v["name"] for v in views] == [
        "出生医学证明首次签发",
        "预防接种证办理",
        "出生登记",
        "城乡居民基本医疗保险参保登记",
    ]
    form = bundle_forms.combined_form(doc, views)
    props = form["properties"]
    # shared: asked once; mother_insured is no so nothing maps onto the maternity allowance
    assert {"newborn_name", "birth_date", "contact_phone", "guardian_name", "delivery_method"} <= set(props)
    assert "mailing_address" in props and "mailing_address" not in form["required"]
    # 出生登记 requires applicant_name (→ guardian_name): required in the combined form
    assert "guardian_name" in form["required"]
    own = props["members"]["properties"]
    assert set(own) == {CERT, "1153992102885039XA0001211060001", HUKOU, INSURANCE}
    assert set(own[HUKOU]["properties"]) == {"settle_with", "relationship"}
    assert set(own[CERT]["properties"]) == {"birth_institution"}
    assert "newborn_name" not in own[HUKOU]["properties"]


def test_split_form_gives_each_member_its_own_field_names():
    answers = {"parents_local": True, "need_sscard": True, "birth_registered": True, "mother_insured": False}
    doc, views = _views(NEWBORN, answers)
    data = {
        "newborn_name": "李小禾",
        "contact_phone": "13800138000",
        "members": {HUKOU: {"settle_with": "随父"}},
    }
    shares = bundle_forms.split_form(doc, views, data)
    assert shares[INSURANCE] == {"applicant_name": "李小禾", "contact_phone": "13800138000"}
    assert shares[HUKOU] == {"newborn_name": "李小禾", "contact_phone": "13800138000", "settle_with": "随父"}


def test_materials_merged_by_standard_type():
    doc, views = _views(COMPANY, {"need_seal": True, "has_employees": True, "housing_fund": True})
    checklist = bundle_forms.merged_materials(views)
    by_key = {e["key"]: e for e in checklist}
    licence = by_key["M-YYZZ"]
    assert len(licence["members"]) == 4  # seal, tax, social insurance, housing fund
    assert len(licence["sources"]) == 4
    # 授权委托书: optional everywhere → optional once
    assert by_key["M-WTS"]["required"] is False
    # the bank account: a commitment allowed by the only member asking for it
    assert by_key["M-YHZH"]["commitment_allowed"] is True
    # the required ones come first
    assert [e["required"] for e in checklist] == sorted((e["required"] for e in checklist), reverse=True)
    asked = sum(len(v["materials"]) for v in views)
    assert bundle_forms.materials_saved(views, checklist) == asked - len(checklist) > 0


def test_commitment_only_when_every_member_allows_it_and_nth_of_a_type_kept_apart():
    a = {
        "service_code": "A",
        "materials": [
            {
                "position": 0,
                "material_type": {"code": "M-SFZ"},
                "name": "申请人身份证",
                "required": True,
                "commitment_allowed": True,
                "form": "copy",
                "copies": 1,
            },
            {
                "position": 1,
                "material_type": {"code": "M-SFZ"},
                "name": "配偶身份证",
                "required": False,
                "commitment_allowed": True,
                "form": "copy",
                "copies": 1,
            },
        ],
    }
    b = {
        "service_code": "B",
        "materials": [
            {
                "position": 0,
                "material_type": {"code": "M-SFZ"},
                "name": "身份证",
                "required": False,
                "commitment_allowed": False,
                "form": "original",
                "copies": 2,
            },
        ],
    }
    merged = {e["key"]: e for e in bundle_forms.merged_materials([a, b])}
    assert set(merged) == {"M-SFZ", "M-SFZ#2"}
    first = merged["M-SFZ"]
    assert (first["required"], first["commitment_allowed"], first["form"], first["copies"]) == (
        True,
        False,
        "original",
        2,
    )
    assert first["members"] == ["A", "B"] and first["names"] == ["申请人身份证", "身份证"]
    assert merged["M-SFZ#2"]["members"] == ["A"] and merged["M-SFZ#2"]["commitment_allowed"] is True
