"""The one `errors` shape of the error envelope, and Chinese field messages.

Every error response carries `errors` as a flat object: a field path → a list of Chinese messages.

    {"mobile": ["请输入11位手机号码"], "form.address.county": ["区县：此项为必填项"],
     "materials.0": ["身份证：尚未提供"], "_schema": ["请求内容格式有误"]}

- Paths are dotted: nested objects and list indexes joined by `.` (`items.2.name`).
- The request location (`json`, `query`, `files`, `headers`) is dropped: body, query and upload
  field names never collide within one operation.
- `_schema` holds errors about the body as a whole; an error about a nested object as a whole is
  filed under that object's path.
- Facts that are not field messages (remaining attempts, seconds to wait, the current status, the
  assurance level needed ...) travel in the envelope's `details` object, under the same key a
  domain error gave them.

`normalise()` turns what webargs/marshmallow and domain errors produce into this shape, and
`translate()` gives every marshmallow/webargs default message in Chinese: no English message
reaches a citizen (an unknown English message becomes a generic Chinese one).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

log = logging.getLogger(__name__)

SCHEMA_KEY = "_schema"
# request locations webargs (and a few domain errors) put above the field names
LOCATIONS = frozenset({"json", "query", "querystring", "files", "headers", "view_args", "path", "cookies"})
_WHOLE = frozenset({"_schema", "_form"})

GENERIC = "填写有误，请检查"

# marshmallow / webargs default messages, in Chinese
_EXACT = {
    "Missing data for required field.": "此项为必填项",
    "Field may not be null.": "此项不能为空",
    "Invalid value.": "取值无效",
    "Invalid input.": "输入无效",
    "Invalid type.": "类型有误",
    "Invalid input type.": "请求内容格式有误",
    "Unknown field.": "不支持的字段",
    "Invalid JSON body.": "请求内容不是有效的JSON",
    "Not a valid list.": "应为列表",
    "Not a valid tuple.": "应为列表",
    "Not a valid string.": "应为文本",
    "Not a valid utf-8 string.": "应为UTF-8文本",
    "Not a valid UUID.": "不是有效的UUID",
    "Not a valid number.": "应为数字",
    "Number too large.": "数值过大",
    "Not a valid integer.": "应为整数",
    "Special numeric values (nan or infinity) are not permitted.": "不允许特殊数值",
    "Not a valid boolean.": "应为 true 或 false",
    "Not a valid datetime.": "不是有效的日期时间",
    "Not a valid naive datetime.": "不是有效的日期时间（不含时区）",
    "Not a valid aware datetime.": "不是有效的日期时间（需含时区）",
    "Not a valid date.": "不是有效的日期",
    "Not a valid time.": "不是有效的时间",
    "Not a valid period of time.": "不是有效的时长",
    "Not a valid mapping type.": "应为对象",
    "Not a valid URL.": "不是有效的网址",
    "Not a valid email address.": "不是有效的电子邮箱",
    "Not a valid IP address.": "不是有效的IP地址",
    "Not a valid IPv4 address.": "不是有效的IPv4地址",
    "Not a valid IPv6 address.": "不是有效的IPv6地址",
    "String does not match expected pattern.": "格式不正确",
    "Field may not be blank.": "此项不能为空",
}
_PATTERNS: list[tuple[re.Pattern, str]] = [
    (re.compile(r"^Shorter than minimum length (?P<min>\d+)\.$"), "长度不能少于{min}"),
    (re.compile(r"^Longer than maximum length (?P<max>\d+)\.$"), "长度不能超过{max}"),
    (re.compile(r"^Length must be between (?P<min>\d+) and (?P<max>\d+)\.$"), "长度应在{min}到{max}之间"),
    (re.compile(r"^Length must be (?P<equal>\d+)\.$"), "长度应为{equal}"),
    (
        re.compile(r"^Must be greater than or equal to (?P<min>\S+) and less than or equal to (?P<max>\S+)\.$"),
        "应在{min}到{max}之间",
    ),
    (re.compile(r"^Must be greater than (?P<min>\S+) and less than (?P<max>\S+)\.$"), "应大于{min}且小于{max}"),
    (
        re.compile(r"^Must be greater than or equal to (?P<min>\S+) and less than (?P<max>\S+)\.$"),
        "应不小于{min}且小于{max}",
    ),
    (
        re.compile(r"^Must be greater than (?P<min>\S+) and less than or equal to (?P<max>\S+)\.$"),
        "应大于{min}且不大于{max}",
    ),
    (re.compile(r"^Must be greater than or equal to (?P<min>\S+)\.$"), "不能小于{min}"),
    (re.compile(r"^Must be greater than (?P<min>\S+)\.$"), "应大于{min}"),
    (re.compile(r"^Must be less than or equal to (?P<max>\S+)\.$"), "不能大于{max}"),
    (re.compile(r"^Must be less than (?P<max>\S+)\.$"), "应小于{max}"),
    (re.compile(r"^Must be one of: (?P<choices>.*)\.$"), "应为以下之一：{choices}"),
    (re.compile(r"^One or more of the choices you made was not in: (?P<choices>.*)\.$"), "只能从以下选择：{choices}"),
    (re.compile(r"^One or more of the choices you made was in: (?P<values>.*)\.$"), "不能选择：{values}"),
    (re.compile(r"^Must be equal to (?P<other>.*)\.$"), "应为 {other}"),
    (re.compile(r"^.* cannot be formatted as an? (?P<obj>\w+)\.$"), "格式不正确"),
    (re.compile(r"^Not a valid (?P<obj>[\w ]+)\.$"), "格式不正确"),
]
_CJK = re.compile(r"[\u3400-\u9fff]")


def is_chinese(text) -> bool:
    return bool(_CJK.search(str(text)))


def translate(message) -> str:
    """The Chinese text of one field message (messages already in Chinese pass unchanged)."""
    text = str(message)
    if _CJK.search(text):
        return text
    exact = _EXACT.get(text)
    if exact is not None:
        return exact
    for pattern, template in _PATTERNS:
        match = pattern.match(text)
        if match:
            return template.format(**match.groupdict())
    # quoted parts may echo the input (personal data): never logged
    log.warning("untranslated field message %r", re.sub(r"(['\"]).*?\1", "…", text)[:80])
    return GENERIC


def _is_messages(value) -> bool:
    """A message tree, marshmallow's shape: a list of strings, or an object whose values all are.
    A bare string or number is a fact (`{"status": {"current": "draft"}}`), not a message."""
    if isinstance(value, list | tuple):
        return all(isinstance(item, str) for item in value)
    if isinstance(value, Mapping):
        return bool(value) and all(_is_messages(v) for v in value.values())
    return False


def _flatten(prefix: str, value, out: dict[str, list[str]]) -> None:
    if isinstance(value, Mapping):
        for key, sub in value.items():
            key = str(key)
            if key in _WHOLE:
                path = prefix or SCHEMA_KEY
            else:
                path = f"{prefix}.{key}" if prefix else key
            _flatten(path, sub, out)
        return
    messages = [value] if isinstance(value, str) else list(value)
    out.setdefault(prefix or SCHEMA_KEY, []).extend(translate(m) for m in messages)


def normalise(raw, *, strip_locations: bool = True) -> tuple[dict[str, list[str]], dict]:
    """(errors, details) from whatever an error carried: webargs messages keyed by location,
    marshmallow messages, or a domain error's `errors` (field messages mixed with facts)."""
    errors: dict[str, list[str]] = {}
    details: dict = {}
    if not raw:
        return errors, details
    if not isinstance(raw, Mapping):
        _flatten("", raw if _is_messages(raw) else [GENERIC], errors)
        return errors, details
    for key, value in raw.items():
        key = str(key)
        if strip_locations and key in LOCATIONS and _is_messages(value):
            _flatten("", value, errors)
        elif _is_messages(value):
            _flatten("" if key in _WHOLE else key, value, errors)
        else:
            # a fact, not a message: remaining_attempts, retry_after, {"current": status} ...
            details[key] = value
    return errors, details
