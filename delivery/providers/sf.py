"""SF Express open platform (丰桥) adapter: form POSTs to /std/service with msgDigest, and the
route push we receive.

Signing (SF's published Python/Java samples, docs/providers.md):
    msgDigest = base64(md5(urlencode_utf8(msgData + timestamp + checkWord)))
with form-style URL encoding (space → "+"), MD5 over the UTF-8 bytes, standard base64.
A reply is {"apiResultCode": "A1000" on success, "apiResultData": "<JSON text>"}; the JSON text
holds {"success", "errorCode", "errorMsg", "msgData"}. Route pushes arrive as the same form
(serviceCode RoutePushService) with msgData {"Body": {"WaybillRoute": [...]}} and are answered
{"return_code": "0000", "return_msg": "成功"}.

Route keys: the route query (EXP_RECE_SEARCH_ROUTES) does not carry SF's route id, so a route is
keyed by its content (time, opCode, remark) — the same update arriving by push and by query is
then stored once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
import urllib.parse
import uuid
from datetime import datetime

import requests

from delivery.providers.base import (
    Courier,
    CourierRejected,
    CourierUnavailable,
    CreateOrder,
    DuplicateOrder,
    OrderResult,
    PushRejected,
    Route,
    RoutePushBatch,
)

log = logging.getLogger(__name__)

CREATE_ORDER = "EXP_RECE_CREATE_ORDER"
SEARCH_ORDER = "EXP_RECE_SEARCH_ORDER_RESP"
UPDATE_ORDER = "EXP_RECE_UPDATE_ORDER"
SEARCH_ROUTES = "EXP_RECE_SEARCH_ROUTES"
ROUTE_PUSH = "RoutePushService"

OK = "A1000"
# Gateway codes a later attempt may succeed with: request failed, flow control, target service
# unreachable, system error. Others (missing field, bad digest, no permission …) will not.
RETRYABLE_API_CODES = frozenset({"A1002", "A1005", "A1009", "A1099"})
DUPLICATE_ORDER = "8016"
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def digest(msg_data: str, timestamp: str, check_word: str) -> str:
    text = urllib.parse.quote_plus(msg_data + timestamp + check_word)
    return base64.b64encode(hashlib.md5(text.encode("utf-8")).digest()).decode("ascii")  # noqa: S324 - SF's rule


def route_key(accept_time: str, op_code: str, remark: str) -> str:
    raw = f"{accept_time}|{op_code}|{remark}".encode()
    return hashlib.sha256(raw).hexdigest()[:40]


def _time(text: str) -> datetime:
    try:
        return datetime.strptime(text, TIME_FORMAT)
    except (TypeError, ValueError):
        raise PushRejected(f"bad acceptTime {text!r}") from None


def _route(item: dict, *, order_id: str | None, waybill_no: str) -> Route:
    accept_time = str(item.get("acceptTime") or "")
    op_code = str(item.get("opCode") or "")
    remark = str(item.get("remark") or "")
    if not op_code:
        raise PushRejected("route without opCode")
    return Route(
        order_id=order_id,
        waybill_no=waybill_no,
        route_key=route_key(accept_time, op_code, remark),
        op_code=op_code,
        accept_time=_time(accept_time),
        accept_address=str(item.get("acceptAddress") or "")[:200],
        remark=remark[:500],
    )


class SFExpress(Courier):
    name = "sf"
    display_name = "顺丰速运"

    def __init__(
        self,
        *,
        api_url: str,
        partner_id: str,
        check_word: str,
        monthly_card: str = "",
        express_type: int = 1,
        timeout: float = 10.0,
        push_max_age: int = 900,
    ):
        self.api_url = api_url
        self.partner_id = partner_id
        self.check_word = check_word
        self.monthly_card = monthly_card
        self.express_type = express_type
        self.timeout = timeout
        self.push_max_age = push_max_age

    # ------------------------------------------------------------ calls

    def _call(self, service_code: str, msg: dict) -> dict:
        msg_data = json.dumps(msg, ensure_ascii=False, separators=(",", ":"))
        timestamp = str(int(time.time() * 1000))
        form = {
            "partnerID": self.partner_id,
            "requestID": uuid.uuid4().hex,
            "serviceCode": service_code,
            "timestamp": timestamp,
            "msgDigest": digest(msg_data, timestamp, self.check_word),
            "msgData": msg_data,
        }
        try:
            response = requests.post(self.api_url, data=form, timeout=self.timeout)
        except requests.RequestException as exc:
            raise CourierUnavailable(f"SF {service_code}: {type(exc).__name__}") from None
        if response.status_code >= 500 or response.status_code == 429:
            raise CourierUnavailable(f"SF {service_code}: HTTP {response.status_code}")
        if response.status_code != 200:
            raise CourierRejected(f"SF {service_code}: HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            raise CourierUnavailable(f"SF {service_code}: reply is not JSON") from None
        code = str(body.get("apiResultCode") or "")
        if code != OK:
            error = CourierUnavailable if code in RETRYABLE_API_CODES else CourierRejected
            raise error(f"SF {service_code}: {code} {body.get('apiErrorMsg') or ''}".strip(), code=code)
        try:
            data = json.loads(body.get("apiResultData") or "{}")
        except ValueError:
            raise CourierUnavailable(f"SF {service_code}: apiResultData is not JSON") from None
        if not data.get("success"):
            error_code = str(data.get("errorCode") or "")
            message = f"SF {service_code}: {error_code} {data.get('errorMsg') or ''}".strip()
            if error_code == DUPLICATE_ORDER:
                raise DuplicateOrder(message, code=error_code)
            raise CourierRejected(message, code=error_code)
        return data.get("msgData") or {}

    @staticmethod
    def _waybill(msg: dict) -> str | None:
        for info in msg.get("waybillNoInfoList") or []:
            if str(info.get("waybillType", 1)) == "1" and info.get("waybillNo"):
                return str(info["waybillNo"])
        return None

    def create_order(self, order: CreateOrder) -> OrderResult:
        contacts = []
        for contact_type, party in ((1, order.sender), (2, order.receiver)):
            contacts.append(
                {
                    "contactType": contact_type,
                    "contact": party.name,
                    "mobile": party.mobile,
                    "country": "CN",
                    "province": party.province,
                    "city": party.city,
                    "county": party.county,
                    "address": party.address,
                }
            )
        msg = {
            "language": "zh-CN",
            "orderId": order.order_id,
            "contactInfoList": contacts,
            "cargoDetails": [{"name": order.cargo, "count": 1}],
            "monthlyCard": self.monthly_card,
            "payMethod": 1,  # sender pays (the department's monthly account)
            "expressTypeId": self.express_type,
            "isReturnRoutelabel": 0,
        }
        result = self._call(CREATE_ORDER, msg)
        waybill = self._waybill(result)
        if not waybill:
            raise CourierUnavailable("SF create order: no waybill number in the reply")
        return OrderResult(order_id=order.order_id, waybill_no=waybill)

    def find_order(self, order_id: str) -> OrderResult | None:
        result = self._call(SEARCH_ORDER, {"orderId": order_id, "searchType": "1", "language": "zh-CN"})
        waybill = self._waybill(result)
        return OrderResult(order_id=order_id, waybill_no=waybill) if waybill else None

    def cancel_order(self, order_id: str) -> None:
        self._call(UPDATE_ORDER, {"orderId": order_id, "dealType": 2, "language": "zh-CN"})

    def query_routes(self, order_id: str) -> list[Route]:
        msg = {"language": "zh-CN", "trackingType": "2", "trackingNumber": [order_id], "methodType": "1"}
        result = self._call(SEARCH_ROUTES, msg)
        routes = []
        for resp in result.get("routeResps") or []:
            for item in resp.get("routes") or []:
                try:
                    routes.append(_route(item, order_id=order_id, waybill_no=str(resp.get("mailNo") or "")))
                except PushRejected:
                    log.warning("SF route query: a malformed route of order %s skipped", order_id)
        return routes

    # ------------------------------------------------------------ push

    def parse_push(self, form: dict[str, str]) -> RoutePushBatch:
        """Verify a route push (partner, digest over the raw msgData, timestamp window) and parse it."""
        msg_data = form.get("msgData") or ""
        timestamp = form.get("timestamp") or ""
        given = form.get("msgDigest") or ""
        if not msg_data or not timestamp or not given:
            raise PushRejected("msgData, timestamp and msgDigest are required")
        if form.get("partnerID") not in (None, "", self.partner_id):
            raise PushRejected("unknown partnerID", reason="digest")
        if not hmac.compare_digest(digest(msg_data, timestamp, self.check_word).encode(), given.encode()):
            raise PushRejected("msgDigest does not match", reason="digest")
        try:
            sent = int(timestamp)
        except ValueError:
            raise PushRejected("bad timestamp") from None
        sent_s = sent / 1000 if sent > 10**11 else sent
        if abs(time.time() - sent_s) > self.push_max_age:
            raise PushRejected("timestamp outside the accepted window", reason="timestamp")
        try:
            body = json.loads(msg_data)
            items = body["Body"]["WaybillRoute"]
        except (ValueError, KeyError, TypeError):
            raise PushRejected("msgData is not a WaybillRoute push") from None
        if not isinstance(items, list):
            raise PushRejected("WaybillRoute is not a list")
        routes = []
        for item in items:
            if not isinstance(item, dict) or not item.get("mailno"):
                raise PushRejected("route without mailno")
            routes.append(_route(item, order_id=item.get("orderid") or None, waybill_no=str(item["mailno"])))
        return RoutePushBatch(routes=routes)


PUSH_OK = {"return_code": "0000", "return_msg": "成功"}


def push_error(message: str) -> dict:
    return {"return_code": "1000", "return_msg": message}
