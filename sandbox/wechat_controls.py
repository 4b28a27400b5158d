"""The /sandbox control endpoints of the WeChat simulator (documented in sandbox.wechat)."""

from __future__ import annotations

import html
import time

from flask import Flask, Response, jsonify, redirect, request

from sandbox import users
from sandbox.common import bad_control, control_payload, failure_rule_from_json
from sandbox.wechat_state import MINIPROGRAM, OUTCOME_IDENTIFY_RET, OUTCOME_VERIFY_RET, WeChatState


def register_controls(app: Flask, state: WeChatState) -> None:
    @app.get("/sandbox/")
    def phone():
        with state.lock:
            sessions = sorted(state.faces.values(), key=lambda s: s.created, reverse=True)[:30]
        rows = []
        for s in sessions:
            buttons = "".join(
                f'<form method="post" action="/sandbox/face/{html.escape(s.verify_id)}" style="display:inline">'
                f'<input type="hidden" name="outcome" value="{o}"><button>{o}</button></form>'
                for o in ("pass", "fail", "cancel")
            )
            pub = s.public()
            rows.append(
                f"<tr><td>{html.escape(s.verify_id)}</td><td>{html.escape(pub['cert_name'])}</td>"
                f"<td>{pub['verify_ret'] if pub['verify_ret'] is not None else 'waiting'}</td><td>{buttons}</td></tr>"
            )
        page = (
            "<!doctype html><meta charset=utf-8><title>WeChat sandbox phone</title>"
            "<h1>WeChat sandbox — face verification</h1>"
            "<p>Login codes: <code>&lt;user&gt;:&lt;anything&gt;</code>, e.g. <code>alice:1</code>.</p>"
            "<table border=1 cellpadding=4><tr><th>verify_id</th><th>name</th><th>verify_ret</th><th></th></tr>"
            + "".join(rows)
            + "</table>"
        )
        return Response(page, content_type="text/html; charset=utf-8")

    @app.get("/sandbox/login-code")
    def login_code():
        try:
            return jsonify({"code": users.new_code(request.args.get("user", "alice"))})
        except ValueError as exc:
            return bad_control(str(exc))

    @app.route("/sandbox/face/<verify_id>", methods=["GET", "POST"])
    def face_control(verify_id: str):
        if request.method == "GET":
            with state.lock:
                session = state.faces.get(verify_id)
                return jsonify(session.public()) if session else bad_control("unknown verify_id", 404)
        try:
            payload = control_payload()
            if "verify_ret" in payload:
                verify_ret = int(payload["verify_ret"])
            else:
                verify_ret = OUTCOME_VERIFY_RET[payload.get("outcome", "")]
        except (KeyError, ValueError):
            return bad_control(f"outcome must be one of {sorted(OUTCOME_VERIFY_RET)} (or give verify_ret)")
        session = state.report_face(verify_id, verify_ret)
        if session is None:
            return bad_control("unknown verify_id", 404)
        if request.form:
            return redirect("/sandbox/", code=303)
        return jsonify(session.public())

    @app.post("/sandbox/face/legacy")
    def legacy_control():
        try:
            payload = control_payload()
            name, id_number = str(payload["name"]), str(payload["id_number"])
            if "identify_ret" in payload:
                identify_ret = int(payload["identify_ret"])
            else:
                identify_ret = OUTCOME_IDENTIFY_RET[payload.get("outcome", "pass")]
        except (KeyError, ValueError):
            return bad_control("give name, id_number and outcome pass|fail|cancel (or identify_ret)")
        appid = payload.get("appid") or next(a for a, (_, kind) in state.apps.items() if kind == MINIPROGRAM)
        openid = payload.get("openid") or users.wechat_openid(appid, str(payload.get("user", "alice")))
        verify_result = state.add_legacy(
            appid=appid, openid=openid, name=name, id_number=id_number, identify_ret=identify_ret
        )
        return jsonify({"verify_result": verify_result})

    @app.get("/sandbox/tokens")
    def tokens():
        now = time.time()
        with state.lock:
            live = sum(1 for t in state.tokens.values() if not t.revoked_errcode and t.expires_at > now)
            return jsonify({"fetches": dict(state.token_fetches), "live": live})

    @app.post("/sandbox/tokens/expire")
    def expire_tokens():
        try:
            payload = control_payload()
            errcode = int(payload.get("errcode", 42001))
        except ValueError:
            return bad_control("errcode must be 42001 or 40001")
        if errcode not in (42001, 40001):
            return bad_control("errcode must be 42001 or 40001")
        return jsonify({"expired": state.expire_tokens(payload.get("appid"), errcode)})

    @app.post("/sandbox/subscribe/errors")
    def subscribe_errors():
        try:
            payload = control_payload()
            entry = {"errcode": int(payload["errcode"]), "touser": payload.get("touser"), "times": 1}
            entry["times"] = max(1, int(payload.get("times", 1)))
        except (KeyError, ValueError):
            return bad_control("give errcode (43101, 40003, 40037, 47003, 41030, -1 ...)")
        with state.lock:
            state.subscribe_errors.append(entry)
        return jsonify(entry)

    @app.get("/sandbox/messages")
    def messages():
        with state.lock:
            return jsonify({"items": list(state.messages[-int(request.args.get("limit", 50)) :])})

    @app.post("/sandbox/fail-next")
    def fail_next():
        try:
            rule = failure_rule_from_json(control_payload())
        except ValueError as exc:
            return bad_control(str(exc))
        with state.lock:
            state.failures.append(rule)
        return jsonify({"path": rule.path_prefix, "times": rule.times})

    @app.get("/sandbox/calls")
    def calls():
        limit = min(int(request.args.get("limit", 50)), 500)
        return jsonify({"items": state.calls.recent(limit, request.args.get("path"))})
