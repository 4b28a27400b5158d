"""Field errors of form data against an item's JSON Schema, in the flat map of the error
envelope ({dotted.path: [中文提示]}); used by validate_form and the bundles' combined form."""

from __future__ import annotations

from jsonschema import Draft202012Validator

_FORM_MESSAGES = {
    "required": "此项为必填项",
    "type": "格式不正确",
    "pattern": "格式不正确",
    "format": "格式不正确",
    "enum": "请从可选项中选择",
    "const": "取值不正确",
    "minLength": "内容过短",
    "maxLength": "内容过长",
    "minimum": "数值过小",
    "maximum": "数值过大",
    "exclusiveMinimum": "数值过小",
    "exclusiveMaximum": "数值过大",
    "minItems": "数量不足",
    "maxItems": "数量过多",
    "additionalProperties": "包含未定义的栏目",
}


def form_errors(schema: dict, data: dict) -> dict[str, list[str]]:
    """Field errors of `data` against a JSON Schema: {dotted.path: [中文提示]}."""
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors: dict[str, list[str]] = {}
    for err in validator.iter_errors(data):
        path = [str(p) for p in err.absolute_path]
        if err.validator == "required":
            # the missing property is named in the message: "'x' is a required property"
            missing = err.message.split("'")[1] if "'" in err.message else ""
            path.append(missing)
        elif err.validator == "additionalProperties":
            extras = sorted(set(err.instance) - set(err.schema.get("properties", {})))
            path.append(extras[0] if extras else "")
        title = _title_at(schema, path)
        text = _FORM_MESSAGES.get(err.validator, "填写有误")
        errors.setdefault(".".join(path) or "_form", []).append(f"{title}：{text}" if title else text)
    return errors


def _title_at(schema: dict, path: list[str]) -> str:
    node = schema
    for part in path:
        props = node.get("properties") if isinstance(node, dict) else None
        if not props or part not in props:
            return ""
        node = props[part]
    return node.get("title", "") if isinstance(node, dict) else ""
