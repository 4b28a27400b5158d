"""WeChat API simulator: the endpoints 掌上办 calls, over real HTTP, in the real wire format.

Provider endpoints (JSON answers; errors are HTTP 200 with `errcode`/`errmsg`, as on the real API):

- `GET /cgi-bin/token?grant_type=client_credential&appid&secret` → `access_token`, `expires_in` 7200.
  Unknown appid 40013, wrong secret 40125. A new token leaves the previous one valid for 300 s.
  API calls with an unknown token answer 40001, with an expired one 42001.
- `GET /sns/jscode2session?appid&secret&js_code&grant_type=authorization_code` (mini-program apps)
  → `openid`, `session_key`, `unionid` (when the user has one); a success carries no `errcode`.
- `GET /sns/oauth2/access_token?appid&secret&code&grant_type=authorization_code` (Open Platform
  app login) → `access_token`, `expires_in`, `refresh_token`, `openid`, `scope`, `unionid`.
  Login codes (both endpoints): `<user>:<anything>` (see sandbox.users), single-use per appid
  (second use 40163), any other shape 40029; `err<errcode>:<anything>` answers that errcode
  (`err45011:x` rate limited, `err40226:x` risky user, `err-1:x` busy, …) and is not consumed.
- `POST /cityservice/face/identify/getverifyid?access_token=` `{out_seq_no, cert_info{cert_type,
  cert_name, cert_no}, openid}` → `{errcode:0, verify_id, expires_in:3600}`. out_seq_no must be
  5–32 of [0-9A-Za-z_-] and unused for the appid (40097 otherwise); cert_type IDENTITY_CARD.
- `POST /cityservice/face/identify/queryverifyinfo?access_token=` `{verify_id, out_seq_no,
  cert_hash, openid}` → `{errcode:0, verify_ret}`; 10000 passed, 10004 face mismatch, 90002
  cancelled, 90017 timed out (a session nobody finished within expires_in). Until the phone has
  reported, the answer is **errcode 84003** ("verify not finished"). Unknown verify_id 84001;
  out_seq_no / openid / cert_hash not matching the getverifyid call 40097.
  **cert_hash** = lowercase hex SHA-256 of the UTF-8 text
  `cert_type=<cert_type>&cert_name=<cert_name>&cert_no=<cert_no>` (values as sent to getverifyid).
  WeChat does not publish its formula; this is the sandbox's and the gateway's shared choice.
- `POST /cityservice/face/identify/getinfo?access_token=` `{verify_result}` (older flow) →
  `{errcode:0, identify_ret (0 = passed), id_card_number_md5, name_utf8_md5, openid, ...}`;
  unknown verify_result 84001, older than 2 h 84002.
- `POST /cgi-bin/message/subscribe/send?access_token=` `{touser, template_id, page, data,
  miniprogram_state, lang}` → errcode 0 and the message is recorded; 40003 bad openid, 40037 no
  template_id, 47003 a data value over its type's limit (errmsg names the field), 47001 bad JSON.

Controls (the "phone" and the test hooks), under `/sandbox`:

- `GET  /sandbox/` — an HTML page listing face sessions with pass / fail / cancel buttons.
- `GET  /sandbox/login-code?user=alice` → `{"code": "alice:<random>"}` (a fresh wx.login code).
- `POST /sandbox/face/<verify_id>` `{"outcome": "pass"|"fail"|"cancel"|"timeout"}` or
  `{"verify_ret": 90008}` — the citizen finishes on the phone. `GET` shows the session.
- `POST /sandbox/face/legacy` `{"openid" | "user", "name", "id_number", "outcome": "pass"|"fail"}`
  (or `"identify_ret"`) → `{"verify_result"}` for the older getinfo flow.
- `GET  /sandbox/tokens` → `{"fetches": {appid: n}, "live": n}`;
  `POST /sandbox/tokens/expire` `{"appid"?, "errcode": 42001|40001}` — every token issued so far
  answers that errcode from now on.
- `POST /sandbox/subscribe/errors` `{"errcode": 43101, "touser"?, "times"?: 1}` — the next
  matching subscribe send answers that errcode (43101, 40003, 40037, 47003, 41030, -1, ...).
  `GET /sandbox/messages` lists the messages delivered; `GET /sandbox/subscribe/received` every
  attempt with its outcome ("delivered", "errcode <n>", "aborted"); `POST /sandbox/subscribe/hold`
  `{"seconds", "times"?}` holds the next send(s) that long and drops them if the sender has gone
  (see sandbox.messages). A 5xx: `/sandbox/fail-next` with `path` `/cgi-bin/message/subscribe/send`.
- `POST /sandbox/fail-next` `{"http_status"?, "body"?, "errcode"?, "path"?, "times"?}` — the next
  provider call(s) under `path` get an HTTP error, a raw body or an errcode instead.
- `GET  /sandbox/calls?limit=50&path=/sns` — recent provider calls, personal data masked.
"""

from __future__ import annotations

import json
import re
import secrets
import time

from flask import Flask, Response, jsonify, request

from sandbox import users
from sandbox.common import install_call_log, take_failure
from sandbox.messages import hold, take_hold
from sandbox.wechat_state import (
    ERRMSG,
    LEGACY_TTL,
    MINIPROGRAM,
    OPEN,
    OUTCOME_VERIFY_RET,
    FaceSession,
    WeChatState,
    cert_hash,
)

OUT_SEQ_NO = re.compile(r"^[0-9A-Za-z_-]{5,32}$")
OPENID = re.compile(r"^o[A-Za-z0-9_-]{27}$")
CERT_NO = re.compile(r"^\d{17}[\dXx]$")
# Subscribe-message value limits per data key type (the key is the type plus a number: thing1).
VALUE_LIMITS = {
    "thing": 20,
    "number": 32,
    "letter": 32,
    "symbol": 5,
    "character_string": 32,
    "phone_number": 17,
    "car_number": 8,
    "name": 10,
    "phrase": 5,
    "amount": 11,
}


def error(errcode: int, detail: str = "") -> Response:
    message = ERRMSG.get(errcode, "error")
    if detail:
        message = f"{message}: {detail}"
    return jsonify({"errcode": errcode, "errmsg": f"{message} rid: {secrets.token_hex(4)}"})


def ok(**payload) -> Response:
    return jsonify({"errcode": 0, "errmsg": "ok", **payload})


def create_wechat_sandbox(state: WeChatState) -> Flask:
    app = Flask("sandbox.wechat")
    app.json.ensure_ascii = False
    app.json.sort_keys = False

    def summarise(response: Response) -> dict:
        body = response.get_json(silent=True) if response.is_json else None
        return {"errcode": body.get("errcode", 0) if isinstance(body, dict) else None}

    install_call_log(app, state.calls, summarise)

    @app.before_request
    def scripted_failure():
        if request.path.startswith("/sandbox"):
            return None
        rule = take_failure(state.failures, state.lock, request.path)
        if rule is None:
            return None
        if rule.errcode is not None:
            return error(int(rule.errcode), "scripted by /sandbox/fail-next")
        return Response(rule.body or "", status=rule.http_status, content_type="text/html; charset=utf-8")

    def body() -> dict | None:
        # wechatpy posts JSON bytes without a Content-Type, as many clients do: parse the raw body.
        try:
            data = json.loads(request.get_data() or b"{}")
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    def authorised() -> tuple[str | None, Response | None]:
        appid, errcode = state.check_token(request.args.get("access_token"))
        return (appid, None) if appid else (None, error(errcode))

    # ------------------------------------------------------------------ tokens and login

    @app.get("/cgi-bin/token")
    def token():
        args = request.args
        if args.get("grant_type") != "client_credential":
            return error(40002)
        appid = args.get("appid", "")
        if state.app_kind(appid) is None:
            return error(40013)
        if not state.secret_ok(appid, args.get("secret")):
            return error(40125)
        access_token, expires_in = state.issue_token(appid)
        return jsonify({"access_token": access_token, "expires_in": expires_in})

    def login(kind: str, code_param: str) -> tuple[str, str] | Response:
        args = request.args
        if args.get("grant_type") != "authorization_code":
            return error(40002)
        appid = args.get("appid", "")
        if state.app_kind(appid) != kind:
            return error(40013)
        if not state.secret_ok(appid, args.get("secret")):
            return error(40125)
        code = args.get(code_param, "")
        scripted = users.WECHAT_ERROR_CODE.match(code)
        if scripted:
            return error(int(scripted.group("errcode")), "scripted by the login code")
        user = users.user_of(code)
        if user is None:
            return error(40029)
        if not state.use_code(appid, code):
            return error(40163)
        return appid, user

    @app.get("/sns/jscode2session")
    def jscode2session():
        result = login(MINIPROGRAM, "js_code")
        if isinstance(result, Response):
            return result
        appid, user = result
        payload = {"session_key": secrets.token_urlsafe(18), "openid": users.wechat_openid(appid, user)}
        unionid = users.wechat_unionid(user)
        if unionid:
            payload["unionid"] = unionid
        return jsonify(payload)  # no errcode on success, like the real endpoint

    @app.get("/sns/oauth2/access_token")
    def oauth2_access_token():
        result = login(OPEN, "code")
        if isinstance(result, Response):
            return result
        appid, user = result
        payload = {
            "access_token": "sbx_user_" + secrets.token_urlsafe(24),
            "expires_in": 7200,
            "refresh_token": "sbx_refresh_" + secrets.token_urlsafe(24),
            "openid": users.wechat_openid(appid, user),
            "scope": "snsapi_userinfo",
        }
        unionid = users.wechat_unionid(user)
        if unionid:
            payload["unionid"] = unionid
        return jsonify(payload)

    # ------------------------------------------------------------------ face verification

    @app.post("/cityservice/face/identify/getverifyid")
    def getverifyid():
        appid, denied = authorised()
        if denied:
            return denied
        data = body()
        if data is None:
            return error(47001)
        out_seq_no = data.get("out_seq_no")
        if not isinstance(out_seq_no, str) or not OUT_SEQ_NO.match(out_seq_no):
            return error(40097, "out_seq_no must be 5-32 of [0-9A-Za-z_-]")
        cert = data.get("cert_info")
        if not isinstance(cert, dict) or cert.get("cert_type") != "IDENTITY_CARD":
            return error(40097, "cert_info.cert_type must be IDENTITY_CARD")
        name, number = cert.get("cert_name"), cert.get("cert_no")
        if not isinstance(name, str) or not name.strip() or len(name) > 64:
            return error(40097, "cert_info.cert_name")
        if not isinstance(number, str) or not CERT_NO.match(number):
            return error(40097, "cert_info.cert_no")
        openid = data.get("openid")
        if not isinstance(openid, str) or not OPENID.match(openid):
            return error(40003)
        with state.lock:
            if (appid, out_seq_no) in state.out_seq_nos:
                return error(40097, "out_seq_no already used")
            state.out_seq_nos.add((appid, out_seq_no))
            session = FaceSession(
                verify_id="vid_" + secrets.token_urlsafe(24),
                appid=appid,
                openid=openid,
                out_seq_no=out_seq_no,
                cert_type="IDENTITY_CARD",
                cert_name=name,
                cert_no=number,
                created=time.time(),
            )
            state.faces[session.verify_id] = session
        return ok(verify_id=session.verify_id, expires_in=session.expires_in)

    @app.post("/cityservice/face/identify/queryverifyinfo")
    def queryverifyinfo():
        appid, denied = authorised()
        if denied:
            return denied
        data = body()
        if data is None:
            return error(47001)
        with state.lock:
            session = state.faces.get(str(data.get("verify_id", "")))
            if session is None or session.appid != appid:
                return error(84001)
            if data.get("out_seq_no") != session.out_seq_no:
                return error(40097, "out_seq_no does not match verify_id")
            if data.get("openid") != session.openid:
                return error(40097, "openid does not match verify_id")
            expected = cert_hash(session.cert_type, session.cert_name, session.cert_no)
            if data.get("cert_hash") != expected:
                return error(40097, "cert_hash does not match the cert_info given to getverifyid")
            verify_ret = session.verify_ret
            if verify_ret is None and time.time() > session.created + session.expires_in:
                verify_ret = OUTCOME_VERIFY_RET["timeout"]
        if verify_ret is None:
            return error(84003)
        return ok(verify_ret=verify_ret)

    @app.post("/cityservice/face/identify/getinfo")
    def getinfo():
        appid, denied = authorised()
        if denied:
            return denied
        data = body()
        if data is None:
            return error(47001)
        with state.lock:
            result = state.legacy.get(str(data.get("verify_result", "")))
        if result is None or result.appid != appid:
            return error(84001)
        if time.time() > result.created + LEGACY_TTL:
            return error(84002)
        return ok(
            identify_ret=result.identify_ret,
            identify_time=int(result.created),
            validate_data="8317",
            openid=result.openid,
            user_id_key="uk_" + result.verify_result[3:19],
            finish_time=int(result.created),
            id_card_number_md5=result.id_card_number_md5,
            name_utf8_md5=result.name_utf8_md5,
        )

    # ------------------------------------------------------------------ subscribe messages

    @app.post("/cgi-bin/message/subscribe/send")
    def subscribe_send():
        appid, denied = authorised()
        if denied:
            return denied
        data = body()
        if data is None:
            return error(47001)
        received = {"at": round(time.time(), 3), "outcome": "processing"}
        received.update({k: data.get(k) for k in ("touser", "template_id", "page", "data")})
        with state.lock:  # listed on arrival, so a test sees a request in flight
            state.subscribe_received.append(received)
            del state.subscribe_received[:-1000]
        response = subscribe_answer(appid, data, received)
        if received["outcome"] == "processing":
            received["outcome"] = "delivered"
        return response

    def subscribe_answer(appid: str, data: dict, received: dict) -> Response:
        seconds = take_hold(state.subscribe_holds, state.lock)
        if seconds and not hold(seconds, request.environ):
            received["outcome"] = "aborted"  # the sender went away: never processed
            return Response(status=408)
        touser = data.get("touser")
        with state.lock:
            for scripted in state.subscribe_errors:
                if scripted.get("touser") in (None, touser):
                    scripted["times"] -= 1
                    if scripted["times"] <= 0:
                        state.subscribe_errors.remove(scripted)
                    received["outcome"] = f"errcode {scripted['errcode']}"
                    return error(int(scripted["errcode"]), "scripted by /sandbox/subscribe/errors")
        answer = subscribe_deliver(appid, data)
        errcode = answer.get_json().get("errcode")
        received["outcome"] = f"errcode {errcode}" if errcode else "delivered"
        return answer

    def subscribe_deliver(appid: str, data: dict) -> Response:
        touser = data.get("touser")
        if not isinstance(touser, str) or not OPENID.match(touser):
            return error(40003)
        if not data.get("template_id"):
            return error(40037)
        values = data.get("data")
        if not isinstance(values, dict):
            return error(47003, "data")
        for key, entry in values.items():
            value = entry.get("value") if isinstance(entry, dict) else None
            if not isinstance(value, str):
                return error(47003, f"data.{key}.value")
            limit = VALUE_LIMITS.get(re.sub(r"\d+$", "", key))
            if limit is not None and len(value) > limit:
                return error(47003, f"data.{key}.value exceeds limit")
        message = {"appid": appid, "msgid": secrets.randbelow(10**12), "at": round(time.time(), 3)}
        message.update({k: data.get(k) for k in ("touser", "template_id", "page", "data", "miniprogram_state", "lang")})
        with state.lock:
            state.messages.append(message)
        return ok(msgid=message["msgid"])

    from sandbox.messages import register_hold_controls
    from sandbox.wechat_controls import register_controls

    register_controls(app, state)
    register_hold_controls(app, state, "/sandbox/subscribe")
    return app
