"""The one gate every request passes before its view: a body limit that fits the endpoint, JSON
nested no deeper than REQUEST_MAX_JSON_DEPTH, and no lone UTF-16 surrogate in any text we read
(JSON keys and values, query arguments, form fields).

- Body limit: REQUEST_MAX_BODY_BYTES (64 KB) unless the view declares its own with `body_limit`
  (uploads; a JSON body keeps the 64 KB whatever the view says). A larger Content-Length is refused before anything is read; a chunked body is cut
  off by werkzeug at the same limit. Both leave as the 413 envelope.
- Depth: counted over the raw bytes (brackets outside strings) before any parser sees them, so
  Python's recursive JSON decoder is never asked to go deep (a RecursionError was a 500).
- Surrogates: `"\\ud800"` is valid JSON but not text: it cannot be encoded, stored as UTF-8 or
  sent back (the draft holding one answered 500 to every read). Refused with 422, saved nowhere.

Headers need no check: WSGI hands them over as latin-1, which cannot hold a surrogate; werkzeug
leaves an encoded surrogate in a query string or urlencoded form undecoded ("%ED%A0%80"). The
pairs are checked all the same, so a change of decoder cannot open that door.

The responses side: `SafeJSONProvider` replaces a lone surrogate by U+FFFD when one is met in
data written before this gate existed, so such a record can still be read, fixed or discarded.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from itertools import accumulate

from flask import Flask, current_app, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge, UnprocessableEntity

DEFAULT_BODY_BYTES = 64 * 1024
DEFAULT_JSON_DEPTH = 32

_SURROGATE = re.compile("[\ud800-\udfff]")
# A JSON string: brackets inside it do not nest anything.
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_OPENING = frozenset(b"[{")

BAD_TEXT = "包含无法识别的字符，请删除后重新输入"


def body_limit(limit: int | Callable[[], int]):
    """Declare the body limit of one view (bytes, or a callable read at request time, e.g. from
    the config). Without it a view takes REQUEST_MAX_BODY_BYTES."""

    def mark(view):
        view._body_limit = limit
        return view

    return mark


def init_app(app: Flask) -> None:
    """Install the request gate and the response-side JSON provider on `app`."""
    previous = app.json
    app.json = SafeJSONProvider(app)
    app.json.ensure_ascii = previous.ensure_ascii
    app.json.sort_keys = previous.sort_keys
    app.before_request(guard_request)


class SafeJSONProvider(DefaultJSONProvider):
    def dumps(self, obj, **kwargs) -> str:
        text = super().dumps(obj, **kwargs)
        if _SURROGATE.search(text):  # only data stored before the gate: never in a new write
            text = _SURROGATE.sub("\ufffd", text)
        return text


def _limit_for_view() -> int:
    default = int(current_app.config.get("REQUEST_MAX_BODY_BYTES", DEFAULT_BODY_BYTES))
    if request.is_json:  # a larger limit is for files: JSON never needs it (and is scanned below)
        return default
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    if view is None:
        return default
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        view = getattr(view_class, request.method.lower(), None) or view
    limit = getattr(view, "_body_limit", None)
    if limit is None:
        return default
    return int(limit() if callable(limit) else limit)


def guard_request() -> None:
    limit = _limit_for_view()
    request.max_content_length = limit
    if request.content_length is not None and request.content_length > limit:
        raise RequestEntityTooLarge()
    _check_pairs("query", request.args)
    if request.is_json:
        data = request.get_data(cache=True)
        if data.strip():
            _check_json(data)
    elif request.mimetype == "application/x-www-form-urlencoded":
        request.get_data(cache=True)  # the raw body stays readable after the form is parsed
        _check_pairs("form", request.form)
    elif request.mimetype == "multipart/form-data":
        _check_pairs("form", request.form)


def _check_pairs(location: str, pairs) -> None:
    for key, value in pairs.items(multi=True):
        if _SURROGATE.search(key) or _SURROGATE.search(value):
            _refuse_text(location, key)


def json_depth(data: bytes) -> int:
    """How deep the arrays and objects of the JSON text `data` nest (an estimate from above for
    invalid JSON, which the parser refuses anyway)."""
    brackets = _JSON_STRING.sub(b"", data).translate(None, _NOT_BRACKETS)
    if not brackets:
        return 0
    return max(accumulate(1 if b in _OPENING else -1 for b in brackets))


def _check_json(data: bytes) -> None:
    max_depth = int(current_app.config.get("REQUEST_MAX_JSON_DEPTH", DEFAULT_JSON_DEPTH))
    if json_depth(data) > max_depth:
        raise _bad_request({"json": [f"内容嵌套层级超过{max_depth}层"]})
    try:
        # as flask's get_json reads bytes: an encoded surrogate (ED A0 80) also becomes one here
        value = json.loads(data)
    except ValueError:
        return  # the view's parser answers invalid JSON as it always has
    path = _surrogate_path(value)
    if path is not None:
        _refuse_text("json", path)


def _surrogate_path(value) -> str | None:
    """The dotted path of the first string (key or value) holding a lone surrogate, or None."""
    stack = [("", value)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, str):
            if _SURROGATE.search(node):
                return path or "_body"
        elif isinstance(node, dict):
            for key, item in node.items():
                if _SURROGATE.search(key):
                    return f"{path}._key" if path else "_key"
                stack.append((f"{path}.{key}" if path else key, item))
        elif isinstance(node, list):
            stack.extend((f"{path}.{i}" if path else str(i), item) for i, item in enumerate(node))
    return None


def _bad_request(errors: dict) -> BadRequest:
    error = BadRequest()
    error.data = {"message": "请求格式有误", "errors": errors}
    return error


def _refuse_text(location: str, field: str) -> None:
    error = UnprocessableEntity()
    # a field name that is itself the bad text is not echoed back
    field = "_key" if _SURROGATE.search(field) else field
    error.data = {"message": BAD_TEXT, "errors": {location: {field: [BAD_TEXT]}}}
    raise error
