"""app.web.field_errors: every marshmallow/webargs default message has a Chinese text, and every
shape errors come in is flattened to the one documented shape."""

from __future__ import annotations

import inspect
import re

import marshmallow as ma
import pytest
from marshmallow import validate

from app.web import field_errors
from app.web.field_errors import GENERIC, normalise, translate

CJK = re.compile(r"[\u3400-\u9fff]")


def _default_field_messages() -> set[str]:
    messages = set(ma.Schema._default_error_messages.values())
    for _, cls in inspect.getmembers(ma.fields, inspect.isclass):
        if issubclass(cls, ma.fields.Field):
            for klass in cls.__mro__:
                messages.update(getattr(klass, "default_error_messages", {}).values())
    return messages


def _rendered(template: str) -> str:
    return template.format(
        obj_type="datetime", awareness="aware", input="x", choices="a, b", min=1, max=5, equal=3, other="x"
    )


@pytest.mark.parametrize("template", sorted(_default_field_messages()))
def test_every_marshmallow_field_message_is_chinese(template):
    text = translate(_rendered(template))
    assert CJK.search(text) and text != GENERIC, (template, text)


def _validator_messages() -> list[str]:
    out = []
    for validator, value in (
        (validate.Length(min=2), "a"),
        (validate.Length(max=2), "abc"),
        (validate.Length(min=2, max=3), "a"),
        (validate.Length(equal=3), "a"),
        (validate.Range(min=1), 0),
        (validate.Range(max=1), 2),
        (validate.Range(min=1, max=5), 9),
        (validate.Range(min=1, max=5, min_inclusive=False, max_inclusive=False), 9),
        (validate.Range(min=1, min_inclusive=False), 0),
        (validate.Range(max=1, max_inclusive=False), 2),
        (validate.OneOf(["a", "b"]), "c"),
        (validate.ContainsOnly(["a"]), ["b"]),
        (validate.ContainsNoneOf(["a"]), ["a"]),
        (validate.Email(), "x"),
        (validate.URL(), "x"),
        (validate.Regexp(r"^\d+$"), "x"),
        (validate.Equal(1), 2),
        (validate.NoneOf([1]), 1),
    ):
        with pytest.raises(ma.ValidationError) as info:
            validator(value)
        out += info.value.messages if isinstance(info.value.messages, list) else [info.value.messages]
    return out


def test_every_validator_message_is_chinese():
    for message in _validator_messages():
        text = translate(message)
        assert CJK.search(text) and text != GENERIC, (message, text)


def test_untranslated_english_never_passes_through():
    assert translate("Something new from a library.") == GENERIC
    assert translate("请输入11位手机号码") == "请输入11位手机号码"


def test_normalise_flattens_every_shape():
    webargs = {"json": {"mobile": ["Missing data for required field."], "address": {"county": ["Not a valid string."]}}}
    assert normalise(webargs) == ({"mobile": ["此项为必填项"], "address.county": ["应为文本"]}, {})
    listed = {"json": {"items": {0: {"name": ["Unknown field."]}, "_schema": ["Invalid input type."]}}}
    assert normalise(listed)[0] == {"items.0.name": ["不支持的字段"], "items": ["请求内容格式有误"]}
    assert normalise({"json": ["Invalid JSON body."]})[0] == {"_schema": ["请求内容不是有效的JSON"]}
    assert normalise({"query": {"page": ["Not a valid integer."]}})[0] == {"page": ["应为整数"]}
    form = {"form": {"name": ["姓名：此项为必填项"], "_form": ["填写有误"]}, "materials": {"0": ["身份证：尚未提供"]}}
    assert normalise(form)[0] == {
        "form.name": ["姓名：此项为必填项"],
        "form": ["填写有误"],
        "materials.0": ["身份证：尚未提供"],
    }
    facts = {
        "remaining_attempts": 2,
        "status": {"current": "draft"},
        "auth": {"required_level": 4, "fresh": True},
        "locked_until": "2026-01-01T00:00:00Z",
        "to": ["结束日期不能早于开始日期"],
    }
    errors, details = normalise(facts)
    assert errors == {"to": ["结束日期不能早于开始日期"]}
    assert details == {k: v for k, v in facts.items() if k != "to"}


def test_locations_are_dropped_only_above_field_names():
    assert field_errors.LOCATIONS >= {"json", "query", "files", "headers"}
    assert "form" not in field_errors.LOCATIONS  # a body field of that name exists (the application form)


def test_an_english_message_from_a_library_becomes_the_chinese_default(app):
    from flask_smorest import abort

    from app import create_app

    other = create_app("testing")

    @other.get("/english")
    def english():
        abort(409, message="Resource was modified elsewhere")

    body = other.test_client().get("/english").get_json()
    assert body["error"] == "CONFLICT" and body["message"] == "操作与当前状态冲突，请刷新后重试"
