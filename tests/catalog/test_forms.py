"""Application forms: the core validates form data against the item's JSON Schema."""

from __future__ import annotations

import pytest

from app.catalog import service
from app.catalog.errors import FormInvalid, ServiceNotFound
from tests.catalog.seedview import items

SCHEMA = {
    "type": "object",
    "properties": {
        "applicant_name": {"type": "string", "title": "申请人姓名", "minLength": 2},
        "phone": {"type": "string", "title": "联系电话", "pattern": r"^1[3-9]\d{9}$"},
        "reason": {"type": "string", "title": "申请原因", "enum": ["遗失", "损坏"]},
        "amount": {"type": "integer", "title": "提取金额", "minimum": 1},
        "address": {
            "type": "object",
            "title": "地址",
            "properties": {"county": {"type": "string", "title": "区县"}},
            "required": ["county"],
        },
    },
    "required": ["applicant_name", "phone"],
    "additionalProperties": False,
}


def test_valid_form_has_no_errors():
    data = {
        "applicant_name": "张三",
        "phone": "13800138000",
        "reason": "遗失",
        "amount": 5,
        "address": {"county": "云栖县"},
    }
    assert service.form_errors(SCHEMA, data) == {}


def test_each_problem_is_reported_on_its_field_in_chinese():
    errors = service.form_errors(
        SCHEMA,
        {"applicant_name": "张", "reason": "被盗", "amount": 0, "address": {}, "extra": 1},
    )
    assert errors["phone"] == ["联系电话：此项为必填项"]
    assert errors["applicant_name"] == ["申请人姓名：内容过短"]
    assert errors["reason"] == ["申请原因：请从可选项中选择"]
    assert errors["amount"] == ["提取金额：数值过小"]
    assert errors["address.county"] == ["区县：此项为必填项"]
    assert errors["extra"] == ["包含未定义的栏目"]


def test_wrong_types_and_patterns():
    errors = service.form_errors(SCHEMA, {"applicant_name": 12, "phone": "12345"})
    assert errors == {"applicant_name": ["申请人姓名：格式不正确"], "phone": ["联系电话：格式不正确"]}


def test_validate_form_against_a_seeded_item(ctx):
    item = next(i for i in items() if i["form_schema"].get("required"))
    with pytest.raises(FormInvalid) as exc:
        service.validate_form(item["implementation_code"], {})
    assert set(exc.value.errors) == set(item["form_schema"]["required"])
    assert exc.value.error == "FORM_INVALID"


def test_validate_form_for_an_unknown_item(ctx):
    with pytest.raises(ServiceNotFound):
        service.validate_form("NOPE", {})
