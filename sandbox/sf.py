"""SF Express open-platform (丰桥) simulator: `POST /std/service` and route pushes back to us.

Requests are form posts `partnerID, requestID, serviceCode, timestamp (ms), msgDigest, msgData`.
Checked like the real gateway: partnerID known (else A1001/A1003), msgDigest =
base64(md5(urlencode_utf8(msgData + timestamp + checkWord))) (else A1006), timestamp within
15 minutes. Answers `{"apiResultCode": "A1000", "apiErrorMsg": "", "apiResponseID", "apiResultData":
"<JSON text {success, errorCode, errorMsg, msgData}>"}`.

Services:
- EXP_RECE_CREATE_ORDER: `orderId`, `contactInfoList` (contactType 1 sender, 2 receiver with
  contact, 11-digit mobile, province, city, county, address), `cargoDetails` → a waybill number
  (SF + 13 digits) in `waybillNoInfoList`. A reused orderId → success false, errorCode 8016
  (重复下单); a missing receiver field → 1010-ish business errors (see _check_order).
- EXP_RECE_SEARCH_ORDER_RESP (`orderId`) → its waybill, or errorCode 8018 (订单不存在).
- EXP_RECE_UPDATE_ORDER (`orderId`, dealType 2) cancels.
- EXP_RECE_SEARCH_ROUTES (`trackingType` 1 waybills / 2 order ids, `trackingNumber`[]) → the routes
  released so far: `routeResps[{mailNo, routes[{acceptTime, acceptAddress, remark, opCode}]}]`.

Every order gets a realistic route plan (揽收 50, 分拣/中转 30/31, 派送 44, 签收 80). Routes are
*released* by the control endpoint and pushed (form, serviceCode RoutePushService, signed with
the same rule) to the push URL, which must answer `{"return_code": "0000"}`.

Controls under `/sandbox/sf`:
- `PUT  /sandbox/sf/config` `{"push_url"}`.
- `POST /sandbox/sf/push` `{"order_id", "count"?: 1, "all"?: false, "route"?: {"opCode", "remark"},
  "duplicate"?: false, "reorder"?: false, "silent"?: false}` — release the next routes (or one
  custom route such as an exception 33) and push them: `duplicate` sends each push twice,
  `reorder` sends them one by one newest first, `silent` releases without pushing (a lost push
  the route query must catch). Answers the released routes and our answers to each push.
- `POST /sandbox/sf/fail-next` `{"http_status"?, "errcode"? (apiResultCode, e.g. A1009),
  "service"?, "times"?: 1}` — the next matching calls fail.
- `GET  /sandbox/sf/orders`, `GET /sandbox/sf/calls?limit=50`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import requests
from flask import Flask, Response, g, jsonify, request

from sandbox.common import CallLog, FailureRule, bad_control, control_payload, install_call_log, take_failure

TIMESTAMP_WINDOW_MS = 15 * 60 * 1000
API_ERRORS = {
    "A1001": "必传参数不可为空",
    "A1002": "请求失败",
    "A1003": "IP无效",
    "A1006": "数字签名无效",
    "A1009": "目标服务异常或不可达",
    "A1099": "系统异常",
}
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"

# (opCode, remark template, where) of a parcel from the hall to the recipient
PLAN = (
    ("50", "顺丰速运 已收取快件", "{sender_city}{sender_county}"),
    ("30", "快件在【{sender_county}营业点】完成分拣，准备发往【{sender_city}中转场】", "{sender_city}{sender_county}"),
    ("31", "快件到达【{sender_city}中转场】", "{sender_city}"),
    ("30", "快件在【{sender_city}中转场】完成分拣，准备发往【{county}营业点】", "{sender_city}"),
    ("31", "快件到达【{county}营业点】", "{city}{county}"),
    ("44", "快件交给李师傅，正在派送途中（联系电话：95338）", "{city}{county}"),
    ("80", "快件已签收，签收人：本人，感谢使用顺丰，期待再次为您服务", "{city}{county}"),
)


def digest(msg_data: str, timestamp: str, check_word: str) -> str:
    text = urllib.parse.quote_plus(msg_data + timestamp + check_word)
    return base64.b64encode(hashlib.md5(text.encode("utf-8")).digest()).decode("ascii")  # noqa: S324


@dataclass
class SFOrder:
    order_id: str
    waybill_no: str
    receiver: dict
    sender: dict
    created: datetime
    plan: list[dict]
    released: list[dict] = field(default_factory=list)
    cancelled: bool = False
    extra: int = 0


@dataclass
class SFState:
    partner_id: str
    check_word: str
    push_url: str = ""
    orders: dict[str, SFOrder] = field(default_factory=dict)
    failures: list[FailureRule] = field(default_factory=list)
    calls: CallLog = field(default_factory=CallLog)
    lock: threading.Lock = field(default_factory=threading.Lock)

    # ------------------------------------------------------------ routes

    def _plan(self, order: dict, created: datetime) -> list[dict]:
        places = {
            "sender_city": order["sender"].get("city", ""),
            "sender_county": order["sender"].get("county", ""),
            "city": order["receiver"].get("city", ""),
            "county": order["receiver"].get("county", ""),
        }
        plan = []
        for i, (op, remark, where) in enumerate(PLAN):
            at = created + timedelta(minutes=41 * (i + 1))
            plan.append(
                {
                    "opCode": op,
                    "remark": remark.format(**places),
                    "acceptAddress": where.format(**places),
                    "acceptTime": at.strftime(TIME_FORMAT),
                }
            )
        return plan

    def release(self, order_id: str, *, count: int = 1, everything: bool = False, route: dict | None = None):
        with self.lock:
            order = self.orders.get(order_id)
            if order is None:
                raise KeyError(order_id)
            if route is not None:
                order.extra += 1
                last = order.released[-1]["acceptTime"] if order.released else order.created.strftime(TIME_FORMAT)
                at = datetime.strptime(last, TIME_FORMAT) + timedelta(minutes=7 * order.extra)
                new = [
                    {
                        "opCode": str(route.get("opCode", "33")),
                        "remark": str(route.get("remark", "快件派送不成功，收方客户不在，待再次派送")),
                        "acceptAddress": str(route.get("acceptAddress", "")),
                        "acceptTime": at.strftime(TIME_FORMAT),
                    }
                ]
            else:
                start = len([r for r in order.released if not r.get("_extra")])
                end = len(order.plan) if everything else min(len(order.plan), start + max(1, count))
                new = [dict(r) for r in order.plan[start:end]]
            for r in new:
                r["id"] = str(10**15 + secrets.randbelow(10**15))
                if route is not None:
                    r["_extra"] = True
            order.released.extend(new)
            return order, new

    def _wire(self, order: SFOrder, route: dict) -> dict:
        return {
            "id": route["id"],
            "mailno": order.waybill_no,
            "orderid": order.order_id,
            "acceptTime": route["acceptTime"],
            "acceptAddress": route["acceptAddress"],
            "remark": route["remark"],
            "opCode": route["opCode"],
        }

    def push_form(self, order: SFOrder, routes: list[dict], *, timestamp: str | None = None) -> dict:
        msg_data = json.dumps(
            {"Body": {"WaybillRoute": [self._wire(order, r) for r in routes]}},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        ts = timestamp or str(int(time.time() * 1000))
        return {
            "partnerID": self.partner_id,
            "requestID": uuid.uuid4().hex,
            "serviceCode": "RoutePushService",
            "timestamp": ts,
            "msgDigest": digest(msg_data, ts, self.check_word),
            "msgData": msg_data,
        }

    def send(self, form: dict) -> dict:
        try:
            response = requests.post(self.push_url, data=form, timeout=10)
        except requests.RequestException as exc:
            return {"status": None, "error": type(exc).__name__}
        try:
            body = response.json()
        except ValueError:
            body = response.text[:200]
        return {"status": response.status_code, "body": body}


class SFError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def _check_order(msg: dict) -> tuple[dict, dict]:
    contacts = {c.get("contactType"): c for c in msg.get("contactInfoList") or [] if isinstance(c, dict)}
    receiver, sender = contacts.get(2), contacts.get(1)
    if not msg.get("orderId"):
        raise SFError("1010", "客户订单号不能为空")
    if receiver is None or sender is None:
        raise SFError("1011", "寄件人或收件人信息不能为空")
    for key in ("contact", "mobile", "province", "city", "address"):
        if not receiver.get(key):
            raise SFError("1012", f"收件人{key}不能为空")
    if not str(receiver["mobile"]).isdigit() or len(str(receiver["mobile"])) != 11:
        raise SFError("1013", "收件人手机号码格式不正确")
    if not msg.get("cargoDetails"):
        raise SFError("1014", "托寄物信息不能为空")
    return sender, receiver


def create_sf_sandbox(state: SFState) -> Flask:
    app = Flask("sandbox.sf")
    app.json.ensure_ascii = False

    def summarise(response: Response) -> dict:
        entry = {"service": g.get("service_code")}
        try:
            body = json.loads(response.get_data(as_text=True))
            entry["api_code"] = body.get("apiResultCode")
            data = json.loads(body.get("apiResultData") or "{}")
            entry["error_code"] = data.get("errorCode")
        except (ValueError, AttributeError):
            pass
        return entry

    install_call_log(app, state.calls, summarise)

    def api_answer(code: str, data: dict | None = None, message: str = "") -> Response:
        return jsonify(
            {
                "apiErrorMsg": message or ("" if code == "A1000" else API_ERRORS.get(code, "")),
                "apiResponseID": uuid.uuid4().hex.upper(),
                "apiResultCode": code,
                "apiResultData": json.dumps(data, ensure_ascii=False) if data is not None else None,
            }
        )

    def ok(msg_data: dict) -> Response:
        return api_answer("A1000", {"success": True, "errorCode": "S0000", "errorMsg": None, "msgData": msg_data})

    def biz_error(exc: SFError) -> Response:
        return api_answer("A1000", {"success": False, "errorCode": exc.code, "errorMsg": exc.message, "msgData": None})

    @app.post("/std/service")
    def service():
        form = request.form.to_dict()
        code = form.get("serviceCode", "")
        g.service_code = code
        for name in ("partnerID", "requestID", "serviceCode", "timestamp", "msgDigest", "msgData"):
            if not form.get(name):
                return api_answer("A1001", message=f"{name}不能为空")
        if form["partnerID"] != state.partner_id:
            return api_answer("A1003", message="顾客编码无效")
        expected = digest(form["msgData"], form["timestamp"], state.check_word)
        if not hmac.compare_digest(expected.encode(), form["msgDigest"].encode()):
            return api_answer("A1006")
        try:
            sent = int(form["timestamp"])
        except ValueError:
            return api_answer("A1001", message="timestamp格式错误")
        if abs(time.time() * 1000 - sent) > TIMESTAMP_WINDOW_MS:
            return api_answer("A1002", message="请求已过期")
        rule = take_failure(state.failures, state.lock, "/std/service", code)
        if rule is not None:
            if rule.http_status != 200:
                return Response(rule.body or "service unavailable", status=rule.http_status)
            return api_answer(rule.errcode or "A1099")
        try:
            msg = json.loads(form["msgData"])
        except ValueError:
            return api_answer("A1001", message="msgData不是JSON")
        try:
            if code == "EXP_RECE_CREATE_ORDER":
                return ok(create_order(msg))
            if code == "EXP_RECE_SEARCH_ORDER_RESP":
                return ok(search_order(msg))
            if code == "EXP_RECE_UPDATE_ORDER":
                return ok(update_order(msg))
            if code == "EXP_RECE_SEARCH_ROUTES":
                return ok(search_routes(msg))
        except SFError as exc:
            return biz_error(exc)
        return api_answer("A1004", message="无对应服务权限")

    def create_order(msg: dict) -> dict:
        sender, receiver = _check_order(msg)
        with state.lock:
            if msg["orderId"] in state.orders:
                raise SFError("8016", "重复下单")
            waybill = "SF" + "".join(str(secrets.randbelow(10)) for _ in range(13))
            created = datetime.now().replace(microsecond=0)
            order = SFOrder(
                order_id=msg["orderId"],
                waybill_no=waybill,
                receiver=receiver,
                sender=sender,
                created=created,
                plan=state._plan({"sender": sender, "receiver": receiver}, created),
            )
            state.orders[order.order_id] = order
        return {
            "orderId": order.order_id,
            "originCode": "539",
            "destCode": "539",
            "filterResult": 2,
            "waybillNoInfoList": [{"waybillType": 1, "waybillNo": waybill}],
        }

    def _order(order_id: str) -> SFOrder:
        order = state.orders.get(order_id)
        if order is None:
            raise SFError("8018", "未获取到订单信息")
        return order

    def search_order(msg: dict) -> dict:
        order = _order(str(msg.get("orderId") or ""))
        return {"orderId": order.order_id, "waybillNoInfoList": [{"waybillType": 1, "waybillNo": order.waybill_no}]}

    def update_order(msg: dict) -> dict:
        order = _order(str(msg.get("orderId") or ""))
        if str(msg.get("dealType")) == "2":
            if order.released:
                raise SFError("8037", "已揽收，不能取消")
            order.cancelled = True
        return {"orderId": order.order_id, "resStatus": 2}

    def search_routes(msg: dict) -> dict:
        numbers = msg.get("trackingNumber") or []
        by_waybill = str(msg.get("trackingType")) == "1"
        resps = []
        for number in numbers:
            order = next((o for o in state.orders.values() if o.waybill_no == number), None) if by_waybill else None
            order = order or (None if by_waybill else state.orders.get(number))
            if order is None:
                continue
            routes = [
                {k: r[k] for k in ("acceptTime", "acceptAddress", "remark", "opCode")}
                for r in sorted(order.released, key=lambda r: r["acceptTime"])
            ]
            resps.append({"mailNo": order.waybill_no, "routes": routes})
        return {"routeResps": resps}

    # ------------------------------------------------------------ controls

    @app.put("/sandbox/sf/config")
    def config():
        payload = control_payload()
        if "push_url" in payload:
            state.push_url = str(payload["push_url"])
        return jsonify({"push_url": state.push_url})

    @app.post("/sandbox/sf/push")
    def push():
        payload = control_payload()
        try:
            order, routes = state.release(
                str(payload.get("order_id", "")),
                count=int(payload.get("count", 1)),
                everything=bool(payload.get("all")),
                route=payload.get("route"),
            )
        except KeyError:
            return bad_control("unknown order", 404)
        answers = []
        if not payload.get("silent") and routes:
            if not state.push_url:
                return bad_control("no push_url configured", 409)
            batches = [[r] for r in reversed(routes)] if payload.get("reorder") else [routes]
            for batch in batches:
                form = state.push_form(order, batch)
                for _ in range(2 if payload.get("duplicate") else 1):
                    answers.append(state.send(form))
        released = [{k: v for k, v in r.items() if not k.startswith("_")} for r in routes]
        return jsonify(
            {"order_id": order.order_id, "waybill_no": order.waybill_no, "released": released, "answers": answers}
        )

    @app.post("/sandbox/sf/fail-next")
    def fail_next():
        payload = control_payload()
        rule = FailureRule(
            path_prefix="/std/service",
            method=str(payload.get("service", "")),
            http_status=int(payload.get("http_status", 200)),
            body=payload.get("body"),
            errcode=None if payload.get("errcode") is None else str(payload["errcode"]),
            times=max(1, int(payload.get("times", 1))),
        )
        if rule.http_status == 200 and rule.errcode is None:
            return bad_control("give http_status or errcode")
        with state.lock:
            state.failures.append(rule)
        return jsonify({"queued": len(state.failures)})

    @app.get("/sandbox/sf/orders")
    def orders():
        with state.lock:
            items = [
                {
                    "order_id": o.order_id,
                    "waybill_no": o.waybill_no,
                    "released": len(o.released),
                    "planned": len(o.plan),
                    "cancelled": o.cancelled,
                }
                for o in state.orders.values()
            ]
        return jsonify({"items": items})

    @app.get("/sandbox/sf/calls")
    def calls():
        return jsonify({"items": state.calls.recent(int(request.args.get("limit", 50)))})

    return app
