"""Alipay open-platform simulator: `POST|GET /gateway.do`, the official SDK's wire format.

Every request is checked the way the real gateway does: `app_id` known, `method` supported,
`sign_type` RSA2, `charset` utf-8, `timestamp` "yyyy-MM-dd HH:mm:ss" **Beijing time** within 15
minutes, and the RSA2 signature — SHA256withRSA with the app's public key over all parameters
except `sign` (`sign_type` included), empty values dropped, sorted by key, joined as `k=v&…`
unencoded. Common parameters may come in the query string and business ones in the form body, as
the SDK sends them. Failures answer `code` 40001/40002 with `sub_code` isv.missing-signature,
isv.invalid-signature, isv.invalid-app-id, isv.invalid-method, isv.invalid-timestamp, ...

Every answer is `{"<method with _>_response": {...}, "sign": "..."}`, signed with the simulated
Alipay private key over the exact text of the `_response` object (see AlipayState.signed_body);
errors of alipay.system.oauth.token come as `error_response`, like the real gateway's.

Methods:
- `alipay.system.oauth.token` (`grant_type=authorization_code`, `code`): `<user>:<anything>` →
  `user_id` (2088…), `open_id` (per app), `access_token`, ... and, like the real answer, no `code`
  field on success. Codes are single-use; `err:<x>`, a reused or malformed code → error_response
  40002 isv.code-invalid; `errbusy:<x>` → 20000 isp.unknow-error.
- `alipay.user.certify.open.initialize` (biz_content: `outer_order_no` 1–32 letters/digits unique
  per app, `biz_code` FACE|CERT_PHOTO|CERT_PHOTO_FACE|SMART_FACE, `identity_param{identity_type
  CERT_INFO, cert_type IDENTITY_CARD, cert_name, cert_no}`, `merchant_config{return_url}`) →
  `certify_id`. Bad fields → 40004 INVALID_PARAMETER; reused outer_order_no → 40004
  OUTER_ORDER_NO_REPEATED.
- `alipay.user.certify.open.certify` (biz_content `certify_id`): the page the SDK's
  `page_execute` URL (GET) or form (POST) opens — here an HTML "phone" page with pass / fail.
- `alipay.user.certify.open.query` (biz_content `certify_id`) → code 10000 and `passed` "T" or
  "F" (with `fail_reason`). **Not finished yet: passed "F" with no fail_reason.** Unknown
  certify_id → 40004 CERTIFY_ID_NOT_EXIST.

Controls under `/sandbox`:
- `POST /sandbox/certify/<certify_id>` `{"outcome": "pass"|"fail"}` (JSON or form); `GET` shows it.
- `GET  /sandbox/certify-done` — a landing page usable as merchant_config.return_url.
- `GET  /sandbox/auth-code?user=alice` → `{"code": "alice:<random>"}` (a fresh my.getAuthCode code).
- `POST /sandbox/tamper-next` `{"mode": "body"|"signature"|"unsigned"|"replay", "times"?: 1}` —
  the next response(s) carry a body changed after signing (default), a signature over other
  text, no signature, or the previous response replayed verbatim.
- `POST /sandbox/fail-next` `{"http_status"?, "body"?, "errcode"?, "method"?, "times"?}` — an HTTP
  error or raw body instead of the next answer, or (`errcode` "20000") a signed system error.
- `GET  /sandbox/calls?limit=50` — recent calls (method, app_id, code/sub_code; data masked).
"""

from __future__ import annotations

import html
import json
import re
import secrets
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Flask, Response, g, jsonify, redirect, request

from sandbox import users
from sandbox.alipay_state import CERTIFY_TTL, TAMPER_MODES, AlipayState, Certification
from sandbox.common import bad_control, control_payload, failure_rule_from_json, install_call_log, take_failure

BEIJING = ZoneInfo("Asia/Shanghai")
TIMESTAMP_WINDOW = timedelta(minutes=15)
OAUTH = "alipay.system.oauth.token"
INITIALIZE = "alipay.user.certify.open.initialize"
CERTIFY = "alipay.user.certify.open.certify"
QUERY = "alipay.user.certify.open.query"
METHODS = (OAUTH, INITIALIZE, CERTIFY, QUERY)
# Methods that other simulator modules add (payments, mini-program messages):
# name -> handler(state, app_id, biz, params) -> the response payload, or raise AlipayError.
EXTRA_METHODS: dict[str, Callable[[AlipayState, str, dict, dict], dict]] = {}
OUTER_ORDER_NO = re.compile(r"^[0-9A-Za-z]{1,32}$")
CERT_NO = re.compile(r"^\d{17}[\dXx]$")
BIZ_CODES = ("FACE", "CERT_PHOTO", "CERT_PHOTO_FACE", "SMART_FACE")
ERROR_MSG = {
    "10000": "Success",
    "20000": "Service Currently Unavailable",
    "40001": "Missing Required Arguments",
    "40002": "Invalid Arguments",
    "40004": "Business Failed",
}


class AlipayError(Exception):
    """An error answer: code, sub_code, sub_msg."""

    def __init__(self, code: str, sub_code: str, sub_msg: str):
        super().__init__(sub_code)
        self.code, self.sub_code, self.sub_msg = code, sub_code, sub_msg


def register_method(name: str):
    """Decorator: add a gateway method to the simulator (see EXTRA_METHODS)."""

    def decorate(handler):
        EXTRA_METHODS[name] = handler
        return handler

    return decorate


def response_key(method: str) -> str:
    known = method in METHODS or method in EXTRA_METHODS
    return method.replace(".", "_") + "_response" if known else "error_response"


def sign_content(params: dict[str, str]) -> str:
    return "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "sign" and v not in ("", None))


def create_alipay_sandbox(state: AlipayState) -> Flask:
    app = Flask("sandbox.alipay")
    app.json.ensure_ascii = False

    def summarise(response: Response) -> dict:
        entry = {"api": g.get("api_method"), "app_id": g.get("app_id")}
        try:
            outer = json.loads(response.get_data(as_text=True))
            inner = next(v for k, v in outer.items() if k.endswith("_response"))
            entry.update(code=inner.get("code"), sub_code=inner.get("sub_code"))
        except (ValueError, StopIteration, AttributeError):
            pass
        return entry

    install_call_log(app, state.calls, summarise)

    def answer(method: str, payload: dict) -> Response:
        body = state.signed_body(response_key(method), payload)
        return Response(body, content_type="application/json;charset=utf-8")

    def failure(method: str, exc: AlipayError) -> Response:
        payload = {"code": exc.code, "msg": ERROR_MSG.get(exc.code, "Error"), "sub_code": exc.sub_code}
        payload["sub_msg"] = exc.sub_msg
        # The oauth endpoint reports its errors as error_response, other methods under their own key.
        return answer("" if method == OAUTH else method, payload)

    @app.route("/gateway.do", methods=["GET", "POST"])
    def gateway():
        params = request.args.to_dict()
        params.update(request.form.to_dict())
        method = params.get("method", "")
        g.api_method, g.app_id = method, params.get("app_id")
        rule = take_failure(state.failures, state.lock, request.path, method)
        if rule is not None:
            if rule.errcode is not None:
                return failure(method, AlipayError(rule.errcode, "isp.unknow-error", "系统繁忙（sandbox fail-next）"))
            return Response(rule.body or "", status=rule.http_status, content_type="text/html;charset=utf-8")
        try:
            check_common(params)
            biz = parse_biz_content(params)
            if method == OAUTH:
                return answer(method, oauth_token(params))
            if method == INITIALIZE:
                return answer(method, initialize(params["app_id"], biz))
            if method == CERTIFY:
                return certify_page(params["app_id"], biz)
            if method in EXTRA_METHODS:
                return answer(method, EXTRA_METHODS[method](state, params["app_id"], biz, params))
            return answer(method, query(params["app_id"], biz))
        except AlipayError as exc:
            return failure(method, exc)

    def check_common(params: dict[str, str]) -> None:
        app_id, method = params.get("app_id"), params.get("method")
        if not app_id:
            raise AlipayError("40001", "isv.missing-app-id", "缺少AppID参数")
        if app_id not in state.apps:
            raise AlipayError("40002", "isv.invalid-app-id", "无效的AppID参数")
        if not method:
            raise AlipayError("40001", "isv.missing-method", "缺少方法名参数")
        if method not in METHODS and method not in EXTRA_METHODS:
            known = ", ".join((*METHODS, *EXTRA_METHODS))
            raise AlipayError("40002", "isv.invalid-method", f"不存在的方法名（sandbox 只实现了 {known}）")
        if not params.get("sign"):
            raise AlipayError("40001", "isv.missing-signature", "缺少签名参数")
        if params.get("sign_type") != "RSA2":
            raise AlipayError("40002", "isv.invalid-signature-type", "无效的签名类型（sandbox 只支持 RSA2）")
        if (params.get("charset") or "utf-8").lower() != "utf-8":
            raise AlipayError("40002", "isv.invalid-charset", "字符集错误")
        if params.get("format", "json").lower() != "json":
            raise AlipayError("40002", "isv.invalid-format", "无效的数据格式")
        if params.get("version") != "1.0":
            raise AlipayError("40002", "isv.invalid-version", "无效的版本号")
        raw = params.get("timestamp", "")
        try:
            stamp = datetime.strptime(raw, "%Y-%m-%d %H:%M:%S").replace(tzinfo=BEIJING)
        except ValueError:
            raise AlipayError("40002", "isv.invalid-timestamp", "非法的时间戳参数") from None
        if abs(datetime.now(BEIJING) - stamp) > TIMESTAMP_WINDOW:
            raise AlipayError(
                "40002", "isv.invalid-timestamp", "时间戳与北京时间相差超过15分钟（timestamp must be Beijing time）"
            )
        if not state.verify_request(app_id, sign_content(params), params["sign"]):
            raise AlipayError(
                "40002", "isv.invalid-signature", "验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配"
            )

    def parse_biz_content(params: dict[str, str]) -> dict:
        raw = params.get("biz_content")
        if raw is None:
            return {}
        try:
            biz = json.loads(raw)
        except ValueError:
            raise AlipayError("40002", "isv.invalid-biz-content", "biz_content 不是合法的JSON") from None
        if not isinstance(biz, dict):
            raise AlipayError("40002", "isv.invalid-biz-content", "biz_content 不是JSON对象")
        return biz

    def oauth_token(params: dict[str, str]) -> dict:
        if params.get("grant_type") != "authorization_code":
            raise AlipayError("40002", "isv.grant-type-invalid", "grant_type 无效")
        code = params.get("code", "")
        if code.startswith("errbusy:"):
            raise AlipayError("20000", "isp.unknow-error", "系统繁忙")
        user = None if code.startswith("err:") else users.user_of(code)
        if user is None:
            raise AlipayError("40002", "isv.code-invalid", "授权码code无效")
        with state.lock:
            if (params["app_id"], code) in state.used_codes:
                raise AlipayError("40002", "isv.code-invalid", "授权码code已使用")
            state.used_codes.add((params["app_id"], code))
        return {
            "user_id": users.alipay_user_id(user),
            "open_id": users.alipay_open_id(params["app_id"], user),
            "access_token": "sbx_" + secrets.token_hex(20),
            "expires_in": 1296000,
            "refresh_token": "sbx_" + secrets.token_hex(20),
            "re_expires_in": 2592000,
            "auth_start": datetime.now(BEIJING).strftime("%Y-%m-%d %H:%M:%S"),
        }

    def json_field(biz: dict, name: str) -> dict:
        value = biz.get(name)
        if isinstance(value, str):  # the API documents these as JSON text; the SDK models send objects
            try:
                value = json.loads(value)
            except ValueError:
                value = None
        if not isinstance(value, dict):
            raise AlipayError("40004", "INVALID_PARAMETER", f"{name} 缺失或不是JSON对象")
        return value

    def initialize(app_id: str, biz: dict) -> dict:
        outer_order_no = biz.get("outer_order_no")
        if not isinstance(outer_order_no, str) or not OUTER_ORDER_NO.match(outer_order_no):
            raise AlipayError("40004", "INVALID_PARAMETER", "outer_order_no 须为1-32位字母数字")
        if biz.get("biz_code") not in BIZ_CODES:
            raise AlipayError("40004", "INVALID_PARAMETER", "biz_code 无效")
        identity = json_field(biz, "identity_param")
        if identity.get("identity_type") != "CERT_INFO" or identity.get("cert_type") != "IDENTITY_CARD":
            raise AlipayError("40004", "INVALID_PARAMETER", "identity_param 须为 CERT_INFO / IDENTITY_CARD")
        name, number = identity.get("cert_name"), identity.get("cert_no")
        if not isinstance(name, str) or not name.strip():
            raise AlipayError("40004", "INVALID_PARAMETER", "identity_param.cert_name 缺失")
        if not isinstance(number, str) or not CERT_NO.match(number):
            raise AlipayError("40004", "INVALID_PARAMETER", "identity_param.cert_no 格式错误")
        return_url = json_field(biz, "merchant_config").get("return_url")
        if not isinstance(return_url, str) or not return_url:
            raise AlipayError("40004", "INVALID_PARAMETER", "merchant_config.return_url 缺失")
        with state.lock:
            if (app_id, outer_order_no) in state.outer_order_nos:
                raise AlipayError("40004", "OUTER_ORDER_NO_REPEATED", "outer_order_no 重复")
            state.outer_order_nos.add((app_id, outer_order_no))
            certification = Certification(
                certify_id=secrets.token_hex(16),
                app_id=app_id,
                outer_order_no=outer_order_no,
                biz_code=biz["biz_code"],
                cert_name=name,
                cert_no=number,
                return_url=return_url,
                created=time.time(),
            )
            state.certifications[certification.certify_id] = certification
        return {"code": "10000", "msg": "Success", "certify_id": certification.certify_id}

    def certification_of(app_id: str, biz: dict) -> Certification:
        with state.lock:
            certification = state.certifications.get(str(biz.get("certify_id", "")))
        if certification is None or certification.app_id != app_id:
            raise AlipayError("40004", "CERTIFY_ID_NOT_EXIST", "certify_id 不存在")
        return certification

    def query(app_id: str, biz: dict) -> dict:
        c = certification_of(app_id, biz)
        payload = {"code": "10000", "msg": "Success"}
        if c.passed is None and time.time() > c.created + CERTIFY_TTL:
            payload.update(passed="F", fail_reason="EXPIRED")
        elif c.passed is None:
            payload.update(passed="F")  # not finished: no verdict, hence no fail_reason
        else:
            payload.update(passed=c.passed, identity_info="{}", material_info="{}")
            if c.fail_reason:
                payload["fail_reason"] = c.fail_reason
        return payload

    def certify_page(app_id: str, biz: dict) -> Response:
        c = certification_of(app_id, biz)
        buttons = "".join(
            f'<form method="post" action="/sandbox/certify/{c.certify_id}" style="display:inline">'
            f'<input type="hidden" name="outcome" value="{o}"><button>{label}</button></form> '
            for o, label in (("pass", "刷脸通过 pass"), ("fail", "刷脸失败 fail"))
        )
        page = (
            "<!doctype html><meta charset=utf-8><title>支付宝实人认证（sandbox）</title>"
            f"<h1>实人认证 sandbox</h1><p>{html.escape(c.public()['cert_name'])} — certify_id "
            f"<code>{c.certify_id}</code></p>{buttons}"
        )
        return Response(page, content_type="text/html;charset=utf-8")

    register_controls(app, state)
    from sandbox.alipay_messages import register_message_controls  # also registers its method

    register_message_controls(app, state)
    return app


def register_controls(app: Flask, state: AlipayState) -> None:
    @app.route("/sandbox/certify/<certify_id>", methods=["GET", "POST"])
    def certify_control(certify_id: str):
        with state.lock:
            c = state.certifications.get(certify_id)
            if c is None:
                return bad_control("unknown certify_id", 404)
            if request.method == "GET":
                return jsonify(c.public())
            try:
                outcome = control_payload().get("outcome")
            except ValueError:
                outcome = None
            if outcome not in ("pass", "fail"):
                return bad_control('outcome must be "pass" or "fail"')
            c.passed, c.fail_reason = ("T", None) if outcome == "pass" else ("F", "FACE_MISMATCH")
            result = c.public()
        if request.form and c.return_url.startswith(("http://", "https://")):
            return redirect(c.return_url, code=303)
        return jsonify(result)

    @app.get("/sandbox/certify-done")
    def certify_done():
        page = (
            "<!doctype html><meta charset=utf-8><title>认证完成</title><p>实人认证已完成（sandbox），请返回小程序。</p>"
        )
        return Response(page, content_type="text/html;charset=utf-8")

    @app.get("/sandbox/auth-code")
    def auth_code():
        try:
            return jsonify({"code": users.new_code(request.args.get("user", "alice"))})
        except ValueError as exc:
            return bad_control(str(exc))

    @app.post("/sandbox/tamper-next")
    def tamper_next():
        try:
            payload = control_payload()
            mode = payload.get("mode", "body")
            times = max(1, int(payload.get("times", 1)))
        except ValueError:
            return bad_control("bad JSON")
        if mode not in TAMPER_MODES:
            return bad_control(f"mode must be one of {TAMPER_MODES}")
        with state.lock:
            state.tampering.extend([mode] * times)
        return jsonify({"mode": mode, "times": times})

    @app.post("/sandbox/fail-next")
    def fail_next():
        try:
            rule = failure_rule_from_json(control_payload())
        except ValueError as exc:
            return bad_control(str(exc))
        with state.lock:
            state.failures.append(rule)
        return jsonify({"method": rule.method, "times": rule.times})

    @app.get("/sandbox/calls")
    def calls():
        limit = min(int(request.args.get("limit", 50)), 500)
        return jsonify({"items": state.calls.recent(limit)})
